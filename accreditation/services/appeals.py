"""Appeals: a provider asks for a decision to be heard again, by people with no part in it.

The path: the provider's lead (or someone who can sign) lodges an appeal with grounds within
``APPEAL_WINDOW_DAYS`` of the decision; an administrator who had no part in the application
assigns one or more reviewers who had none either; a reviewer records the outcome. Dismissed,
the decision stands (the application returns to the outcome appealed). Upheld, a new decision
of kind "appeal" is added (the first one stays, for the record) and the application takes its
outcome. Every step locks the application row, goes through ``application_transition`` where
the status changes, writes the history, emails and notifies.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import notify
from accreditation.models import (
    Appeal,
    AppealStatus,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Decision,
    Outcome,
)
from accreditation.permissions import (
    is_member_of_applicant,
    is_provider_lead,
    is_provider_signatory,
)
from accreditation.permissions.appeals import took_part
from accreditation.selectors.appeals import (
    OPEN_APPEAL,
    appeal_refusal,
    latest_decision,
    reviewer_refusals,
)
from accreditation.tasks import (
    notify_appeal_decided_admin,
    notify_appeal_decided_provider,
    notify_appeal_lodged,
    notify_appeal_reviewers_assigned,
)
from providers.models import MembershipRole
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from .history import event_record
from .transitions import application_transition

GROUNDS_MAX = 20_000


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("programme__organisation")
        .get(pk=application.pk)
    )


def _appeal_path(appeal: Appeal) -> str:
    return reverse("accreditation:appeal_detail", args=[appeal.application_id, appeal.pk])


def _administrators() -> list[User]:
    return list(User.objects.administrators().active().only("pk"))


def _provider_people(application: Application, appeal: Appeal) -> list[User]:
    """The organisation's current leads and the person who lodged the appeal."""
    leads = User.objects.filter(
        is_active=True,
        membership__organisation_id=application.programme.organisation_id,
        membership__role=MembershipRole.LEAD,
        membership__removed_at__isnull=True,
    ).only("pk")
    return [*leads, appeal.lodged_by]


@transaction.atomic
def appeal_lodge(*, application: Application, user: User, grounds: str) -> Appeal:
    """Lodge an appeal against the decision in force on ``application``.

    Refused unless ``user`` leads the applicant or can sign for it, the application is
    "accredited with conditions" or "not accredited", and the decision is still within its
    window (see ``selectors.appeals.appeal_refusal``). The appeal puts the application under
    review, so nothing (conditions included) moves on until it is decided.
    """
    grounds = grounds.strip()
    if not grounds:
        raise DomainError("Say why you are appealing: the grounds of an appeal are required.")
    if len(grounds) > GROUNDS_MAX:
        raise DomainError(f"The grounds must be at most {GROUNDS_MAX:,} characters.")
    application = _locked(application)
    if not (
        is_member_of_applicant(user, application)
        and (is_provider_lead(user) or is_provider_signatory(user))
    ):
        raise DomainError(
            f"Only the lead of {application.programme.organisation.name}, or someone who can "
            "sign for it, can appeal a decision."
        )
    decision = latest_decision(application)
    appealed = set(
        Appeal.objects.filter(application_id=application.pk).values_list("decision_id", flat=True)
    )
    refusal = appeal_refusal(application, decision, appealed)
    if refusal:
        raise DomainError(refusal)
    now = timezone.now()
    appeal = Appeal.objects.create(
        application=application, decision=decision, grounds=grounds, lodged_by=user, lodged_at=now
    )
    application = application_transition(
        application=application, transition="lodge_appeal", actor=user, reason=grounds
    )
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.APPEAL_LODGED,
        actor=user,
        detail=(
            f"Appeal against the decision of {timezone.localdate(decision.decided_at):%-d %B %Y} "
            f"({decision.get_outcome_display().lower()})."
        ),
    )
    enqueue(notify_appeal_lodged, appeal.pk)
    notify(
        users=_administrators(),
        message=f"Application {application.reference}: the provider has appealed the decision. "
        "Assign reviewers.",
        url=_appeal_path(appeal),
    )
    return appeal


def _locked_appeal(appeal: Appeal) -> tuple[Appeal, Application]:
    application = _locked(appeal.application)
    appeal = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
    appeal.application = application
    return appeal, application


