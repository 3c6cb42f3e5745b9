"""Moderation, decision and condition services: each allowed and each refused."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from accreditation.models import (
    AgreedScore,
    ApplicationEvent,
    ApplicationStatus,
    Condition,
    ConditionStatus,
    Decision,
    Recommendation,
)
from accreditation.services.decisions import (
    ConditionInput,
    condition_evidence_add,
    condition_reopen,
    condition_sign_off,
    conditions_overdue_flag,
    decision_make,
)
from accreditation.services.moderation import (
    AgreedScoreConflict,
    agreed_score_save,
    recommendation_save,
)
from accreditation.tasks import conditions_overdue
from qismet_portal.exceptions import DomainError
from tests.factories import AdministratorFactory, MembershipFactory

from .journey import awaiting_decision, decided, in_assessment, in_moderation, scores_give

pytestmark = pytest.mark.django_db
K = ApplicationEvent.Kind


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """``with sending():`` runs the emails queued inside the block once it commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _events(application, kind):
    return list(ApplicationEvent.objects.filter(application=application, kind=kind))


def _save(stage, criterion, *, user=None, level="met", revision=0, rationale="Clear."):
    return agreed_score_save(
        application=stage.application,
        criterion=criterion,
        user=user or stage.lead.assessor,
        level=level,
        rationale=rationale,
        revision=revision,
    )


# --- moderation -------------------------------------------------------------------------------


def test_lead_agrees_a_score_with_one_history_line_per_criterion():
    stage = in_moderation(levels=("met", "partially_met"))
    criterion = stage.criteria[0]
    score = _save(stage, criterion, level="partially_met", rationale="Gaps remain.")
    assert (score.level, score.revision) == ("partially_met", 1)
    # Saving the text again is not a new line; a changed level is.
    score = _save(stage, criterion, level="partially_met", revision=1, rationale="Gaps, still.")
    assert len(_events(stage.application, K.SCORE_AGREED)) == 1
    _save(stage, criterion, level="met", revision=2)
    lines = _events(stage.application, K.SCORE_AGREED)
    assert len(lines) == 2 and "now Met (was Partially met)" in lines[1].detail


def test_a_save_from_an_older_page_is_refused():
    stage = in_moderation()
    criterion = stage.criteria[0]
    _save(stage, criterion)
    with pytest.raises(AgreedScoreConflict):
        _save(stage, criterion, level="not_met", revision=0, rationale="Stale page.")
    assert AgreedScore.objects.get(criterion=criterion).level == "met"


def test_rationale_required_below_the_top_level():
    stage = in_moderation()
    with pytest.raises(DomainError, match="rationale"):
        _save(stage, stage.criteria[0], level="not_met", rationale=" ")


def test_second_assessor_and_administrator_cannot_moderate():
    stage = in_moderation()
    for user in (stage.second.assessor, stage.administrator):
        with pytest.raises(DomainError, match="Only the lead assessor"):
            _save(stage, stage.criteria[0], user=user)
    assert not AgreedScore.objects.exists()


def test_no_moderation_until_both_have_completed():
    stage = in_assessment()
    scores_give(stage, stage.lead)
    scores_give(stage, stage.second, complete=False)
    with pytest.raises(DomainError):
        _save(stage, stage.criteria[0])


def test_recommendation_needs_every_agreed_score_then_moves_on_and_tells_administrators(sending):
    stage = in_moderation()
    admins = [stage.administrator, AdministratorFactory()]
    _save(stage, stage.criteria[0])
    with pytest.raises(DomainError, match="no agreed score yet"):
        recommendation_save(
            application=stage.application,
            user=stage.lead.assessor,
            outcome="accredited",
            summary="Good.",
            submit=True,
        )
    # A draft may be saved at any time.
    recommendation_save(
        application=stage.application, user=stage.lead.assessor, outcome="accredited", summary="x"
    )
    assert Recommendation.objects.get().submitted_at is None
    for criterion in stage.criteria[1:]:
        _save(stage, criterion)
    mail.outbox.clear()
    with sending():
        recommendation_save(
            application=stage.application,
            user=stage.lead.assessor,
            outcome="accredited",
            summary="Good.",
            submit=True,
        )
    stage.refresh()
    assert stage.application.status == ApplicationStatus.AWAITING_DECISION
    assert len(_events(stage.application, K.RECOMMENDATION_MADE)) == 1
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {a.email for a in admins}
    assert Notification.objects.filter(user=admins[1]).count() == 1


