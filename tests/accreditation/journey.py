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
    SubmissionRecord,
)
from accreditation.services.assignments import (
    assessor_profile_ensure,
    assignment_accept,
    assignment_create,
)
from accreditation.services.decisions import ConditionInput, decision_make
from accreditation.services.moderation import agreed_score_save, recommendation_save
from accreditation.services.screening import application_accept
from qismet_portal.working_days import add_working_days
from standards.models import Criterion
from tests.factories import AdministratorFactory, AssessorFactory

from .factories import started_application
from .test_applications import complete, submit


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
    """``assessor`` is offered ``role`` and accepts, signing the declaration."""
    assessor_profile_ensure(assessor)
    offered = assignment_create(
        application=stage.application,
        assessor=assessor,
        role=role,
        due_on=add_working_days(timezone.localdate(), 20),
        user=stage.administrator,
    )
    return assignment_accept(assignment=offered, user=assessor, confirmed=True)


def in_assessment(stage: Stage | None = None, *, lead=None, second=None, **kwargs) -> Stage:
    """Accepted at screening, with two assessors who have accepted and declared."""
    stage = stage or submitted_application(**kwargs)
    stage.application = application_accept(application=stage.application, user=stage.administrator)
    stage.lead = _assignment(stage, AssignmentRole.LEAD, lead or AssessorFactory())
    stage.second = _assignment(stage, AssignmentRole.SECOND, second or AssessorFactory())
    return stage


def information_requested(
    stage: Stage | None = None, *, criteria=None, by=None, due_on=None, **kwargs
) -> Stage:
    """In assessment, then the lead assessor (or ``by``) asks for more information on
    ``criteria`` (the first criterion by default), through the real service."""
    from accreditation.services.information import information_request_raise

    stage = stage or in_assessment(**kwargs)
    information_request_raise(
        application=stage.application,
        user=by or stage.lead.assessor,
        criteria=criteria if criteria is not None else stage.criteria[:1],
        message="Please send the latest safeguarding policy and say who approved it.",
        due_on=due_on or timezone.localdate() + datetime.timedelta(days=14),
    )
    return stage.refresh()


def scores_give(stage: Stage, assignment: Assignment, level: str = "met", *, complete=True):
    """``assignment``'s assessor scores every criterion ``level`` through the scoring service
    (and completes through it if asked: when both have completed, the application moves to
    moderation, as in the portal)."""
    from accreditation.services.scoring import score_save, scoring_complete

    assessor = assignment.assessor
    for criterion in Criterion.objects.filter(
        theme__version=stage.application.version
    ).select_related("theme"):
        score_save(
            assignment=assignment,
            criterion=criterion,
            user=assessor,
            level=level,
            rationale=f"Scored {level}: the evidence supports it.",
        )
    if complete:
        scoring_complete(assignment=assignment, user=assessor)
    return stage.refresh()


def in_moderation(stage: Stage | None = None, *, levels=("met", "met"), **kwargs) -> Stage:
    """Both assessors scored everything and completed."""
    stage = stage or in_assessment(**kwargs)
    scores_give(stage, stage.lead, levels[0])
    scores_give(stage, stage.second, levels[1])  # the second to complete starts moderation
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
    "Stage",
    "awaiting_decision",
    "decided",
    "in_assessment",
    "in_moderation",
    "information_requested",
    "scores_give",
    "submitted_application",
]
