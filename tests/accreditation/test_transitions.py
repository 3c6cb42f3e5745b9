"""The state machine: every transition from every status, through the one mechanism.

Allowed changes write exactly one history line (from, to, who, why); refused ones write nothing
and leave the status alone; nobody can set the status by assignment.
"""

import pytest
from django.utils import timezone

from accreditation.lifecycle import TRANSITIONS
from accreditation.models import Application, ApplicationEvent, ApplicationStatus
from accreditation.services.transitions import application_transition
from qismet_portal.exceptions import TransitionNotAllowed

from .factories import started_application

pytestmark = pytest.mark.django_db

S = ApplicationStatus
DRAFT, SUBMITTED, RETURNED, WITHDRAWN = S.DRAFT, S.SUBMITTED, S.RETURNED, S.WITHDRAWN
ASSESSING, INFO, MODERATION = S.IN_ASSESSMENT, S.INFORMATION_REQUESTED, S.MODERATION
AWAITING, ACCREDITED, CONDITIONAL = S.AWAITING_DECISION, S.ACCREDITED, S.CONDITIONAL
NOT_ACCREDITED, APPEAL = S.NOT_ACCREDITED, S.APPEAL

#: (from, transition) → the statuses it may lead to; every other pair must be refused. Written
#: out here, independently of the declaration, so a change to the lifecycle shows up as a test
#: to update on purpose.
ALLOWED = {
    (DRAFT, "submit"): {SUBMITTED},
    (RETURNED, "submit"): {SUBMITTED},
    (SUBMITTED, "accept"): {ASSESSING},
    (SUBMITTED, "return_to_provider"): {RETURNED},
    (ASSESSING, "request_information"): {INFO},
    (INFO, "respond"): {ASSESSING},
    (INFO, "cancel_information_request"): {ASSESSING},
    (ASSESSING, "begin_moderation"): {MODERATION},
    (MODERATION, "recommend"): {AWAITING},
    (AWAITING, "decide"): {ACCREDITED, CONDITIONAL, NOT_ACCREDITED},
    (CONDITIONAL, "conditions_met"): {ACCREDITED},
    (CONDITIONAL, "lodge_appeal"): {APPEAL},
    (NOT_ACCREDITED, "lodge_appeal"): {APPEAL},
    (APPEAL, "decide_appeal"): {ACCREDITED, CONDITIONAL, NOT_ACCREDITED},
    **{
        (status, "withdraw"): {WITHDRAWN}
        for status in (DRAFT, SUBMITTED, RETURNED, ASSESSING, INFO)
    },
}
EVERY_PAIR = [(status, name) for status in ApplicationStatus.values for name in TRANSITIONS]
REFUSED = [pair for pair in EVERY_PAIR if pair not in ALLOWED]
#: How each status is reached from a draft: (transition, outcome) steps.
PATHS = {
    DRAFT: [],
    SUBMITTED: [("submit", None)],
    RETURNED: [("submit", None), ("return_to_provider", None)],
    ASSESSING: [("submit", None), ("accept", None)],
    INFO: [("submit", None), ("accept", None), ("request_information", None)],
    MODERATION: [("submit", None), ("accept", None), ("begin_moderation", None)],
    AWAITING: [("submit", None), ("accept", None), ("begin_moderation", None), ("recommend", None)],
    WITHDRAWN: [("withdraw", None)],
}
for outcome in (ACCREDITED, CONDITIONAL, NOT_ACCREDITED):
    PATHS[outcome] = [*PATHS[AWAITING], ("decide", outcome)]
PATHS[APPEAL] = [*PATHS[NOT_ACCREDITED], ("lodge_appeal", None)]


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


def _move(application, transition, outcome=None, reason=""):
    lead = application.started_by
    return application_transition(
        application=application,
        transition=transition,
        actor=lead,
        reason=reason,
        outcome=outcome,
        changes=_declaration(lead) if transition == "submit" else None,
    )


def _application_in(status: str) -> Application:
    """An application brought to ``status`` through the mechanism itself."""
    application = started_application(criteria_per_theme=1)
    for transition, outcome in PATHS[status]:
        application = _move(application, transition, outcome, reason="Set-up")
    assert application.status == status
    return application


def _status_events(application) -> list[ApplicationEvent]:
    return list(application.events.filter(kind=ApplicationEvent.Kind.STATUS).order_by("pk"))


def test_the_tables_cover_every_pair_and_every_status_is_reachable():
    assert set(TRANSITIONS) == {name for _status, name in ALLOWED}
    assert len(ALLOWED) + len(REFUSED) == len(ApplicationStatus.values) * len(TRANSITIONS)
    assert set(PATHS) == set(ApplicationStatus.values)
    for (source, name), targets in ALLOWED.items():
        assert set(TRANSITIONS[name].sources) >= {source}
        assert set(TRANSITIONS[name].targets) == targets


ALLOWED_CASES = [
    (status, transition, target)
    for (status, transition), targets in ALLOWED.items()
    for target in sorted(targets)
]


@pytest.mark.parametrize(("status", "transition", "target"), ALLOWED_CASES)
def test_an_allowed_transition_changes_status_and_writes_one_event(status, transition, target):
    application = _application_in(status)
    actor = application.started_by
    before = _status_events(application)

    result = _move(application, transition, target, reason="Because the test says so")

    stored = Application.objects.get(pk=application.pk)
    assert result.status == stored.status == target
    assert stored.status_changed_at is not None
    new = _status_events(application)[len(before) :]
    assert len(new) == 1
    event = new[0]
    assert (event.from_status, event.to_status) == (status, target)
    assert event.actor == actor
    assert event.reason == "Because the test says so"
    assert event.at is not None


@pytest.mark.parametrize(("status", "transition"), REFUSED)
def test_a_forbidden_transition_is_refused_and_writes_nothing(status, transition):
    application = _application_in(status)
    events_before = application.events.count()
    actor = application.started_by

    outcome = sorted(TRANSITIONS[transition].targets)[0]
    with pytest.raises(TransitionNotAllowed) as refusal:
        application_transition(
            application=application,
            transition=transition,
            actor=actor,
            reason="Should not be recorded",
            outcome=outcome,
            changes=_declaration(actor) if transition == "submit" else None,
        )

    message = str(refusal.value)
    assert application.reference in message
    if status != WITHDRAWN and not message.endswith("already been submitted."):
        # Where it is, and where it would have to be, in the words people see.
        assert ApplicationStatus(status).label.lower() in message
        for source in TRANSITIONS[transition].sources:
            assert ApplicationStatus(source).label.lower() in message
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


def test_a_decision_must_name_one_of_its_outcomes():
    application = _application_in(AWAITING)
    with pytest.raises(ValueError, match="not an outcome"):
        _move(application, "decide", WITHDRAWN)
    assert Application.objects.get(pk=application.pk).status == AWAITING


def test_every_status_says_what_happens_next_to_both_audiences():
    from accreditation.lifecycle import STATUS_INFO

    assert set(STATUS_INFO) == set(ApplicationStatus.values)
    for info in STATUS_INFO.values():
        assert info.provider_next.endswith(".") and info.staff_next.endswith(".")
