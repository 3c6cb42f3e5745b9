"""The decision and its conditions.

Independence is enforced here, not only on the page: an administrator who assessed the
application (even if later replaced) cannot decide it. The pinned version's outcome rule
suggests the outcome from the agreed scores; a decision that differs must say why (the database
refuses it otherwise). Conditions belong to the decision that set them; when every one is signed
off the application becomes accredited through the one transition mechanism.

Evidence against a condition is stored as ordinary evidence documents of the application (same
inspection, storage, quota and download page), linked through ``Condition.evidence``. The
application itself is not editable after a decision, so this path deliberately skips the
editable-status check of ``services.evidence`` and checks the condition's state instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_administrator
from accounts.services import notify
from accreditation.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Condition,
    ConditionStatus,
    Decision,
    EvidenceDocument,
    Outcome,
)
from accreditation.permissions import is_member_of_applicant
from accreditation.permissions.staff import was_assessor
from accreditation.selectors.results import outcome_suggested, theme_results
from accreditation.tasks import (
    notify_condition_evidence_sent,
    notify_condition_overdue,
    notify_condition_sent_back,
    notify_conditions_met,
    notify_decision_made,
)
from providers.models import Membership
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from .evidence import (
    _check_quota,
    _inspect_all,
    _store_revision,
    _stored_files_removed_on_failure,
)
from .history import event_record
from .transitions import application_transition

CONDITION_RESPONSE_MAX = 10_000


@dataclass(frozen=True)
class ConditionInput:
    description: str
    due_on: datetime.date


def provider_contacts(application: Application) -> list[User]:
    """The organisation's current leads and everyone who may sign: who hears of decisions."""
    from django.db.models import Q

    memberships = (
        Membership.objects.current()
        .filter(organisation_id=application.programme.organisation_id, user__is_active=True)
        .filter(Q(role="lead") | Q(can_sign=True))
        .select_related("user")
    )
    return [membership.user for membership in memberships]


def _assessors(application: Application) -> list[User]:
    return [
        assignment.assessor
        for assignment in application.assignments.select_related("assessor").filter(
            status="accepted", declared_at__isnull=False
        )
    ]


def decision_refusal(user: User, application: Application) -> str | None:
    """Why ``user`` may not decide ``application``, in a sentence; None when they may."""
    if not is_administrator(user):
        return "Only a QISMET administrator can decide an application."
    if was_assessor(user, application):
        return (
            f"You were an assessor on application {application.reference}, so you cannot "
            "decide it: the decision must be made by an administrator who had no part in "
            "assessing it."
        )
    return None


@transaction.atomic
def decision_make(
    *,
    application: Application,
    user: User,
    outcome: str,
    reasons: str,
    override_reason: str = "",
    conditions: Sequence[ConditionInput] = (),
) -> Decision:
    """Decide ``application``: write the decision (kept as made), its conditions, the status.

    The suggestion is worked out here from the agreed scores, never taken from the page.
    """
    application = (
        Application.objects.select_related("version", "programme__organisation")
        .select_for_update()
        .get(pk=application.pk)
    )
    if refusal := decision_refusal(user, application):
        raise DomainError(refusal)
    if application.status != ApplicationStatus.AWAITING_DECISION:
        raise DomainError(
            f"Application {application.reference} is "
            f"“{application.get_status_display().lower()}”, so it cannot be decided now."
        )
    if outcome not in Outcome.values:
        raise DomainError("Choose the outcome of the decision.")
    results = theme_results(application)
    if not results.complete:
        raise DomainError(
            f"{results.total.unscored} criteria of application {application.reference} have "
            "no agreed score, so it cannot be decided yet."
        )
    suggested = outcome_suggested(application, results)
    reasons = reasons.strip()
    override_reason = override_reason.strip()
    if not reasons:
        raise DomainError("Give the reasons for the decision.")
    if outcome != suggested and not override_reason:
        raise DomainError(
            f"The outcome rule suggests “{Outcome(suggested).label}”. Say why you decided "
            f"“{Outcome(outcome).label}” instead."
        )
    if outcome == suggested:
        override_reason = ""
    if outcome == Outcome.CONDITIONAL and not conditions:
        raise DomainError("Accreditation with conditions needs at least one condition.")
    if outcome != Outcome.CONDITIONAL and conditions:
        raise DomainError(
            f"A decision of “{Outcome(outcome).label}” has no conditions: remove them, or "
            "choose accreditation with conditions."
        )
    today = timezone.localdate()
    for number, condition in enumerate(conditions, start=1):
        if not condition.description.strip():
            raise DomainError(f"Describe condition {number}.")
        if condition.due_on <= today:
            raise DomainError(f"The deadline of condition {number} must be after today.")
    record = application.submission_records.order_by("-number").first()
    decision = Decision.objects.create(
        application=application,
        kind=Decision.Kind.FIRST,
        outcome=outcome,
        suggested_outcome=suggested,
        override_reason=override_reason,
        reasons=reasons,
        decided_by=user,
        decided_at=timezone.now(),
        record=record,
    )
    start = (
        Condition.objects.filter(application=application).aggregate(top=Max("number"))["top"] or 0
    )
    Condition.objects.bulk_create(
        Condition(
            application=application,
            decision=decision,
            number=start + index,
            description=condition.description.strip(),
            due_on=condition.due_on,
        )
        for index, condition in enumerate(conditions, start=1)
    )
    application_transition(
        application=application,
        transition="decide",
        outcome=outcome,
        actor=user,
        reason=reasons,
    )
    detail = f"Decided: {Outcome(outcome).label}."
    if override_reason:
        detail += f" The rule suggested {Outcome(suggested).label}."
    if conditions:
        detail += f" {len(conditions)} condition{'s' if len(conditions) != 1 else ''} set."
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.DECISION_MADE,
        actor=user,
        reason=override_reason,
        detail=detail,
    )
    enqueue(notify_decision_made, decision.pk)
    notify(
        users=[*provider_contacts(application), *_assessors(application)],
        message=(
            f"Application {application.reference} has been decided: {Outcome(outcome).label}."
        ),
        url=reverse("accreditation:application_detail", args=[application.pk]),
    )
    return decision


