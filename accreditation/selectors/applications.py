"""Which applications a person can see, and the reads behind the workspace."""

from django.db.models import QuerySet

from accounts.models import Role
from accreditation.models import Application


def applications_for_user(user) -> QuerySet[Application]:
    """Every read of an application starts here: administrators see all, a provider user sees
    their own organisation's, everyone else none. Anything outside this set is a 404."""
    queryset = Application.objects.select_related("programme__organisation", "version__standard")
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.ADMINISTRATOR:
        return queryset
    if user.role == Role.PROVIDER:
        membership = getattr(user, "membership", None)
        if membership is None:
            return queryset.none()
        return queryset.filter(programme__organisation_id=membership.organisation_id)
    return queryset.none()
