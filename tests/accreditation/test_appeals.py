"""Appeals: the window, who may lodge one, who may hear it, and what each outcome does."""

import pytest
from django.core import mail

from accounts.models import Notification
from accreditation.models import (
    Appeal,
    AppealStatus,
    ApplicationEvent,
    ApplicationStatus,
    Decision,
)
from accreditation.services.appeals import appeal_decide, appeal_lodge, appeal_reviewers_assign
from providers.models import MembershipRole
from qismet_portal.exceptions import DomainError
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory, UserFactory

from .decided import decided
from .test_applications import member

pytestmark = pytest.mark.django_db

GROUNDS = "Criterion 2.1 was scored against the old curriculum, not the one we submitted."


def lead_of(stage):
    return stage.application.started_by


def lodged(stage, user=None) -> Appeal:
    return appeal_lodge(application=stage.application, user=user or lead_of(stage), grounds=GROUNDS)


def under_review(stage, reviewer=None, by=None):
    appeal = lodged(stage)
    reviewer = reviewer or AssessorFactory()
    appeal_reviewers_assign(appeal=appeal, reviewers=[reviewer], user=by or AdministratorFactory())
    return appeal, reviewer


# --- lodging --------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["not_accredited", "conditional"])
def test_the_lead_lodges_an_appeal_on_the_last_day_of_the_window(
    outcome, settings, django_capture_on_commit_callbacks
):
    settings.APPEAL_WINDOW_DAYS = 28
    stage = decided(outcome=outcome, days_ago=28)
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = lodged(stage)
    stage.refresh()
    assert stage.application.status == ApplicationStatus.APPEAL
    assert appeal.status == AppealStatus.LODGED
    assert appeal.decision == stage.decision
    assert appeal.grounds == GROUNDS
    status_line = stage.application.events.get(
        kind=ApplicationEvent.Kind.STATUS, to_status="appeal"
    )
    assert status_line.reason == GROUNDS and status_line.actor == lead_of(stage)
    assert stage.application.events.filter(kind=ApplicationEvent.Kind.APPEAL_LODGED).count() == 1
    # Every administrator is emailed and notified; the provider is not.
    (email,) = [m for m in mail.outbox if "Appeal lodged" in m.subject]
    assert admin.email in email.to and lead_of(stage).email not in email.to
    assert stage.application.reference in email.subject
    assert Notification.objects.filter(user=admin, url__contains=f"/appeals/{appeal.pk}/").exists()
    assert not Notification.objects.filter(user=lead_of(stage), url__contains="/appeals/").exists()


def test_a_day_after_the_window_the_appeal_is_refused(settings):
    settings.APPEAL_WINDOW_DAYS = 28
    stage = decided(days_ago=29)
    with pytest.raises(DomainError, match="could be appealed until"):
        lodged(stage)
    stage.refresh()
    assert stage.application.status == ApplicationStatus.NOT_ACCREDITED
    assert not Appeal.objects.exists()


def test_the_window_is_a_setting(settings):
    settings.APPEAL_WINDOW_DAYS = 5
    stage = decided(days_ago=6)
    with pytest.raises(DomainError, match="period has ended"):
        lodged(stage)


def test_an_accredited_application_cannot_be_appealed():
    stage = decided(outcome="accredited")
    with pytest.raises(DomainError, match="only a decision of"):
        lodged(stage)
    assert not Appeal.objects.exists()


def test_an_application_without_a_decision_cannot_be_appealed():
    from .journey import awaiting_decision

    stage = awaiting_decision()
    with pytest.raises(DomainError):
        lodged(stage)


def test_grounds_are_required():
    stage = decided()
    with pytest.raises(DomainError, match="grounds"):
        appeal_lodge(application=stage.application, user=lead_of(stage), grounds="   ")


def test_a_signatory_may_appeal_but_a_contributor_and_another_provider_may_not():
    stage = decided()
    contributor = member(stage.application, MembershipRole.CONTRIBUTOR)
    with pytest.raises(DomainError, match="Only the lead"):
        lodged(stage, contributor)
    with pytest.raises(DomainError, match="Only the lead"):
        lodged(stage, MembershipFactory(role=MembershipRole.LEAD).user)
    assert lodged(stage, member(stage.application, "signatory")).pk