def test_conditional_recommendation_must_propose_conditions():
    stage = in_moderation()
    for criterion in stage.criteria:
        _save(stage, criterion)
    with pytest.raises(DomainError, match="propose the conditions"):
        recommendation_save(
            application=stage.application,
            user=stage.lead.assessor,
            outcome="conditional",
            summary="Some gaps.",
            submit=True,
        )


# --- the decision -----------------------------------------------------------------------------


def _decide(stage, **kwargs):
    values = {
        "application": stage.application,
        "user": stage.administrator,
        "outcome": "accredited",
        "reasons": "Clear evidence.",
    }
    values.update(kwargs)
    return decision_make(**values)


def test_decision_by_an_independent_administrator_tells_provider_and_assessors(sending):
    stage = awaiting_decision()
    lead_user = stage.application.started_by
    organisation = stage.application.programme.organisation
    signer = MembershipFactory(organisation=organisation, signatory=True).user
    contributor = MembershipFactory(organisation=organisation, role="contributor").user
    mail.outbox.clear()
    with sending():
        decision = _decide(stage)
    stage.refresh()
    assert stage.application.status == ApplicationStatus.ACCREDITED
    assert (decision.outcome, decision.suggested_outcome) == ("accredited", "accredited")
    assert decision.record == stage.record
    assert len(_events(stage.application, K.DECISION_MADE)) == 1
    assert len(mail.outbox) == 1
    assert {
        lead_user.email,
        signer.email,
        stage.lead.assessor.email,
        stage.second.assessor.email,
    } <= set(mail.outbox[0].to)
    assert contributor.email not in mail.outbox[0].to
    assert stage.administrator.email not in mail.outbox[0].to
    assert Notification.objects.filter(user=stage.second.assessor).exists()


def test_an_administrator_who_assessed_cannot_decide():
    admin_assessor = AdministratorFactory()
    stage = awaiting_decision(lead=admin_assessor)
    with pytest.raises(DomainError, match="You were an assessor"):
        _decide(stage, user=admin_assessor)
    assert not Decision.objects.exists()
    stage.refresh()
    assert stage.application.status == ApplicationStatus.AWAITING_DECISION


def test_an_assessor_cannot_decide():
    stage = awaiting_decision()
    with pytest.raises(DomainError, match="administrator"):
        _decide(stage, user=stage.lead.assessor)


def test_overriding_the_suggestion_needs_a_reason():
    stage = awaiting_decision()
    with pytest.raises(DomainError, match="Say why"):
        _decide(
            stage,
            outcome="conditional",
            conditions=[ConditionInput("Do it.", timezone.localdate() + datetime.timedelta(9))],
        )
    decision = _decide(
        stage,
        outcome="conditional",
        override_reason="The panel wants the policy published.",
        conditions=[ConditionInput("Do it.", timezone.localdate() + datetime.timedelta(9))],
    )
    assert decision.suggested_outcome == "accredited"
    assert decision.override_reason


def test_conditions_required_for_conditional_and_refused_otherwise():
    stage = awaiting_decision(level="met", levels={"1.1": "partially_met"}, outcome="conditional")
    with pytest.raises(DomainError, match="at least one condition"):
        _decide(stage, outcome="conditional")
    soon = timezone.localdate() + datetime.timedelta(30)
    with pytest.raises(DomainError, match="has no conditions"):
        _decide(
            stage,
            outcome="not_accredited",
            override_reason="Too weak.",
            conditions=[ConditionInput("x", soon)],
        )
    with pytest.raises(DomainError, match="after today"):
        _decide(
            stage,
            outcome="conditional",
            conditions=[ConditionInput("x", timezone.localdate())],
        )
    _decide(stage, outcome="conditional", conditions=[ConditionInput("Publish it.", soon)])
    assert list(Condition.objects.values_list("number", "description")) == [(1, "Publish it.")]


def test_cannot_decide_twice():
    stage = decided()
    with pytest.raises(DomainError, match="cannot be decided now"):
        _decide(stage, user=AdministratorFactory())


# --- conditions -------------------------------------------------------------------------------


