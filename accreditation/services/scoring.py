"""Scoring: an assessor saves a score per criterion, then completes their scoring; when both
assessors have completed, the application moves to moderation.

Blind double marking: scores are never written to the application's history (which both
assessors can read); only "completed their scoring" is, without any score in it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.services import notify
from accreditation.lifecycle import ApplicationStatus
from accreditation.models import (
    LIVE_ASSIGNMENT,
    NOT_APPLICABLE,
    Application,
    ApplicationEvent,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    InformationRequest,
    InformationRequestStatus,
    Score,
    SubmissionRecord,
)
from accreditation.selectors.scoring import SCORING_STATUSES, url_or_path
from accreditation.tasks import notify_moderation_ready, notify_scoring_completed
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue
from standards.models import Criterion, StandardVersion

from .history import event_record
from .transitions import application_transition

RATIONALE_MAX = 10_000


class ScoreConflict(DomainError):
    """A save refused because the score was saved again (another window) after the page it
    came from was loaded. ``score`` now holds the score as saved."""

    def __init__(self, score: Score):
        self.score = score
        super().__init__(
            "This score was saved again after your page was loaded, so your changes were not saved."
        )


def level_choices(version: StandardVersion, criterion: Criterion) -> list[tuple[str, str]]:
    """The levels an assessor may give ``criterion``: the pinned version's scale, then "not
    applicable" where the criterion allows it."""
    choices = [(level["code"], level["label"]) for level in version.scale]
    if criterion.na_allowed:
        choices.append((NOT_APPLICABLE, version.not_applicable_label))
    return choices


def top_level(version: StandardVersion) -> str:
    """The first level of the scale: the only one that may be given without a rationale."""
    return version.scale[0]["code"] if version.scale else ""


