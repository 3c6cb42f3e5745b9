"""Requests for more information: an assessor asks about named criteria, the provider answers
and submits again, and a request left past its due date is flagged once.

While a request is open only its criteria re-open (``selectors.information.criterion_is_open``
is asked by the answer and evidence services); the answer is a new submission record, made by
``application_submit`` through the "respond" transition, which calls
``information_request_answer`` in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_administrator
from accounts.services import notify
from accreditation.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    InformationRequest,
    InformationRequestStatus,
    SubmissionRecord,
)
from accreditation.permissions import is_assigned_assessor
from accreditation.tasks import (
    notify_information_answered,
    notify_information_cancelled,
    notify_information_overdue,
    notify_information_requested,
)
from providers.models import Membership
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue
from qismet_portal.working_days import add_working_days
from standards.models import Criterion

from .history import event_record
from .transitions import application_transition

#: How long a provider is given to answer, unless the assessor chooses otherwise.
DEFAULT_WORKING_DAYS = 10
MESSAGE_MAX = 5_000
NOTE_MAX = 2_000


def information_request_default_due_on(today: datetime.date | None = None) -> datetime.date:
    """The date a request is due by unless the assessor chooses another: 10 working days
    (weekends and England-and-Wales bank holidays are not working days."""
    return add_working_days(today or timezone.localdate(), DEFAULT_WORKING_DAYS)


# --- who hears about it ---------------------------------------------------------------------


def provider_contacts(application: Application) -> list[User]:
    """The organisation's leads and the members who can sign: the people who answer."""
    memberships = (
        Membership.objects.current()
        .filter(organisation_id=application.programme.organisation_id, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    return [m.user for m in memberships if m.role == "lead" or m.can_sign]


def application_assessors(application: Application) -> list[User]:
    """The assessors who have accepted the application and declared no conflict."""
    return [
        assignment.assessor
        for assignment in Assignment.objects.filter(
            application=application,
            status=AssignmentStatus.ACCEPTED,
            declared_at__isnull=False,
        ).select_related("assessor")
        if assignment.assessor.is_active
    ]


def _administrators() -> list[User]:
    return list(User.objects.administrators().active().order_by("pk"))


def _date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _codes(criteria: Iterable[Criterion]) -> str:
    return ", ".join(criterion.code for criterion in criteria)


def _request_url(request: InformationRequest) -> str:
    return reverse(
        "accreditation:information_request_detail",
        kwargs={"pk": request.application_id, "request_pk": request.pk},
    )


# --- raising --------------------------------------------------------------------------------


@transaction.atomic
def information_request_raise(
    *,
    application: Application,
    user: User,
    criteria: Iterable[Criterion],
    message: str,
    due_on: datetime.date,
) -> InformationRequest:
    """An assessor asks the provider for more information on named criteria, by a date.

    Only an assessor who has accepted the application may ask, only while it is in assessment,
    and one request at a time (the database refuses a second open one too). The criteria must
    belong to the version the application is pinned to. The application moves to "more
    information requested", which re-opens exactly those criteria; the request is tied to the
    latest submission record (what the assessors were reading). The provider's leads and
    signatories are emailed and notified once the change has committed.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not is_assigned_assessor(user, locked):
        raise DomainError(
            f"Only an assessor who has accepted application {locked.reference} can ask its "
            "provider for more information."
        )
    if InformationRequest.objects.filter(
        application=locked, status=InformationRequestStatus.OPEN
    ).exists():
        raise DomainError(
            f"Application {locked.reference} already has an open request for more information. "
            "Wait for the provider's answer before asking again."
        )
    message = message.replace("\r\n", "\n").strip()
    if not message:
        raise DomainError("Say what information you need from the provider.")
    if len(message) > MESSAGE_MAX:
        raise DomainError(f"Keep the message to {MESSAGE_MAX} characters or fewer.")
    chosen = {criterion.pk: criterion for criterion in criteria}
    if not chosen:
        raise DomainError("Choose at least one criterion for the provider to answer again.")
    named = list(
        Criterion.objects.filter(pk__in=chosen, theme__version_id=locked.version_id)
        .select_related("theme")
        .order_by("theme__number", "order", "code")
    )
    if len(named) != len(chosen):
        raise DomainError(
            "Every criterion must belong to the version of the standard this application is "
            "assessed against."
        )
    today = timezone.localdate()
    if due_on <= today:
        raise DomainError("The due date must be in the future.")
    record = SubmissionRecord.objects.filter(application=locked).order_by("-number").first()
    if record is None:
        raise DomainError(f"Application {locked.reference} has not been submitted yet.")
    moved = application_transition(
        application=locked,
        transition="request_information",
        actor=user,
        reason=message,
        detail=f"Criteria {_codes(named)}; due by {_date(due_on)}",
    )
    try:
        with transaction.atomic():
            request = InformationRequest.objects.create(
                application=moved,
                raised_by=user,
                message=message,
                due_on=due_on,
                record=record,
            )
    except IntegrityError:
        raise DomainError(
            f"Application {locked.reference} already has an open request for more information."
        ) from None
    request.criteria.set(named)
    notify(
        users=provider_contacts(moved),
        message=(
            f"The assessors of application {moved.reference} have asked for more information "
            f"on criteria {_codes(named)}, by {_date(due_on)}."
        ),
        url=_request_url(request),
    )
    enqueue(notify_information_requested, request.pk)
    return request


# --- cancelling -----------------------------------------------------------------------------


@transaction.atomic
def information_request_cancel(
    *, application: Application, user: User, reason: str
) -> InformationRequest:
    """Take back the open request unanswered (asked by mistake, or no longer needed): an
    assessor who accepted the application, or an administrator, with a reason. The application
    goes back to assessment with the submission the assessors already have; the criteria the
    request re-opened close again (anything the provider changed meanwhile stays in their draft,
    unsent). The provider and the assessors are told."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not (is_assigned_assessor(user, locked) or is_administrator(user)):
        raise DomainError(
            f"Only an assessor of application {locked.reference} or an administrator can cancel "
            "its request for more information."
        )
    request = (
        InformationRequest.objects.select_for_update()
        .filter(application=locked, status=InformationRequestStatus.OPEN)
        .first()
    )
    if request is None:
        raise DomainError(
            f"Application {locked.reference} has no open request for more information to cancel."
        )
    reason = reason.replace("\r\n", "\n").strip()
    if not reason:
        raise DomainError("Say why the request is cancelled: the provider reads it.")
    if len(reason) > NOTE_MAX:
        raise DomainError(f"Keep the reason to {NOTE_MAX} characters or fewer.")
    moved = application_transition(
        application=locked,
        transition="cancel_information_request",
        actor=user,
        reason=reason,
        detail=f"Request for more information of {_date(request.created_at.date())} cancelled",
    )
    request.status = InformationRequestStatus.CANCELLED
    request.cancelled_at = timezone.now()
    request.cancelled_by = user
    request.cancel_reason = reason
    request.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"]
    )
    notify(
        users=provider_contacts(moved),
        message=(
            f"The request for more information on application {moved.reference} has been "
            "cancelled: nothing more is needed from you for it."
        ),
        url=_request_url(request),
    )
    notify(
        users=[other for other in application_assessors(moved) if other.pk != user.pk],
        message=(
            f"The request for more information on application {moved.reference} has been "
            "cancelled; assessment goes on with the submission you have."
        ),
        url=_request_url(request),
    )
    enqueue(notify_information_cancelled, request.pk)
    return request


# --- answering ------------------------------------------------------------------------------


def information_request_answer(
    *, application: Application, user: User, record: SubmissionRecord, note: str = ""
) -> InformationRequest | None:
    """Mark the open request answered by ``record`` (the re-submission just written), with the
    provider's note, and tell the assessors and administrators. Called by
    ``application_submit`` inside its transaction, under the application's row lock."""
    request = (
        InformationRequest.objects.select_for_update()
        .filter(application=application, status=InformationRequestStatus.OPEN)
        .first()
    )
    if request is None:
        return None
    request.status = InformationRequestStatus.ANSWERED
    request.answered_record = record
    request.answered_at = timezone.now()
    request.provider_note = note.replace("\r\n", "\n").strip()[:NOTE_MAX]
    request.save(
        update_fields=["status", "answered_record", "answered_at", "provider_note", "updated_at"]
    )
    notify(
        users=[*application_assessors(application), *_administrators()],
        message=(
            f"Response received: the provider of application {application.reference} has "
            "answered the request for more information and submitted again."
        ),
        url=reverse(
            "accreditation:submission_changes",
            kwargs={"pk": application.pk, "number": record.number},
        ),
    )
    enqueue(notify_information_answered, request.pk)
    return request


# --- overdue --------------------------------------------------------------------------------


@transaction.atomic
def information_request_flag_overdue(*, request: InformationRequest) -> bool:
    """Flag one open request that is past its due date: one history line, a notification and
    an email to the provider and to the assessors. Idempotent: a request already flagged (an
    "overdue" line written since it was raised) is left alone, so a daily run says it once.
    Returns whether it was flagged now."""
    application = Application.objects.select_for_update().get(pk=request.application_id)
    request = InformationRequest.objects.get(pk=request.pk)
    if (
        request.status != InformationRequestStatus.OPEN
        or request.due_on >= timezone.localdate()
        or application.status != ApplicationStatus.INFORMATION_REQUESTED
    ):
        return False
    if application.events.filter(
        kind=ApplicationEvent.Kind.INFORMATION_OVERDUE, at__gte=request.created_at
    ).exists():
        return False
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.INFORMATION_OVERDUE,
        actor=None,
        detail=f"Request for more information was due by {_date(request.due_on)}",
    )
    notify(
        users=[*provider_contacts(application), *application_assessors(application)],
        message=(
            f"The request for more information on application {application.reference} was due "
            f"by {_date(request.due_on)} and has not been answered."
        ),
        url=_request_url(request),
    )
    enqueue(notify_information_overdue, request.pk, "provider")
    enqueue(notify_information_overdue, request.pk, "assessors")
    return True


def information_requests_overdue_flag() -> int:
    """Flag every open request past its due date (each in its own transaction). Returns how
    many were flagged now."""
    overdue = InformationRequest.objects.filter(
        status=InformationRequestStatus.OPEN, due_on__lt=timezone.localdate()
    ).order_by("pk")
    return sum(information_request_flag_overdue(request=request) for request in overdue)