def test_a_decision_is_appealed_once():
    stage = decided()
    appeal, reviewer = under_review(stage)
    appeal_decide(appeal=appeal, user=reviewer, upheld=False, reasons="The scores stand.")
    with pytest.raises(DomainError, match="already been appealed"):
        lodged(stage)


# --- reviewers ------------------------------------------------------------------------------


def test_administrators_and_assessors_with_no_part_can_be_reviewers(
    django_capture_on_commit_callbacks,
):
    stage = decided()
    appeal = lodged(stage)
    admin, other_admin, assessor = AdministratorFactory(), AdministratorFactory(), AssessorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        appeal_reviewers_assign(appeal=appeal, reviewers=[other_admin, assessor], user=admin)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UNDER_REVIEW
    assert set(appeal.reviewers.all()) == {other_admin, assessor}
    line = stage.application.events.get(kind=ApplicationEvent.Kind.APPEAL_REVIEWERS_ASSIGNED)
    assert other_admin.full_name in line.detail and assessor.full_name in line.detail
    (email,) = [m for m in mail.outbox if "Please hear" in m.subject]
    assert sorted(email.to) == sorted([other_admin.email, assessor.email])
    assert Notification.objects.filter(user=assessor).count() == 1


def _refusal(stage, person, by=None):
    appeal = Appeal.objects.filter(application=stage.application).first() or lodged(stage)
    with pytest.raises(DomainError) as refused:
        appeal_reviewers_assign(
            appeal=appeal, reviewers=[person], user=by or AdministratorFactory()
        )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.LODGED and not appeal.reviewers.exists()
    return str(refused.value)


def test_an_assessor_of_the_application_cannot_hear_its_appeal():
    stage = decided()
    assert "assessed application" in _refusal(stage, stage.lead.assessor)
    assert "assessed application" in _refusal(stage, stage.second.assessor)


def test_an_assessor_who_was_later_replaced_still_cannot_hear_its_appeal():
    stage = decided()
    from accreditation.models import Assignment

    Assignment.objects.filter(pk=stage.second.pk).update(status="removed")
    assert "assessed application" in _refusal(stage, stage.second.assessor)


def test_the_decision_maker_cannot_hear_the_appeal():
    decider = AdministratorFactory(full_name="Dee Decider")
    stage = decided(decided_by=decider)
    assert _refusal(stage, decider).startswith("Dee Decider made a decision on application")


def test_a_member_of_the_provider_cannot_hear_its_appeal():
    stage = decided()
    assert "is or was a member of" in _refusal(stage, lead_of(stage))


def test_a_provider_user_of_another_organisation_cannot_hear_an_appeal():
    stage = decided()
    assert "cannot hear appeals" in _refusal(stage, UserFactory())


def test_administrators_who_took_part_cannot_choose_the_reviewers():
    decider = AdministratorFactory()
    stage = decided(decided_by=decider)
    assert "another administrator must choose" in _refusal(stage, AssessorFactory(), by=decider)


def test_only_administrators_assign_reviewers():
    stage = decided()
    assert "Only an administrator" in _refusal(stage, AssessorFactory(), by=AssessorFactory())


def test_the_form_offers_only_eligible_people():
    from accreditation.selectors.appeals import appeal_reviewer_candidates

    decider = AdministratorFactory()
    stage = decided(decided_by=decider)
    free_admin, free_assessor = AdministratorFactory(), AssessorFactory()
    inactive = AssessorFactory(is_active=False)
    offered = set(appeal_reviewer_candidates(stage.application))
    assert {free_admin, free_assessor, stage.administrator} <= offered
    for person in (decider, stage.lead.assessor, stage.second.assessor, lead_of(stage), inactive):
        assert person not in offered


# --- the outcome ----------------------------------------------------------------------------