@transaction.atomic
def appeal_reviewers_assign(*, appeal: Appeal, reviewers: Iterable[User], user: User) -> Appeal:
    """Choose who hears ``appeal`` (replacing any chosen before, until it is decided).

    Nobody with a part in the application may hear it: not an assessor who ever accepted an
    assignment on it, not the maker of any of its decisions, not a member (present or past) of
    its provider; nor may such a person choose who does. The refusal names the person and the
    reason.
    """
    appeal, application = _locked_appeal(appeal)
    if not user.is_administrator:
        raise DomainError("Only an administrator can assign reviewers to an appeal.")
    if took_part(user, appeal):
        raise DomainError(
            f"You took part in the assessment or decision of application "
            f"{application.reference}, so another administrator must choose who hears its appeal."
        )
    if appeal.status not in OPEN_APPEAL:
        raise DomainError(
            f"This appeal has been {appeal.get_status_display().lower()}: its reviewers can no "
            "longer change."
        )
    reviewers = list({person.pk: person for person in reviewers}.values())
    if not reviewers:
        raise DomainError("Choose at least one reviewer.")
    refusals = reviewer_refusals(application, reviewers)
    if refusals:
        raise DomainError(
            " ".join(refusals[p.pk] for p in reviewers if p.pk in refusals)
            + " Reviewers must have had no part in the assessment or the decision."
        )
    before = set(appeal.reviewers.values_list("pk", flat=True))
    appeal.reviewers.set(reviewers)
    appeal.status = AppealStatus.UNDER_REVIEW
    appeal.save(update_fields=["status", "updated_at"])
    names = ", ".join(sorted(p.full_name or p.email for p in reviewers))
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.APPEAL_REVIEWERS_ASSIGNED,
        actor=user,
        detail=f"Reviewers: {names}.",
    )
    added = [p for p in reviewers if p.pk not in before]
    if added:
        enqueue(notify_appeal_reviewers_assigned, appeal.pk, [p.pk for p in added])
        notify(
            users=added,
            message=f"You have been asked to hear the appeal on application "
            f"{application.reference}.",
            url=_appeal_path(appeal),
        )
    return appeal


@transaction.atomic
def appeal_decide(
    *, appeal: Appeal, user: User, upheld: bool, reasons: str, outcome: str = ""
) -> Appeal:
    """Record a reviewer's outcome of ``appeal``, with reasons.

    Dismissed: the appealed decision stands and the application returns to its outcome.
    Upheld: a new decision of kind "appeal" records ``outcome``, with the appealed outcome as
    the one it departs from and the reasons as why; the first decision is kept as it was.
    """
    reasons = reasons.strip()
    if not reasons:
        raise DomainError("Give the reasons for the outcome of the appeal.")
    appeal, application = _locked_appeal(appeal)
    if not appeal.reviewers.filter(pk=user.pk).exists():
        raise DomainError("Only a reviewer of this appeal can record its outcome.")
    if appeal.status != AppealStatus.UNDER_REVIEW or application.status != ApplicationStatus.APPEAL:
        raise DomainError(
            f"This appeal is “{appeal.get_status_display().lower()}”, so its outcome cannot be "
            "recorded now."
        )
    appealed = appeal.decision
    now = timezone.now()
    if upheld:
        if outcome not in Outcome.values:
            raise DomainError("An upheld appeal needs the new outcome.")
        if outcome == appealed.outcome:
            raise DomainError(
                f"The decision appealed was already “{appealed.get_outcome_display().lower()}”. "
                "Choose a different outcome, or dismiss the appeal."
            )
        appeal.outcome_decision = Decision.objects.create(
            application=application,
            kind=Decision.Kind.APPEAL,
            outcome=outcome,
            suggested_outcome=appealed.outcome,
            override_reason=reasons,
            reasons=reasons,
            decided_by=user,
            decided_at=now,
            record=appealed.record,
        )
        appeal.status = AppealStatus.UPHELD
    else:
        outcome = appealed.outcome
        appeal.status = AppealStatus.DISMISSED
    appeal.outcome_reasons = reasons
    appeal.decided_by = user
    appeal.decided_at = now
    appeal.save()
    application = application_transition(
        application=application,
        transition="decide_appeal",
        actor=user,
        reason=reasons,
        outcome=outcome,
    )
    label = Outcome(outcome).label.lower()
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.APPEAL_DECIDED,
        actor=user,
        detail=(
            f"Appeal upheld: the outcome is now “{label}”."
            if upheld
            else f"Appeal dismissed: the decision (“{label}”) stands."
        ),
    )
    enqueue(notify_appeal_decided_provider, appeal.pk)
    enqueue(notify_appeal_decided_admin, appeal.pk)
    verdict = "upheld" if upheld else "dismissed"
    notify(
        users=[*_provider_people(application, appeal), *_administrators()],
        message=f"Application {application.reference}: the appeal was {verdict}. The outcome is "
        f"“{label}”.",
        url=_appeal_path(appeal),
    )
    return appeal
