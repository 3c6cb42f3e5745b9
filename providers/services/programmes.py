"""The programmes a provider runs. Accreditation is per programme, so applications point here."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from accounts.models import User
from qismet_portal.exceptions import DomainError

from ..locks import programme_lock_reason
from ..models import DeliveryMode, Organisation, Programme

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("name", "conditions", "delivery_mode", "description")


def _validate(organisation: Organisation, fields: dict, *, exclude_pk: int | None = None) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"These details cannot be changed here: {', '.join(sorted(unknown))}.")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "delivery_mode" in cleaned and cleaned["delivery_mode"] not in DeliveryMode.values:
        raise DomainError("Choose how the programme is delivered.")
    if "name" in cleaned:
        if not cleaned["name"]:
            raise DomainError("Enter the programme's name.")
        taken = organisation.programmes.filter(name__iexact=cleaned["name"])
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise DomainError(
                f"Your organisation already has a programme called {cleaned['name']}."
            )
    return cleaned


def _save(programme: Programme, **kwargs) -> None:
    try:
        with transaction.atomic():
            programme.save(**kwargs)
    except IntegrityError:
        raise DomainError(
            f"Your organisation already has a programme called {programme.name}."
        ) from None


@transaction.atomic
def programme_create(
    *,
    organisation: Organisation,
    name: str,
    conditions: str,
    delivery_mode: str,
    description: str = "",
) -> Programme:
    """Add a programme the organisation runs, so that it can apply for accreditation.

    Names are unique within the organisation regardless of capitals: applications, reports and
    certificates name the programme, and two with the same name would be confused.
    """
    fields = _validate(
        organisation,
        {
            "name": name,
            "conditions": conditions,
            "delivery_mode": delivery_mode,
            "description": description,
        },
    )
    programme = Programme(organisation=organisation, **fields)
    _save(programme)
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, **fields: str) -> Programme:
    """Correct a programme's details. Its organisation never changes.

    Refused while a registered lock says so (``providers.locks``): while QISMET has an
    application of it, assessors must see the programme as it was described when the
    declaration was signed.
    """
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    reason = programme_lock_reason(programme)
    if reason:
        raise DomainError(reason)
    cleaned = _validate(programme.organisation, fields, exclude_pk=programme.pk)
    for name, value in cleaned.items():
        setattr(programme, name, value)
    _save(programme, update_fields=[*cleaned, "updated_at"])
    return programme


def programme_can_be_deleted(programme: Programme) -> bool:
    """A programme that has ever had an application is part of the record and stays."""
    count = getattr(programme, "application_count", None)
    if count is None:
        count = programme.applications.count()
    return count == 0


@transaction.atomic
def programme_delete(*, programme: Programme, deleted_by: User) -> None:
    """Delete a programme added by mistake.

    Refused once the programme has an application: applications (and the decisions and
    certificates that follow) must keep pointing at the programme they were about.
    """
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.applications.exists():
        raise DomainError(
            f"{programme.name} cannot be deleted because it has an application for "
            "accreditation. Programmes with applications are kept as part of the record."
        )
    try:
        programme.delete()
    except ProtectedError:
        raise DomainError(
            f"{programme.name} cannot be deleted because other records refer to it."
        ) from None
    logger.info(
        "Programme %r of organisation %s deleted by user %s",
        programme.name,
        programme.organisation_id,
        deleted_by.pk,
    )
