"""Applications at every stage of the journey, for tests.

Each builder takes an application to the next stage the way the portal does (the services, and
``application_transition`` for every status change), so a test can start where its subject
starts: ``in_assessment()`` gives a submitted application accepted for assessment with a lead
and a second assessor who have both accepted and declared no conflict of interest.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accreditation.models import (
    Application,
    Assignment,
    AssignmentRole,
    Score,
    SubmissionRecord,
)
from accreditation.services.decisions import ConditionInput, decision_make
from accreditation.services.moderation import agreed_score_save, recommendation_save
from accreditation.services.transitions import application_transition
from standards.models import Criterion
from tests.factories import AdministratorFactory, AssessorFactory

from .factories import started_application
from .test_applications import complete, submit

COI_TEXT = "I declare that I have no conflict of interest with this provider."


@dataclass
class Stage:
    """An application and the people around it."""

    application: Application
    administrator: object = None
    lead: Assignment | None = None
    second: Assignment | None = None

    def refresh(self) -> Stage:
        self.application = Application.objects.get(pk=self.application.pk)
        for name in ("lead", "second"):
            assignment = getattr(self, name)
            if assignment is not None:
                setattr(self, name, Assignment.objects.get(pk=assignment.pk))
        return self

    @property
    def record(self) -> SubmissionRecord:
        return self.application.submission_records.order_by("-number").first()

    @property
    def criteria(self) -> list[Criterion]:
        return list(
            Criterion.objects.filter(theme__version=self.application.version).order_by(
                "theme__number", "order"
            )
        )


def submitted_application(*, criteria_per_theme: int = 2, organisation=None, **kwargs) -> Stage:
    """Complete and submitted: waiting for screening."""
    application = started_application(
        criteria_per_theme=criteria_per_theme, organisation=organisation, **kwargs
    )
    complete(application)
    application = submit(application)
    return Stage(application=application, administrator=AdministratorFactory())


def _assignment(stage: Stage, role: str, assessor) -> Assignment:
    assignment = Assignment.objects.create(
        application=stage.application,
        assessor=assessor,
        role=role,
        assigned_by=stage.administrator,
        due_on=timezone.localdate() + datetime.timedelta(days=28),
    )
    assignment.accept()
    assignment.declaration_text = COI_TEXT
    assignment.declared_at = assignment.responded_at = timezone.now()
    assignment.save()
    return assignment


def in_assessment(stage: Stage | None = None, *, lead=None, second=None, **kwargs) -> Stage:
    """Accepted at screening, with two assessors who have accepted and declared."""
    stage = stage or submitted_application(**kwargs)
    stage.application = application_transition(
        application=stage.application, transition="accept", actor=stage.administrator
    )
    stage.lead = _assignment(stage, AssignmentRole.LEAD, lead or AssessorFactory())
    stage.second = _assignment(stage, AssignmentRole.SECOND, second or AssessorFactory())
    return stage


def scores_give(stage: Stage, assignment: Assignment, level: str = "met", *, complete=True):
    """``assignment``'s assessor scores every criterion ``level`` (and completes if asked)."""
    record = stage.record
    Score.objects.bulk_create(
        Score(
            assignment=assignment,
            criterion=criterion,
            record=record,
            level=level,
            rationale=f"Scored {level}: the evidence supports it.",
            updated_by=assignment.assessor,
        )
        for criterion in stage.criteria
    )
    if complete:
        Assignment.objects.filter(pk=assignment.pk).update(completed_at=timezone.now())
    return stage.refresh()


def in_moderation(stage: Stage | None = None, *, levels=("met", "met"), **kwargs) -> Stage:
    """Both assessors scored everything and completed."""
    stage = stage or in_assessment(**kwargs)
    scores_give(stage, stage.lead, levels[0])
    scores_give(stage, stage.second, levels[1])
    stage.application = application_transition(
        application=stage.application, transition="begin_moderation", actor=stage.lead.assessor
    )
    return stage.refresh()


def awaiting_decision(
    stage: Stage | None = None,
    *,
    level: str = "met",
    levels: dict[str, str] | None = None,
    outcome: str = "accredited",
    **kwargs,
) -> Stage:
    """Moderated (every criterion agreed ``level``, or ``levels[code]`` where given) with a
    recommendation of ``outcome``, through the moderation services."""
    stage = stage or in_moderation(**kwargs)
    for criterion in stage.criteria:
        agreed_score_save(
            application=stage.application,
            criterion=criterion,
            user=stage.lead.assessor,
            level=(levels or {}).get(criterion.code, level),
            rationale="Agreed after moderation.",
            revision=0,
        )
    recommendation_save(
        application=stage.application,
        user=stage.lead.assessor,
        outcome=outcome,
        summary="The evidence is clear and complete.",
        proposed_conditions="Publish the complaints policy on the website."
        if outcome == "conditional"
        else "",
        submit=True,
    )
    return stage.refresh()


def decided(
    stage: Stage | None = None,
    *,
    outcome: str = "accredited",
    conditions: int = 0,
    decider=None,
    **kwargs,
) -> Stage:
    """Decided ``outcome`` by an administrator who did not assess it (``conditions`` conditions
    due in 30, 60, … days). The suggestion is followed when it matches; otherwise a reason is
    given."""
    stage = stage or awaiting_decision(**kwargs)
    today = timezone.localdate()
    decision_make(
        application=stage.application,
        user=decider or stage.administrator,
        outcome=outcome,
        reasons="The agreed scores support this outcome.",
        override_reason="The panel judged the gaps differently.",
        conditions=[
            ConditionInput(f"Condition {n}: put it right.", today + datetime.timedelta(days=30 * n))
            for n in range(1, conditions + 1)
        ],
    )
    return stage.refresh()


__all__ = [
    "COI_TEXT",
    "Stage",
    "awaiting_decision",
    "decided",
    "in_assessment",
    "in_moderation",
    "scores_give",
    "submitted_application",
]
