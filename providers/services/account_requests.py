"""New organisations ask for an account through a public form; an administrator decides.

The requester is told the request arrived and administrators are told there is one to review.
Before deciding, an administrator may correct the details; each correction is kept.

Approval reuses ``organisation_create``: the organisation is registered and the person who asked
is invited as its lead, exactly as when an administrator registers an organisation directly.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from ..models import AccountRequest, AccountRequestEdit, Organisation
from ..selectors import account_request_conflicts
from ..tasks import (
    notify_administrators_of_account_request,
    send_account_request_acknowledgement,
    send_account_request_rejection,
)
from .organisations import organisation_create

REQUEST_FIELDS = (
    "organisation_name",
    "address",
    "postcode",
    "region",
    "charity_number",
    "company_number",
    "nhs_ods_code",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_job_title",
    "programmes_description",
)


#: Why a correction is refused, in words for QISMET staff (the selector's speak to the requester).
STAFF_CONFLICT_MESSAGES = {
    "organisation_name": "That organisation name is already registered, or another request for "
    "it is waiting for review.",
    "contact_email": "Another request from that email address is waiting for review.",
    "race": "Another request waiting for review has that organisation name or email address.",
}


@transaction.atomic
def account_request_submit(**fields: str) -> AccountRequest:
    """Record a public request for an account, refusing duplicates.

    Anyone can send this form, so a request never creates an account by itself: it waits for an
    administrator. A second request for the same organisation, or from the same email address,
    while one is waiting is refused (the database's partial unique constraints make sure of it
    even when two arrive at once).
    """
    cleaned = _cleaned(fields)
    conflicts = account_request_conflicts(
        organisation_name=cleaned["organisation_name"], contact_email=cleaned["contact_email"]
    )
    if conflicts:
        raise DomainError(next(iter(conflicts.values())))
    try:
        with transaction.atomic():
            account_request = AccountRequest.objects.create(**cleaned)
    except IntegrityError:
        raise DomainError(
            "We already have a request for this organisation or from this email address waiting "
            "for review."
        ) from None
    # The person who asked learns it arrived and what happens next; administrators learn there is
    # something to review. Two tasks, so a failure to reach one never resends to the other.
    request_id = account_request.pk
    enqueue(send_account_request_acknowledgement, request_id)
    enqueue(notify_administrators_of_account_request, request_id)
    return account_request


def _cleaned(fields: dict[str, str]) -> dict[str, str]:
    unknown = set(fields) - set(REQUEST_FIELDS)
    if unknown:
        raise DomainError(f"Unexpected details: {', '.join(sorted(unknown))}.")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "contact_email" in cleaned:
        cleaned["contact_email"] = User.objects.normalize_email(cleaned["contact_email"]).lower()
    return cleaned


def _lock_pending(account_request: AccountRequest) -> AccountRequest:
    account_request = AccountRequest.objects.select_for_update().get(pk=account_request.pk)
    if not account_request.is_pending:
        raise DomainError(
            f"This request has already been {account_request.get_status_display().lower()}."
        )
    return account_request


@transaction.atomic
def account_request_update(
    *, account_request: AccountRequest, changed_by: User, **fields: str
) -> AccountRequestEdit | None:
    """Correct a waiting request's details before it is decided, keeping a record of the change.

    What the requester typed is their word; an administrator may fix it (a misspelt name, a
    personal email instead of a work one) so that approval registers the right organisation and
    invites the right person. Only a request waiting for review can change: a decided one is the
    record of what was decided. Each change is kept (who, when, each detail from what to what);
    saving without a change records nothing and returns ``None``.
    """
    cleaned = _cleaned(fields)
    account_request = _lock_pending(account_request)
    changes = {
        field: [getattr(account_request, field), value]
        for field, value in cleaned.items()
        if getattr(account_request, field) != value
    }
    if not changes:
        return None
    # only a detail that changes can newly clash with another organisation or request
    conflicts = account_request_conflicts(
        organisation_name=changes.get("organisation_name", ["", ""])[1],
        contact_email=changes.get("contact_email", ["", ""])[1],
        exclude_pk=account_request.pk,
    )
    if conflicts:
        raise DomainError(" ".join(STAFF_CONFLICT_MESSAGES[field] for field in conflicts))
    for field, (_, after) in changes.items():
        setattr(account_request, field, after)
    try:
        # what the form checks, checked again whatever the caller: required, lengths, choices
        account_request.clean_fields(
            exclude={f.name for f in AccountRequest._meta.fields} - set(changes)
        )
    except ValidationError as error:
        raise DomainError(
            " ".join(
                f"{AccountRequestEdit.LABELS[field]}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            )
        ) from None
    try:
        with transaction.atomic():
            account_request.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:
        raise DomainError(STAFF_CONFLICT_MESSAGES["race"]) from None
    return AccountRequestEdit.objects.create(
        account_request=account_request, changed_by=changed_by, changes=changes
    )


@transaction.atomic
def account_request_approve(*, account_request: AccountRequest, decided_by: User) -> Organisation:
    """Accept the request: register the organisation and invite the contact as its lead.

    Checked again at decision time, since an organisation with that name or an account with that
    email address may have appeared since the request was sent.
    """
    account_request = _lock_pending(account_request)
    if Organisation.objects.filter(name__iexact=account_request.organisation_name).exists():
        raise DomainError(
            f"An organisation called {account_request.organisation_name} is already registered. "
            "Reject this request, explaining why, or ask the requester to contact its lead."
        )
    if User.objects.filter(email__iexact=account_request.contact_email).exists():
        raise DomainError(
            f"There is already an account for {account_request.contact_email}. A person can "
            "belong to one organisation only, so this request cannot be approved as it is."
        )
    organisation = organisation_create(
        created_by=decided_by,
        lead_full_name=account_request.contact_name,
        lead_email=account_request.contact_email,
        name=account_request.organisation_name,
        address=account_request.address,
        postcode=account_request.postcode,
        region=account_request.region,
        contact_name=account_request.contact_name,
        contact_email=account_request.contact_email,
        contact_phone=account_request.contact_phone,
        charity_number=account_request.charity_number,
        company_number=account_request.company_number,
        nhs_ods_code=account_request.nhs_ods_code,
    )
    account_request.approve()
    account_request.decided_at = timezone.now()
    account_request.decided_by = decided_by
    account_request.organisation = organisation
    account_request.save()
    return organisation


@transaction.atomic
def account_request_reject(
    *, account_request: AccountRequest, decided_by: User, reason: str
) -> AccountRequest:
    """Decline the request and email the reason to the person who asked.

    A reason is required: the requester deserves to know why and what, if anything, they can do.
    The email goes out after the decision is committed.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason. It is emailed to the person who asked.")
    account_request = _lock_pending(account_request)
    account_request.reject()
    account_request.decided_at = timezone.now()
    account_request.decided_by = decided_by
    account_request.rejection_reason = reason
    account_request.save()
    request_id = account_request.pk
    enqueue(send_account_request_rejection, request_id)
    return account_request