def _lock_condition(condition: Condition) -> tuple[Application, Condition]:
    application = (
        Application.objects.select_related("programme__organisation")
        .select_for_update()
        .get(pk=condition.application_id)
    )
    condition = Condition.objects.select_for_update().get(pk=condition.pk)
    return application, condition


def _condition_url(condition: Condition) -> str:
    return reverse("accreditation:condition_detail", args=[condition.application_id, condition.pk])


def condition_evidence_add(
    *,
    condition: Condition,
    user: User,
    response: str,
    files: Sequence[UploadedFile] = (),
    refusals: Sequence[str] = (),
) -> Condition:
    """The provider's response to ``condition``, with evidence files: sent for sign-off.

    Files are inspected in full before anything is stored (``EvidenceRefused`` lists every
    problem); they become evidence documents of the application, linked to the condition.
    """
    response = response.strip()
    if not response:
        raise DomainError(f"Say how condition {condition.number} has been met.")
    if len(response) > CONDITION_RESPONSE_MAX:
        raise DomainError(
            f"Keep the response to {CONDITION_RESPONSE_MAX} characters or fewer "
            f"(it has {len(response)})."
        )
    inspected = _inspect_all(files, refusals) if (files or refusals) else []
    with _stored_files_removed_on_failure() as stored, transaction.atomic(durable=True):
        application, condition = _lock_condition(condition)
        if not is_member_of_applicant(user, application):
            raise DomainError("Only the provider's own users can answer its conditions.")
        if application.status != ApplicationStatus.CONDITIONAL:
            raise DomainError(
                f"Application {application.reference} is "
                f"“{application.get_status_display().lower()}”, so its conditions cannot be "
                "answered now."
            )
        if condition.status != ConditionStatus.OPEN:
            raise DomainError(
                f"Condition {condition.number} is “{condition.get_status_display().lower()}”, "
                "so evidence cannot be sent for it now."
            )
        _check_quota(application, inspected)
        names = []
        for item in inspected:
            document = EvidenceDocument.objects.create(application=application)
            revision = _store_revision(
                document=document, number=1, item=item, user=user, stored=stored
            )
            document.current = revision
            document.save(update_fields=["current", "updated_at"])
            condition.evidence.add(document)
            names.append(f"{item.name} ({filesizeformat(item.size)})")
        condition.provider_response = response
        condition.responded_by = user
        condition.responded_at = timezone.now()
        condition.status = ConditionStatus.EVIDENCE_SENT
        condition.save()
        files_text = f" Files: {', '.join(names)}." if names else " No files."
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.CONDITION_EVIDENCE_SENT,
            actor=user,
            detail=f"Condition {condition.number}: evidence sent.{files_text}",
        )
        enqueue(notify_condition_evidence_sent, condition.pk)
        notify(
            users=User.objects.administrators().active(),
            message=(
                f"Application {application.reference}: evidence sent for condition "
                f"{condition.number}, waiting for sign-off."
            ),
            url=_condition_url(condition),
        )
    return condition