def test_dismissed_the_decision_stands(django_capture_on_commit_callbacks):
    stage = decided(outcome="conditional")
    appeal, reviewer = under_review(stage)
    admin = AdministratorFactory()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=appeal, user=reviewer, upheld=False, reasons="The scores stand.")
    stage.refresh()
    appeal.refresh_from_db()
    assert stage.application.status == ApplicationStatus.CONDITIONAL
    assert appeal.status == AppealStatus.DISMISSED and appeal.outcome_decision is None
    assert appeal.outcome_reasons == "The scores stand." and appeal.decided_by == reviewer
    assert Decision.objects.filter(application=stage.application).count() == 1
    line = stage.application.events.get(kind=ApplicationEvent.Kind.APPEAL_DECIDED)
    assert "dismissed" in line.detail
    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    assert any(lead_of(stage).email in to for to in subjects)
    assert any(admin.email in to for to in subjects)
    assert all("dismissed" in s for s in subjects.values())
    assert Notification.objects.filter(user=lead_of(stage), message__contains="dismissed").exists()
    assert Notification.objects.filter(user=admin, message__contains="dismissed").exists()


def test_upheld_a_new_decision_is_added_and_the_first_kept():
    stage = decided(outcome="not_accredited")
    appeal, reviewer = under_review(stage)
    appeal_decide(
        appeal=appeal,
        user=reviewer,
        upheld=True,
        outcome="conditional",
        reasons="The curriculum submitted meets 2.1.",
    )
    stage.refresh()
    appeal.refresh_from_db()
    assert stage.application.status == ApplicationStatus.CONDITIONAL
    assert appeal.status == AppealStatus.UPHELD
    new = appeal.outcome_decision
    assert new.kind == Decision.Kind.APPEAL and new.outcome == "conditional"
    assert new.suggested_outcome == "not_accredited"
    assert new.override_reason == "The curriculum submitted meets 2.1."
    assert new.decided_by == reviewer
    first = Decision.objects.get(pk=stage.decision.pk)
    assert first.outcome == "not_accredited" and first.kind == Decision.Kind.FIRST
    status_line = stage.application.events.filter(kind=ApplicationEvent.Kind.STATUS).last()
    assert (status_line.from_status, status_line.to_status) == ("appeal", "conditional")


def test_a_decision_on_appeal_is_final():
    stage = decided(outcome="not_accredited")
    appeal, reviewer = under_review(stage)
    appeal_decide(appeal=appeal, user=reviewer, upheld=True, outcome="conditional", reasons="R.")
    with pytest.raises(DomainError, match="final"):
        lodged(stage)


def test_upheld_needs_a_different_outcome_and_reasons_are_required():
    stage = decided(outcome="not_accredited")
    appeal, reviewer = under_review(stage)
    with pytest.raises(DomainError, match="different outcome"):
        appeal_decide(
            appeal=appeal, user=reviewer, upheld=True, outcome="not_accredited", reasons="R."
        )
    with pytest.raises(DomainError, match="reasons"):
        appeal_decide(appeal=appeal, user=reviewer, upheld=False, reasons=" ")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UNDER_REVIEW


def test_only_a_reviewer_records_the_outcome():
    stage = decided()
    appeal, _reviewer = under_review(stage)
    for outsider in (AdministratorFactory(), AssessorFactory(), lead_of(stage)):
        with pytest.raises(DomainError, match="Only a reviewer"):
            appeal_decide(appeal=appeal, user=outsider, upheld=False, reasons="R.")


def test_an_appeal_without_reviewers_cannot_be_decided():
    stage = decided()
    appeal = lodged(stage)
    appeal.reviewers.add(AssessorFactory())  # bypassing the service: still "lodged"
    with pytest.raises(DomainError, match="cannot be recorded now"):
        appeal_decide(appeal=appeal, user=appeal.reviewers.get(), upheld=False, reasons="R.")


def test_reviewers_cannot_change_once_the_appeal_is_decided():
    stage = decided()
    appeal, reviewer = under_review(stage)
    appeal_decide(appeal=appeal, user=reviewer, upheld=False, reasons="R.")
    with pytest.raises(DomainError, match="can no longer change"):
        appeal_reviewers_assign(
            appeal=appeal, reviewers=[AssessorFactory()], user=AdministratorFactory()
        )
