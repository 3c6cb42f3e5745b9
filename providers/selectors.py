from django.db.models import Count, QuerySet

from .models import Membership, Organisation


def organisation_for_user(user) -> Organisation | None:
    """The organisation a provider user acts for (None for other roles)."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    return membership.organisation if membership else None


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(member_count=Count("memberships")).order_by("name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__full_name")


def organisation_count() -> int:
    return Organisation.objects.count()
