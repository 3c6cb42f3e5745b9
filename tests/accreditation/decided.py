"""Applications with a decision, for the tests of what follows one (appeals).

``decided()`` writes the Decision row and moves the application with the "decide" transition.
When the decision service exists, this is the one place to make it call that service instead.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accreditation.models import Decision
from accreditation.services.transitions import application_transition
from tests.factories import AdministratorFactory

from .journey import Stage, awaiting_decision


def decide(
    stage: Stage, *, outcome: str, decided_by=None, decided_at: datetime.datetime | None = None
) -> Decision:
    """Record ``outcome`` on ``stage``'s application (awaiting a decision) by ``decided_by``."""
    decided_by = decided_by or AdministratorFactory()
    decision = Decision.objects.create(
        application=stage.application,
        outcome=outcome,
        suggested_outcome=outcome,
        reasons=f"The moderated scores support “{outcome}”.",
        decided_by=decided_by,
        decided_at=decided_at or timezone.now(),
        record=stage.record,
    )
    stage.application = application_transition(
        application=stage.application, transition="decide", actor=decided_by, outcome=outcome
    )
    stage.decision = decision
    return decision


def decided(
    *, outcome: str = "not_accredited", decided_by=None, days_ago: int = 0, **kwargs
) -> Stage:
    """An application decided ``outcome`` ``days_ago`` days ago, at noon UK time (its stage has
    ``decision``)."""
    stage = awaiting_decision(**kwargs)
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    decided_at = (
        timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        if days_ago
        else timezone.now()
    )
    decide(stage, outcome=outcome, decided_by=decided_by, decided_at=decided_at)
    return stage
