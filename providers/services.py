"""Provider organisation use cases."""

from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_create_and_invite

from .models import Membership, MembershipRole, Organisation


@transaction.atomic
def organisation_create(
    *, created_by: User, lead_full_name: str, lead_email: str, **fields: str
) -> Organisation:
    """Register a provider organisation and invite its lead user by email.

    The lead manages the organisation from then on; the invitation link lets them choose a password.
    """
    organisation = Organisation.objects.create(created_by=created_by, **fields)
    lead = user_create_and_invite(
        email=lead_email, full_name=lead_full_name, role=Role.PROVIDER, created_by=created_by
    )
    Membership.objects.create(user=lead, organisation=organisation, role=MembershipRole.LEAD)
    return organisation
