"""Registering provider organisations and keeping their details up to date."""

from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_create_and_invite
from qismet_portal.exceptions import DomainError

from ..models import Membership, MembershipRole, Organisation

#: The details a lead or an administrator may change (not who created it, nor when).
EDITABLE_FIELDS = (
    "name",
    "address",
    "postcode",
    "region",
    "contact_name",
    "contact_email",
    "contact_phone",
    "charity_number",
    "company_number",
    "nhs_ods_code",
)


def _ensure_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    taken = Organisation.objects.filter(name__iexact=name.strip())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DomainError(f"An organisation called {name.strip()} is already registered.")


@transaction.atomic
def organisation_create(
    *, created_by: User, lead_full_name: str, lead_email: str, **fields: str
) -> Organisation:
    """Register a provider organisation and invite its lead user by email.

    The lead manages the organisation from then on; the invitation link lets them choose a password.
    """
    _ensure_name_free(fields.get("name", ""))
    organisation = Organisation.objects.create(created_by=created_by, **fields)
    lead = user_create_and_invite(
        email=lead_email, full_name=lead_full_name, role=Role.PROVIDER, created_by=created_by
    )
    Membership.objects.create(user=lead, organisation=organisation, role=MembershipRole.LEAD)
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields: str) -> Organisation:
    """Change an organisation's details (name, address, main contact, identifiers).

    Only the details listed in EDITABLE_FIELDS can change here, so a form that grows a field by
    mistake cannot move an organisation's ownership or history. Names stay unique regardless of
    capitals, as the register and certificates show them.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"These details cannot be changed here: {', '.join(sorted(unknown))}.")
    if "name" in fields:
        _ensure_name_free(fields["name"], exclude_pk=organisation.pk)
    for name, value in fields.items():
        setattr(organisation, name, value.strip() if isinstance(value, str) else value)
    organisation.save(update_fields=[*fields, "updated_at"])
    return organisation
