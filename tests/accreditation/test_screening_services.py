"""Screening and assignment services: what they allow, what they refuse, what they record and
whom they tell."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import Q
from django.utils import timezone

from accounts.models import Notification, Role
from accounts.services import user_create_and_invite
from accreditation.models import (
    ApplicationEvent,
    ApplicationStatus,
    AssessorProfile,
    AssignmentRole,
    AssignmentStatus,
    DeclaredInterest,
    InterestKind,
)
from accreditation.selectors.applications import applications_for_user
from accreditation.selectors.screening import conflict_cutoff, detail_panel
from accreditation.services.assignments import (
    assessor_capability_grant,
    assessors_assign,
    assignment_accept,
    assignment_create,
    assignment_decline,
    assignment_remove,
    interest_declare,
    interest_end,
)
from accreditation.services.screening import application_accept, application_return
from providers.models import Membership, MembershipRole
from qismet_portal.exceptions import DomainError, TransitionNotAllowed
from qismet_portal.working_days import add_working_days
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory

from .journey import in_assessment, submitted_application

pytestmark = pytest.mark.django_db


def _due():
    return add_working_days(timezone.localdate(), 20)


def _accepted(stage):
    stage.application = application_accept(application=stage.application, user=stage.administrator)
    return stage


def _interest(assessor, organisation, *, ended_on=None, kind=InterestKind.EMPLOYED):
    return DeclaredInterest.objects.create(
        profile=assessor.assessor_profile,
        organisation=organisation,
        kind=kind,
        started_on=timezone.localdate() - timedelta(days=3000),
        ended_on=ended_on,
        declared_by=assessor,
    )


# --- screening ------------------------------------------------------------------------------


def test_accepting_moves_it_to_assessment_and_records_who(django_capture_on_commit_callbacks):
    stage = submitted_application(criteria_per_theme=1)
    lead = stage.application.started_by
    accepted = application_accept(application=stage.application, user=stage.administrator)
    assert accepted.status == ApplicationStatus.IN_ASSESSMENT
    event = accepted.events.filter(kind=ApplicationEvent.Kind.STATUS).last()
    assert (event.from_status, event.to_status, event.actor) == (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        stage.administrator,
    )
    assert Notification.objects.filter(user=lead, message__contains="accepted").exists()


def test_only_administrators_screen(assessor):
    stage = submitted_application(criteria_per_theme=1)
    with pytest.raises(DomainError):
        application_accept(application=stage.application, user=assessor)
    with pytest.raises(DomainError):
        application_return(
            application=stage.application, user=stage.application.started_by, reasons="x"
        )
    stage.application.refresh_from_db()
    assert stage.application.status == ApplicationStatus.SUBMITTED


def test_a_return_needs_reasons_and_reopens_the_application(django_capture_on_commit_callbacks):
    stage = submitted_application(criteria_per_theme=1)
    with pytest.raises(DomainError, match="Say what the provider needs to change"):
        application_return(application=stage.application, user=stage.administrator, reasons="  ")
    organisation = stage.application.programme.organisation
    signatory = MembershipFactory(signatory=True, organisation=organisation).user
    contributor = MembershipFactory(role=MembershipRole.CONTRIBUTOR, organisation=organisation).user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returned = application_return(
            application=stage.application,
            user=stage.administrator,
            reasons="Criterion 2.1 has no curriculum attached.",
        )
    assert returned.status == ApplicationStatus.RETURNED
    assert returned.is_editable
    event = returned.events.filter(kind=ApplicationEvent.Kind.STATUS).last()
    assert event.reason == "Criterion 2.1 has no curriculum attached."
    # The organisation's lead and whoever can sign are emailed; a plain contributor is not.
    (email,) = mail.outbox
    lead = stage.application.started_by
    expected = set(
        Membership.objects.filter(organisation=organisation)
        .filter(Q(role=MembershipRole.LEAD) | Q(can_sign=True))
        .values_list("user__email", flat=True)
    )
    assert {lead.email, signatory.email} <= expected
    assert sorted(email.to) == sorted(expected)
    assert contributor.email not in email.to
    assert "Criterion 2.1 has no curriculum attached." in email.body
    assert stage.application.reference in email.subject
    assert Notification.objects.filter(user=signatory, message__contains="returned").exists()
    assert not Notification.objects.filter(user=contributor).exists()
    # The provider sees the reasons at the top of the application.
    panel = detail_panel(returned, lead)
    assert panel["screening_return"].reason == "Criterion 2.1 has no curriculum attached."


def test_a_return_after_acceptance_is_refused():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    with pytest.raises(TransitionNotAllowed):
        application_return(application=stage.application, user=stage.administrator, reasons="x")


# --- profiles -------------------------------------------------------------------------------


def test_a_new_assessor_account_comes_with_a_profile(administrator):
    user = user_create_and_invite(
        email="new.assessor@example.org",
        full_name="New Assessor",
        role=Role.ASSESSOR,
        created_by=administrator,
    )
    assert AssessorProfile.objects.filter(user=user, is_active=True).exists()
    provider = user_create_and_invite(
        email="someone@example.org", full_name="Someone", role=Role.PROVIDER, created_by=None
    )
    assert not AssessorProfile.objects.filter(user=provider).exists()


def test_an_administrator_can_take_the_assessor_capability(administrator):
    assert not AssessorProfile.objects.filter(user=administrator).exists()
    profile = assessor_capability_grant(user=administrator, granted_by=administrator)
    assert profile.is_active
    colleague = AdministratorFactory()
    assessor_capability_grant(user=colleague, granted_by=administrator)
    assert AssessorProfile.objects.filter(user=colleague).exists()
    with pytest.raises(DomainError):
        assessor_capability_grant(user=administrator, granted_by=AssessorFactory())


def test_an_administrator_with_a_profile_can_be_assigned():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    admin_assessor = AdministratorFactory()
    assessor_capability_grant(user=admin_assessor, granted_by=stage.administrator)
    assignment = assignment_create(
        application=stage.application,
        assessor=admin_assessor,
        role=AssignmentRole.LEAD,
        due_on=_due(),
        user=stage.administrator,
    )
    assert assignment.status == AssignmentStatus.OFFERED


def test_an_administrator_without_a_profile_cannot_be_assigned():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    with pytest.raises(DomainError, match="does not have an assessor profile"):
        assignment_create(
            application=stage.application,
            assessor=AdministratorFactory(),
            role=AssignmentRole.LEAD,
            due_on=_due(),
            user=stage.administrator,
        )


# --- conflicts of interest ------------------------------------------------------------------


def _assign(stage, assessor, role=AssignmentRole.LEAD):
    return assignment_create(
        application=stage.application,
        assessor=assessor,
        role=role,
        due_on=_due(),
        user=stage.administrator,
    )


def test_an_ongoing_interest_refuses_and_names_it():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    organisation = stage.application.programme.organisation
    assessor = AssessorFactory()
    _interest(assessor, organisation, kind=InterestKind.CONSULTANCY)
    with pytest.raises(DomainError) as refused:
        _assign(stage, assessor)
    assert organisation.name in str(refused.value)
    assert "advised or did consultancy" in str(refused.value)
    assert "ongoing" in str(refused.value)
    assert not stage.application.assignments.exists()


def test_an_interest_ended_two_years_less_a_day_ago_refuses():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    ended = conflict_cutoff() + timedelta(days=1)
    _interest(assessor, stage.application.programme.organisation, ended_on=ended)
    with pytest.raises(DomainError, match="declared an interest"):
        _assign(stage, assessor)


def test_an_interest_ended_two_years_and_a_day_ago_allows():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    ended = conflict_cutoff() - timedelta(days=1)
    _interest(assessor, stage.application.programme.organisation, ended_on=ended)
    assert _assign(stage, assessor).status == AssignmentStatus.OFFERED


def test_the_window_is_two_years_to_the_day():
    today = timezone.localdate()
    assert conflict_cutoff(today.replace(year=2026, month=3, day=1)).isoformat() == "2024-03-01"
    assert conflict_cutoff(today.replace(year=2028, month=2, day=29)).isoformat() == "2026-02-28"


def test_an_interest_in_another_organisation_does_not_conflict():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    other = MembershipFactory().organisation
    _interest(assessor, other)
    assert _assign(stage, assessor).status == AssignmentStatus.OFFERED


# --- assignment rules -----------------------------------------------------------------------


def test_the_same_person_cannot_be_lead_and_second():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    _assign(stage, assessor, AssignmentRole.LEAD)
    with pytest.raises(DomainError, match="both the lead and the second"):
        _assign(stage, assessor, AssignmentRole.SECOND)
    with pytest.raises(DomainError, match="both the lead and the second"):
        assessors_assign(
            application=stage.application,
            choices={"second": assessor},
            due_on=_due(),
            user=stage.administrator,
        )


def test_a_role_holds_one_person_at_a_time():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    first = _assign(stage, AssessorFactory())
    with pytest.raises(DomainError, match="Replace them first"):
        _assign(stage, AssessorFactory())
    assert first.assessor.full_name


def test_inactive_profiles_and_accounts_are_refused():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    resting = AssessorFactory()
    AssessorProfile.objects.filter(user=resting).update(is_active=False)
    with pytest.raises(DomainError, match="not taking assignments"):
        _assign(stage, resting)
    gone = AssessorFactory(is_active=False)
    with pytest.raises(DomainError, match="deactivated"):
        _assign(stage, gone)


def test_assessors_cannot_be_assigned_before_acceptance_or_by_non_administrators(assessor):
    stage = submitted_application(criteria_per_theme=1)
    with pytest.raises(DomainError, match="Accept it for assessment first"):
        _assign(stage, AssessorFactory())
    _accepted(stage)
    with pytest.raises(DomainError, match="Only an administrator"):
        assignment_create(
            application=stage.application,
            assessor=AssessorFactory(),
            role=AssignmentRole.LEAD,
            due_on=_due(),
            user=assessor,
        )
    with pytest.raises(DomainError, match="after today"):
        assignment_create(
            application=stage.application,
            assessor=AssessorFactory(),
            role=AssignmentRole.LEAD,
            due_on=timezone.localdate(),
            user=stage.administrator,
        )


def test_assigning_records_history_and_tells_the_assessor(django_capture_on_commit_callbacks):
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory(full_name="Priya Shah")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _assign(stage, assessor)
    event = stage.application.events.get(kind=ApplicationEvent.Kind.ASSESSOR_ASSIGNED)
    assert "Priya Shah as lead assessor" in event.detail
    assert event.actor == stage.administrator
    (email,) = mail.outbox
    assert email.to == [assessor.email]
    body = email.body
    assert stage.application.programme.organisation.name in body
    assert f"/applications/assignments/{assignment.pk}/" in body
    assert Notification.objects.filter(user=assessor, url__contains=str(assignment.pk)).exists()
    # Offered is not accepted: the application stays out of their reach.
    assert not applications_for_user(assessor).filter(pk=stage.application.pk).exists()


def test_accepting_signs_the_declaration_and_opens_the_application(
    django_capture_on_commit_callbacks,
):
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    other_admin = AdministratorFactory()
    assignment = _assign(stage, assessor)
    with pytest.raises(DomainError, match="Tick the box"):
        assignment_accept(assignment=assignment, user=assessor, confirmed=False)
    with pytest.raises(DomainError, match="Only the person offered"):
        assignment_accept(assignment=assignment, user=AssessorFactory(), confirmed=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = assignment_accept(assignment=assignment, user=assessor, confirmed=True)
    assert accepted.status == AssignmentStatus.ACCEPTED
    assert accepted.declared_at is not None
    assert stage.application.programme.organisation.name in accepted.declaration_text
    assert applications_for_user(assessor).filter(pk=stage.application.pk).exists()
    event = stage.application.events.get(kind=ApplicationEvent.Kind.ASSIGNMENT_ACCEPTED)
    assert event.actor == assessor
    (email,) = mail.outbox
    assert sorted(email.to) == sorted([stage.administrator.email, other_admin.email])
    assert Notification.objects.filter(user=other_admin, message__contains="accepted").exists()
    with pytest.raises(DomainError, match="no longer waiting"):
        assignment_decline(assignment=accepted, user=assessor, reason="Changed my mind")


def test_an_interest_declared_after_the_offer_means_declining():
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    assignment = _assign(stage, assessor)
    interest_declare(
        profile=assessor.assessor_profile,
        user=assessor,
        organisation=stage.application.programme.organisation,
        kind=InterestKind.FUNDED,
    )
    # Administrators hear of the conflict on a live assignment.
    assert Notification.objects.filter(
        user=stage.administrator, message__contains="declared an interest"
    ).exists()
    with pytest.raises(DomainError, match="decline instead"):
        assignment_accept(assignment=assignment, user=assessor, confirmed=True)
    declined = assignment_decline(assignment=assignment, user=assessor, reason="I advise them.")
    assert declined.status == AssignmentStatus.DECLINED


def test_declining_needs_a_reason_and_tells_administrators(django_capture_on_commit_callbacks):
    stage = _accepted(submitted_application(criteria_per_theme=1))
    assessor = AssessorFactory()
    assignment = _assign(stage, assessor)
    with pytest.raises(DomainError, match="Say why"):
        assignment_decline(assignment=assignment, user=assessor, reason=" ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment_decline(assignment=assignment, user=assessor, reason="No time in March.")
    event = stage.application.events.get(kind=ApplicationEvent.Kind.ASSIGNMENT_DECLINED)
    assert event.reason == "No time in March."
    (email,) = mail.outbox
    assert email.to == [stage.administrator.email]
    assert "No time in March." in email.body
    # The place is free again: someone else can be assigned.
    assert _assign(stage, AssessorFactory()).status == AssignmentStatus.OFFERED


def test_reassigning_removes_then_assigns_someone_else():
    stage = in_assessment(criteria_per_theme=1)
    with pytest.raises(DomainError, match="Say why"):
        assignment_remove(assignment=stage.lead, user=stage.administrator, reason="")
    removed = assignment_remove(
        assignment=stage.lead, user=stage.administrator, reason="Off sick for a month."
    )
    assert removed.status == AssignmentStatus.REMOVED
    event = stage.application.events.get(kind=ApplicationEvent.Kind.ASSESSOR_REMOVED)
    assert event.reason == "Off sick for a month."
    assert stage.lead.assessor.full_name in event.detail
    # The removed assessor can no longer see the application.
    assert not applications_for_user(stage.lead.assessor).filter(pk=stage.application.pk).exists()
    replacement = _assign(stage, AssessorFactory())
    assert replacement.role == AssignmentRole.LEAD
    with pytest.raises(DomainError, match="no longer on this application"):
        assignment_remove(assignment=removed, user=stage.administrator, reason="again")


def test_the_journey_builder_uses_the_services():
    stage = in_assessment(criteria_per_theme=1)
    kinds = list(stage.application.events.values_list("kind", flat=True))
    assert kinds.count(ApplicationEvent.Kind.ASSESSOR_ASSIGNED) == 2
    assert kinds.count(ApplicationEvent.Kind.ASSIGNMENT_ACCEPTED) == 2
    assert stage.lead.declared_at and stage.second.declared_at


# --- interests ------------------------------------------------------------------------------


def test_interests_are_declared_and_ended_by_their_owner():
    assessor = AssessorFactory()
    organisation = MembershipFactory().organisation
    interest = interest_declare(
        profile=assessor.assessor_profile,
        user=assessor,
        organisation=organisation,
        kind=InterestKind.EMPLOYED,
        started_on=timezone.localdate() - timedelta(days=400),
    )
    with pytest.raises(DomainError, match="your own"):
        interest_end(interest=interest, user=AssessorFactory(), ended_on=timezone.localdate())
    with pytest.raises(DomainError, match="today or in the past"):
        interest_end(
            interest=interest, user=assessor, ended_on=timezone.localdate() + timedelta(days=1)
        )
    ended = interest_end(interest=interest, user=assessor, ended_on=timezone.localdate())
    assert ended.ended_on == timezone.localdate()
    with pytest.raises(DomainError, match="already ended"):
        interest_end(interest=interest, user=assessor, ended_on=timezone.localdate())
    with pytest.raises(DomainError, match="end date must be the same as or after"):
        interest_declare(
            profile=assessor.assessor_profile,
            user=assessor,
            organisation=organisation,
            kind=InterestKind.OTHER,
            started_on=timezone.localdate() - timedelta(days=10),
            ended_on=timezone.localdate() - timedelta(days=20),
        )
