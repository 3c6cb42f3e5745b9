"""The state machine: every transition from every status, through the one mechanism.

Allowed changes write exactly one history line (from, to, who, why); refused ones write nothing
and leave the status alone; nobody can set the status by assignment.
"""

import pytest
from django.utils import timezone

from accreditation.models import Application, ApplicationEvent, ApplicationStatus
from accreditation.services.transitions import TRANSITIONS, application_transition
from qismet_portal.exceptions import TransitionNotAllowed

from .factories import started_application

pytestmark = pytest.mark.django_db

DRAFT, SUBMITTED, WITHDRAWN = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.WITHDRAWN,
)

#: (from, transition) → to; every other pair must be refused.
ALLOWED = {
    (DRAFT, "submit"): SUBMITTED,
    (DRAFT, "withdraw"): WITHDRAWN,
    (SUBMITTED, "withdraw"): WITHDRAWN,
}
EVERY_PAIR = [(status, name) for status in ApplicationStatus.values for name in TRANSITIONS]
REFUSED = [pair for pair in EVERY_PAIR if pair not in ALLOWED]


def _declaration(user) -> dict:
    now = timezone.now()
    return {
        "submitted_at": now,
        "declaration_signed_by": user,
        "declaration_name": user.full_name,
        "declaration_role": "Director",
        "declaration_text": "I declare.",
        "declaration_signed_at": now,
    }


def _application_in(status: str) -> Application:
    """An application brought to ``status`` through the mechanism itself."""
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    if status == SUBMITTED:
        application = application_transition(
            application=application, transition="submit", actor=lead, changes=_declaration(lead)
        )
    elif status == WITHDRAWN:
        application = application_transition(
            application=application, transition="withdraw", actor=lead, reason="Set-up"
        )
    assert application.status == status
    return application


def _status_events(application) -> list[ApplicationEvent]:
    return list(application.events.filter(kind=ApplicationEvent.Kind.STATUS).order_by("pk"))


def test_the_tables_cover_every_pair():
    assert set(TRANSITIONS) == {"submit", "withdraw"}
    assert len(ALLOWED) + len(REFUSED) == 3 * 2


@pytest.mark.parametrize(("status", "transition"), list(ALLOWED))
def test_an_allowed_transition_changes_status_and_writes_one_event(status, transition):
    application = _application_in(status)
    actor = application.started_by
    before = _status_events(application)
    changes = _declaration(actor) if transition == "submit" else None

    result = application_transition(
        application=application,
        transition=transition,
        actor=actor,
        reason="Because the test says so",
        changes=changes,
    )

    stored = Application.objects.get(pk=application.pk)
    assert result.status == stored.status == ALLOWED[(status, transition)]
    new = _status_events(application)[len(before) :]
    assert len(new) == 1
    event = new[0]
    assert (event.from_status, event.to_status) == (status, ALLOWED[(status, transition)])
    assert event.actor == actor
    assert event.reason == "Because the test says so"
    assert event.at is not None


@pytest.mark.parametrize(("status", "transition"), REFUSED)
def test_a_forbidden_transition_is_refused_and_writes_nothing(status, transition):
    application = _application_in(status)
    events_before = application.events.count()
    actor = application.started_by

    with pytest.raises(TransitionNotAllowed) as refusal:
        application_transition(
            application=application,
            transition=transition,
            actor=actor,
            reason="Should not be recorded",
            changes=_declaration(actor) if transition == "submit" else None,
        )

    assert application.reference in str(refusal.value)
    assert Application.objects.get(pk=application.pk).status == status
    assert application.events.count() == events_before


def test_the_refusal_uses_the_status_in_the_database_not_a_stale_copy():
    application = _application_in(DRAFT)
    stale = Application.objects.get(pk=application.pk)
    application_transition(
        application=application, transition="withdraw", actor=application.started_by, reason="x"
    )
    assert stale.status == DRAFT  # the copy a view might still hold
    with pytest.raises(TransitionNotAllowed, match="withdrawn"):
        application_transition(
            application=stale, transition="withdraw", actor=application.started_by, reason="y"
        )
    assert _status_events(application)[-1].reason == "x"
    assert len(_status_events(application)) == 1


def test_an_unknown_transition_is_refused():
    application = _application_in(DRAFT)
    with pytest.raises(TransitionNotAllowed):
        application_transition(
            application=application, transition="delete", actor=application.started_by
        )
    with pytest.raises(TransitionNotAllowed):
        application_transition(
            application=application, transition="save", actor=application.started_by
        )
    assert Application.objects.get(pk=application.pk).status == DRAFT
    assert not _status_events(application)


@pytest.mark.parametrize("status", ApplicationStatus.values)
def test_the_status_cannot_be_assigned(status):
    application = _application_in(DRAFT)
    with pytest.raises(AttributeError):
        application.status = status
    assert Application.objects.get(pk=application.pk).status == DRAFT