def _pdf(name="plan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


@pytest.fixture
def conditional(private_storage):
    stage = decided(
        outcome="conditional",
        conditions=2,
        levels={"1.1": "partially_met"},
    )
    return stage


def test_provider_sends_evidence_and_an_administrator_signs_off_every_condition(
    conditional, sending
):
    stage = conditional
    provider = stage.application.started_by
    first, second = Condition.objects.order_by("number")
    mail.outbox.clear()
    with sending():
        condition_evidence_add(
            condition=first, user=provider, response="Published on our website.", files=[_pdf()]
        )
    first.refresh_from_db()
    assert first.status == ConditionStatus.EVIDENCE_SENT
    assert [d.current.original_name for d in first.evidence.all()] == ["plan.pdf"]
    assert len(_events(stage.application, K.CONDITION_EVIDENCE_SENT)) == 1
    assert mail.outbox and stage.administrator.email in mail.outbox[0].to
    with pytest.raises(DomainError):  # not twice while waiting
        condition_evidence_add(condition=first, user=provider, response="Again.")
    condition_sign_off(condition=first, user=stage.administrator, note="Seen it.")
    stage.refresh()
    assert stage.application.status == ApplicationStatus.CONDITIONAL
    condition_evidence_add(condition=second, user=provider, response="Done too.")
    mail.outbox.clear()
    with sending():
        condition_sign_off(condition=second, user=stage.administrator)
    stage.refresh()
    assert stage.application.status == ApplicationStatus.ACCREDITED
    assert len(_events(stage.application, K.CONDITION_SIGNED_OFF)) == 2
    assert len(mail.outbox) == 1 and provider.email in mail.outbox[0].to
    assert stage.administrator.email not in mail.outbox[0].to
    assert "every condition" in mail.outbox[0].subject


def test_sent_back_with_a_note_reopens_for_the_provider(conditional, sending):
    stage = conditional
    provider = stage.application.started_by
    first = Condition.objects.get(number=1)
    condition_evidence_add(condition=first, user=provider, response="Done.")
    with pytest.raises(DomainError, match="Say what is still needed"):
        condition_reopen(condition=first, user=stage.administrator, note="")
    mail.outbox.clear()
    with sending():
        condition_reopen(condition=first, user=stage.administrator, note="The link is broken.")
    first.refresh_from_db()
    assert first.status == ConditionStatus.OPEN and first.sign_off_note == "The link is broken."
    assert provider.email in mail.outbox[0].to
    assert "The link is broken." in mail.outbox[0].body


def test_condition_refusals(conditional, other_provider_user):
    stage = conditional
    first = Condition.objects.get(number=1)
    with pytest.raises(DomainError, match="provider's own users"):
        condition_evidence_add(condition=first, user=other_provider_user, response="Hi.")
    with pytest.raises(DomainError, match="only a condition with evidence sent"):
        condition_sign_off(condition=first, user=stage.administrator)
    condition_evidence_add(condition=first, user=stage.application.started_by, response="Done.")
    with pytest.raises(DomainError, match="administrator"):
        condition_sign_off(condition=first, user=stage.lead.assessor)
    with pytest.raises(DomainError, match="Say how"):
        condition_evidence_add(
            condition=Condition.objects.get(number=2),
            user=stage.application.started_by,
            response="",
        )


def test_a_refused_file_stores_nothing(conditional):
    stage = conditional
    first = Condition.objects.get(number=1)
    bad = SimpleUploadedFile("plan.pdf", b"MZ this is not a pdf")
    with pytest.raises(DomainError):
        condition_evidence_add(
            condition=first, user=stage.application.started_by, response="Done.", files=[bad]
        )
    first.refresh_from_db()
    assert first.status == ConditionStatus.OPEN and not first.evidence.exists()


def test_overdue_conditions_are_flagged_once(conditional, sending):
    stage = conditional
    Condition.objects.filter(number=1).update(due_on=timezone.localdate() - datetime.timedelta(1))
    mail.outbox.clear()
    with sending():
        assert conditions_overdue() == 1
    with sending():
        assert conditions_overdue() == 0
        assert conditions_overdue_flag() == 0
    lines = _events(stage.application, K.CONDITION_OVERDUE)
    assert len(lines) == 1 and lines[0].detail.startswith("Condition 1 ")
    assert len(mail.outbox) == 1
    assert stage.application.started_by.email in mail.outbox[0].to
    assert stage.administrator.email in mail.outbox[0].to
    assert Condition.objects.get(number=1).is_overdue
    assert not Condition.objects.get(number=2).is_overdue


def test_overdue_conditions_are_checked_daily_by_beat():
    from qismet_portal.celery import app as celery_app

    entry = celery_app.conf.beat_schedule["conditions-overdue"]
    assert entry["task"] == "accreditation.tasks.conditions_overdue"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].hour == {7}
