"""New organisations ask for an account through a public form; an administrator decides.

Approval reuses ``organisation_create``: the organisation is registered and the person who asked
is invited as its lead, exactly as when an administrator registers an organisation directly.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from ..models import AccountRequest, Organisation
from ..selectors import account_request_conflicts
from ..tasks import send_account_request_rejection
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


@transaction.atomic
def account_request_submit(**fields: str) -> AccountRequest:
    """Record a public request for an account, refusing duplicates.

    Anyone can send this form, so a request never creates an account by itself: it waits for an
    administrator. A second request for the same organisation, or from the same email address,
    while one is waiting is refused (the database's partial unique constraints make sure of it
    even when two arrive at once).
    """
    unknown = set(fields) - set(REQUEST_FIELDS)
    if unknown:
        raise DomainError(f"Unexpected details: {', '.join(sorted(unknown))}.")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    cleaned["contact_email"] = User.objects.normalize_email(cleaned["contact_email"]).lower()
    conflicts = account_request_conflicts(
        organisation_name=cleaned["organisation_name"], contact_email=cleaned["contact_email"]
    )
    if conflicts:
        raise DomainError(next(iter(conflicts.values())))
    try:
        with transaction.atomic():
            return AccountRequest.objects.create(**cleaned)
    except IntegrityError:
        raise DomainError(
            "We already have a request for this organisation or from this email address waiting "
            "for review."
        ) from None


def _lock_pending(account_request: AccountRequest) -> AccountRequest:
    account_request = AccountRequest.objects.select_for_update().get(pk=account_request.pk)
    if not account_request.is_pending:
        raise DomainError(
            f"This request has already been {account_request.get_status_display().lower()}."
        )
    return account_request


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