def _clean(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _locked_for_scoring(assignment: Assignment, user: User) -> tuple[Application, Assignment]:
    """Lock the application, then the assignment, and refuse unless ``user`` holds this
    accepted assignment, has not completed it, and the application is being assessed."""
    application = Application.objects.select_for_update().get(pk=assignment.application_id)
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.assessor_id != user.pk:
        raise DomainError("Only the assessor of this assignment can score it.")
    if locked.status != AssignmentStatus.ACCEPTED or locked.declared_at is None:
        raise DomainError(
            f"Your assignment on application {application.reference} is not accepted, so you "
            "cannot score it."
        )
    if locked.completed_at is not None:
        raise DomainError(
            f"You completed your scoring of application {application.reference}; your scores "
            "can no longer be changed."
        )
    if application.status not in SCORING_STATUSES:
        raise DomainError(
            f"Application {application.reference} is "
            f"{application.get_status_display().lower()}, so it cannot be scored now."
        )
    return application, locked


@transaction.atomic
def score_save(
    *,
    assignment: Assignment,
    criterion: Criterion,
    user: User,
    level: str,
    rationale: str = "",
    strengths: str = "",
    improvements: str = "",
    revision: int | None = None,
) -> Score:
    """Save ``user``'s score of ``criterion`` against the latest submission record.

    Refused: an assignment that is not accepted or is completed (completed scoring is read
    only), an application that is not in assessment or waiting for information, a level outside
    the pinned version's scale (or N/A where the criterion does not allow it), a level below the
    top without a rationale (N/A too: a decision must be explained), and a save from a page
    older than the score's ``revision`` (``ScoreConflict``; the same protection as the
    provider's answers). A save that changes nothing is accepted whatever its revision.
    Saving moves the score onto the latest record: the assessor has seen what it says now.
    """
    application, assignment = _locked_for_scoring(assignment, user)
    if criterion.theme.version_id != application.version_id:
        raise DomainError("That criterion is not part of this application's standard.")
    version = application.version
    allowed = dict(level_choices(version, criterion))
    if not level:
        raise DomainError(f"Choose a score for criterion {criterion.code}.")
    if level not in allowed:
        raise DomainError("Choose one of the scores offered for this criterion.")
    rationale = _clean(rationale)
    if level != top_level(version) and not rationale:
        raise DomainError(
            f"Give your rationale for “{allowed[level]}”: it is needed for every score below "
            f"“{allowed[top_level(version)]}”."
        )
    record = SubmissionRecord.objects.filter(application=application).order_by("-number").first()
    if record is None:
        raise DomainError(f"Application {application.reference} has no submission to score.")
    values = {
        "level": level,
        "rationale": rationale,
        "strengths": _clean(strengths),
        "improvements": _clean(improvements),
        "record_id": record.pk,
    }
    current = (
        Score.objects.select_for_update()
        .select_related("updated_by")
        .filter(assignment=assignment, criterion=criterion)
        .first()
    )
    if current is None:
        if revision:
            # The page saw a score that no longer exists: nothing can be overwritten, but say so.
            raise DomainError("This page is out of date. Reload it and score again.")
        return Score.objects.create(
            assignment=assignment, criterion=criterion, updated_by=user, revision=1, **values
        )
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        return current
    if revision is not None and revision != current.revision:
        raise ScoreConflict(current)
    written = Score.objects.filter(pk=current.pk, revision=current.revision).update(
        **values, updated_by=user, updated_at=timezone.now(), revision=F("revision") + 1
    )
    if not written:  # lost a race the row lock would have prevented
        raise ScoreConflict(Score.objects.select_related("updated_by").get(pk=current.pk))
    current.refresh_from_db()
    return current


def _both_complete(application: Application) -> bool:
    live = list(Assignment.objects.filter(application=application, status__in=LIVE_ASSIGNMENT))
    roles = {assignment.role for assignment in live}
    return (
        roles == {AssignmentRole.LEAD, AssignmentRole.SECOND}
        and all(a.status == AssignmentStatus.ACCEPTED for a in live)
        and all(a.completed_at is not None for a in live)
    )


@transaction.atomic
def scoring_complete(*, assignment: Assignment, user: User) -> Assignment:
    """Hand over ``user``'s scores: every criterion must be scored and no request for more
    information open (its answer may change what they would score). From now the scores are
    read only. Administrators and the lead assessor are told; when both assessors have
    completed, the application moves to moderation and the lead is told it can start."""
    application, assignment = _locked_for_scoring(assignment, user)
    if (
        InformationRequest.objects.filter(
            application=application, status=InformationRequestStatus.OPEN
        ).exists()
        or application.status != ApplicationStatus.IN_ASSESSMENT
    ):
        raise DomainError(
            "A request for more information is open on this application: wait for the "
            "provider's answer, and score what changed, before completing your scoring."
        )
    total = Criterion.objects.filter(theme__version_id=application.version_id).count()
    scored = Score.objects.filter(assignment=assignment).exclude(level="").count()
    if scored < total:
        left = total - scored
        raise DomainError(
            f"Score every criterion before completing: {left} "
            f"{'criterion is' if left == 1 else 'criteria are'} not scored yet."
        )
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(completed_at=now, updated_at=now)
    assignment.completed_at = now
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.SCORING_COMPLETED,
        actor=user,
        detail=f"{assignment.get_role_display()} completed their scoring.",
    )
    lead = (
        Assignment.objects.filter(
            application=application,
            role=AssignmentRole.LEAD,
            status=AssignmentStatus.ACCEPTED,
        )
        .select_related("assessor")
        .first()
    )
    administrators = list(User.objects.administrators().active())
    told = administrators + ([lead.assessor] if lead and lead.assessor_id != user.pk else [])
    enqueue(notify_scoring_completed, assignment.pk)
    notify(
        users=told,
        message=(
            f"{user.full_name} ({assignment.get_role_display().lower()}) completed their "
            f"scoring of application {application.reference}."
        ),
        url=reverse_detail(application),
    )
    if _both_complete(application):
        application_transition(
            application=application,
            transition="begin_moderation",
            actor=user,
            detail="Both assessors completed their scoring.",
        )
        enqueue(notify_moderation_ready, application.pk)
        if lead is not None:
            notify(
                users=[lead.assessor],
                message=(
                    f"Both assessors have completed their scoring of application "
                    f"{application.reference}: you can start moderation."
                ),
                url=url_or_path(
                    "moderation_overview",
                    f"/applications/{application.pk}/moderation/",
                    pk=application.pk,
                ),
            )
    return assignment


def reverse_detail(application: Application) -> str:
    from django.urls import reverse

    return reverse("accreditation:application_detail", args=[application.pk])
