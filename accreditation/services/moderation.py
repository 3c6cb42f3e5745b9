"""Moderation: the lead assessor agrees each criterion's score and writes the recommendation.

Moderation begins only when both assessors have completed (blind double marking ends there), and
only the lead assessor moderates. An agreed score is saved with the same conflict protection as
the provider's answers (``AgreedScore.revision``): a save from a page older than the row is
refused, so two open tabs never silently overwrite each other. The history gets one line when a
criterion is first agreed and one whenever its agreed level changes, never one per save.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import notify
from accreditation.models import (
    NOT_APPLICABLE,
    AgreedScore,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Outcome,
    Recommendation,
)
from accreditation.permissions.decisions import both_assessors_completed
from accreditation.permissions.staff import is_lead_assessor
from accreditation.tasks import notify_recommendation_made
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue
from standards.models import Criterion

from .history import event_record
from .transitions import application_transition


class AgreedScoreConflict(DomainError):
    """The agreed score was saved by someone (or another window) since the page was opened."""

    def __init__(self, current: AgreedScore):
        self.current = current
        super().__init__(
            f"The agreed score of criterion {current.criterion.code} was saved again since you "
            "opened this page. Nothing was saved: check the saved score and try again."
        )


def level_label(application: Application, level: str) -> str:
    if level == NOT_APPLICABLE:
        return application.version.not_applicable_label
    for entry in application.version.scale:
        if entry["code"] == level:
            return entry["label"]
    return level


def _lock_for_moderation(application: Application, user: User) -> Application:
    locked = (
        Application.objects.select_related("version").select_for_update().get(pk=application.pk)
    )
    if not is_lead_assessor(user, locked):
        raise DomainError(
            f"Only the lead assessor of application {locked.reference} can moderate it."
        )
    if locked.status != ApplicationStatus.MODERATION:
        raise DomainError(
            f"Application {locked.reference} is “{locked.get_status_display().lower()}”, "
            "so its scores can no longer be moderated."
        )
    if not both_assessors_completed(locked):
        raise DomainError(
            f"Both assessors must complete their scoring of application {locked.reference} "
            "before it is moderated."
        )
    return locked


@transaction.atomic
def agreed_score_save(
    *,
    application: Application,
    criterion: Criterion,
    user: User,
    level: str,
    rationale: str,
    strengths: str = "",
    improvements: str = "",
    revision: int,
) -> AgreedScore:
    """Record the agreed score of ``criterion``: what the decision will rest on.

    ``revision`` is the agreed score's revision the page was opened at (0 when none was saved
    yet); a different revision in the database means someone saved since, and nothing is
    written (``AgreedScoreConflict``). A rationale is required below the top level of the scale,
    as it is for the assessors' own scores.
    """
    application = _lock_for_moderation(application, user)
    if criterion.theme.version_id != application.version_id:
        raise DomainError("That criterion belongs to another standard version.")
    scale = application.version.scale
    codes = [entry["code"] for entry in scale]
    if level == NOT_APPLICABLE:
        if not criterion.na_allowed:
            raise DomainError(f"Criterion {criterion.code} cannot be scored as not applicable.")
    elif level not in codes:
        raise DomainError(f"Choose a level of the scale for criterion {criterion.code}.")
    rationale = rationale.strip()
    if level != codes[0] and not rationale:
        raise DomainError(
            f"Write the rationale for the agreed score of criterion {criterion.code}: it is "
            "required for any level below the top one."
        )
    current = (
        AgreedScore.objects.select_for_update()
        .select_related("criterion")
        .filter(application=application, criterion=criterion)
        .first()
    )
    if (current.revision if current else 0) != revision:
        if current is None:
            raise DomainError("This page is out of date. Reload it and try again.")
        raise AgreedScoreConflict(current)
    first = current is None
    previous_level = "" if first else current.level
    score = current or AgreedScore(application=application, criterion=criterion)
    score.level = level
    score.rationale = rationale
    score.strengths = strengths.strip()
    score.improvements = improvements.strip()
    score.agreed_by = user
    score.revision = revision + 1
    score.save()
    if first or previous_level != level:
        detail = f"Criterion {criterion.code} agreed as {level_label(application, level)}."
        if not first:
            detail = (
                f"Criterion {criterion.code} agreed again: now "
                f"{level_label(application, level)} (was "
                f"{level_label(application, previous_level)})."
            )
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.SCORE_AGREED,
            actor=user,
            criterion=criterion,
            detail=detail,
        )
    return score


def criteria_without_agreed_score(application: Application) -> list[Criterion]:
    agreed = AgreedScore.objects.filter(application=application).values("criterion_id")
    return list(
        Criterion.objects.filter(theme__version_id=application.version_id)
        .exclude(pk__in=agreed)
        .order_by("theme__number", "order")
    )


@transaction.atomic
def recommendation_save(
    *,
    application: Application,
    user: User,
    outcome: str,
    summary: str,
    proposed_conditions: str = "",
    submit: bool = False,
) -> Recommendation:
    """Save the lead assessor's recommendation; with ``submit``, send it for a decision.

    Sending is allowed only when every criterion has an agreed score (the decision rests on
    them) and a conditional recommendation proposes its conditions. It moves the application
    to "awaiting decision" through ``application_transition`` and tells the administrators.
    """
    application = _lock_for_moderation(application, user)
    if outcome not in Outcome.values:
        raise DomainError("Choose the outcome you recommend.")
    summary = summary.strip()
    proposed_conditions = proposed_conditions.strip()
    recommendation = Recommendation.objects.filter(application=application).first()
    recommendation = recommendation or Recommendation(application=application)
    recommendation.outcome = outcome
    recommendation.summary = summary
    recommendation.proposed_conditions = proposed_conditions
    recommendation.written_by = user
    if submit:
        missing = criteria_without_agreed_score(application)
        if missing:
            codes = ", ".join(criterion.code for criterion in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise DomainError(
                f"{len(missing)} criteri{'on has' if len(missing) == 1 else 'a have'} no "
                f"agreed score yet ({codes}{more}). Agree every score before sending the "
                "recommendation."
            )
        if not summary:
            raise DomainError("Write a summary of the recommendation before sending it.")
        if outcome == Outcome.CONDITIONAL and not proposed_conditions:
            raise DomainError(
                "A recommendation of accreditation with conditions must propose the conditions."
            )
        recommendation.submitted_at = timezone.now()
    recommendation.save()
    if submit:
        application_transition(
            application=application,
            transition="recommend",
            actor=user,
            detail=f"Recommended: {Outcome(outcome).label}.",
        )
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.RECOMMENDATION_MADE,
            actor=user,
            detail=f"Recommended: {Outcome(outcome).label}.",
        )
        enqueue(notify_recommendation_made, application.pk)
        notify(
            users=User.objects.administrators().active(),
            message=(
                f"Application {application.reference} has a recommendation and is waiting "
                "for a decision."
            ),
            url=reverse("accreditation:decision", args=[application.pk]),
        )
    return recommendation