def _lock_for_sign_off(condition: Condition, user: User) -> tuple[Application, Condition]:
    application, condition = _lock_condition(condition)
    if not is_administrator(user):
        raise DomainError("Only a QISMET administrator can sign off a condition.")
    if application.status != ApplicationStatus.CONDITIONAL:
        raise DomainError(
            f"Application {application.reference} is "
            f"“{application.get_status_display().lower()}”, so its conditions cannot be "
            "signed off now."
        )
    if condition.status != ConditionStatus.EVIDENCE_SENT:
        raise DomainError(
            f"Condition {condition.number} is “{condition.get_status_display().lower()}”: "
            "only a condition with evidence sent can be signed off or sent back."
        )
    return application, condition


@transaction.atomic
def condition_sign_off(*, condition: Condition, user: User, note: str = "") -> Condition:
    """Sign off ``condition``; when it was the last open one, the application is accredited."""
    application, condition = _lock_for_sign_off(condition, user)
    condition.status = ConditionStatus.SIGNED_OFF
    condition.signed_off_by = user
    condition.signed_off_at = timezone.now()
    condition.sign_off_note = note.strip()
    condition.save()
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.CONDITION_SIGNED_OFF,
        actor=user,
        reason=condition.sign_off_note,
        detail=f"Condition {condition.number} signed off.",
    )
    outstanding = (
        Condition.objects.filter(application=application, decision_id=condition.decision_id)
        .exclude(status=ConditionStatus.SIGNED_OFF)
        .exists()
    )
    if not outstanding:
        application_transition(
            application=application,
            transition="conditions_met",
            actor=user,
            detail="Every condition signed off.",
        )
        enqueue(notify_conditions_met, application.pk)
        notify(
            users=provider_contacts(application),
            message=(
                f"Every condition of application {application.reference} is signed off: "
                "the programme is fully accredited."
            ),
            url=reverse("accreditation:application_detail", args=[application.pk]),
        )
    return condition


@transaction.atomic
def condition_reopen(*, condition: Condition, user: User, note: str) -> Condition:
    """Send ``condition`` back to the provider with a note saying what is still missing."""
    note = note.strip()
    if not note:
        raise DomainError(
            f"Say what is still needed for condition {condition.number} before sending it back."
        )
    application, condition = _lock_for_sign_off(condition, user)
    condition.status = ConditionStatus.OPEN
    condition.sign_off_note = note
    condition.save()
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.CONDITION_SENT_BACK,
        actor=user,
        reason=note,
        detail=f"Condition {condition.number} sent back to the provider.",
    )
    enqueue(notify_condition_sent_back, condition.pk)
    notify(
        users=provider_contacts(application),
        message=(
            f"Application {application.reference}: condition {condition.number} was sent "
            "back with a note. Send more evidence."
        ),
        url=_condition_url(condition),
    )
    return condition


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def overdue_detail_prefix(condition: Condition) -> str:
    return f"Condition {condition.number} "


def conditions_overdue_flag(*, today: datetime.date | None = None) -> int:
    """Flag each open condition past its deadline, once: a history line, an email to the
    provider and the administrators, a notification. A condition whose history already has
    its overdue line is skipped, so running this daily (or twice) tells people once.
    Returns the number flagged now."""
    today = today or timezone.localdate()
    candidates = list(
        Condition.objects.filter(
            status=ConditionStatus.OPEN,
            due_on__lt=today,
            application__status=ApplicationStatus.CONDITIONAL,
        ).values_list("pk", flat=True)
    )
    flagged = 0
    for pk in candidates:
        with transaction.atomic():
            condition = Condition.objects.get(pk=pk)
            application, condition = _lock_condition(condition)
            if (
                condition.status != ConditionStatus.OPEN
                or condition.due_on >= today
                or application.status != ApplicationStatus.CONDITIONAL
            ):
                continue
            already = ApplicationEvent.objects.filter(
                application=application,
                kind=ApplicationEvent.Kind.CONDITION_OVERDUE,
                detail__startswith=overdue_detail_prefix(condition),
            ).exists()
            if already:
                continue
            event_record(
                application=application,
                kind=ApplicationEvent.Kind.CONDITION_OVERDUE,
                actor=None,
                detail=(
                    f"{overdue_detail_prefix(condition)}was due on "
                    f"{_day(condition.due_on)} and is overdue."
                ),
            )
            enqueue(notify_condition_overdue, condition.pk)
            notify(
                users=[*provider_contacts(application), *User.objects.administrators().active()],
                message=(
                    f"Application {application.reference}: condition {condition.number} is "
                    f"overdue (it was due on {_day(condition.due_on)})."
                ),
                url=_condition_url(condition),
            )
            flagged += 1
    return flagged
