"""Who may sign and submit: anyone in the organisation with the right to sign, lead or
contributor; the workspace says who from the start and warns the lead when nobody can."""

import re

import pytest
from django.urls import reverse

from accreditation.models import Application, ApplicationStatus
from providers import services as provider_services
from providers.models import MembershipRole
from qismet_portal.exceptions import DomainError
from tests.factories import MembershipFactory

from .factories import started_application
from .test_applications import complete, submit

pytestmark = pytest.mark.django_db

SIGN = {"full_name": "Gareth Jones", "role": "Service lead", "confirm": "on"}


def _give_right(user):
    provider_services.membership_set_signing(
        membership=user.membership, can_sign=True, changed_by=user
    )
    user.refresh_from_db()
    return user


def _detail(application) -> str:
    return reverse("accreditation:application_detail", args=[application.pk])


def _submit_url(application) -> str:
    return reverse("accreditation:application_submit", args=[application.pk])


# permissions and the service ---------------------------------------------------------------


def test_a_lone_lead_with_the_right_signs_and_submits(login):
    application = complete(started_application(criteria_per_theme=1))
    lead = _give_right(application.started_by)
    assert lead.has_perm("accreditation.submit_application", application)
    response = login(lead).post(_submit_url(application), SIGN)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declaration_signed_by == lead


def test_a_lead_without_the_right_cannot_submit():
    application = complete(started_application(criteria_per_theme=1))
    lead = application.started_by
    assert not lead.has_perm("accreditation.submit_application", application)
    with pytest.raises(DomainError, match="with the right to sign declarations"):
        submit(application, lead)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_a_contributor_with_the_right_can_submit():
    application = complete(started_application(criteria_per_theme=1))
    contributor = MembershipFactory(
        organisation=application.programme.organisation,
        role=MembershipRole.CONTRIBUTOR,
        can_sign=True,
    ).user
    assert contributor.has_perm("accreditation.submit_application", application)
    assert submit(application, contributor).status == ApplicationStatus.SUBMITTED


def test_a_contributor_without_the_right_cannot_submit():
    application = complete(started_application(criteria_per_theme=1))
    contributor = MembershipFactory(
        organisation=application.programme.organisation, role=MembershipRole.CONTRIBUTOR
    ).user
    assert not contributor.has_perm("accreditation.submit_application", application)


def test_the_right_taken_away_means_no_submitting():
    application = complete(started_application(criteria_per_theme=1))
    lead = _give_right(application.started_by)
    provider_services.membership_set_signing(
        membership=lead.membership, can_sign=False, changed_by=lead
    )
    lead.refresh_from_db()
    assert not lead.has_perm("accreditation.submit_application", application)


# the workspace -----------------------------------------------------------------------------


def test_the_workspace_names_who_can_sign_from_the_start(login):
    application = started_application(criteria_per_theme=1)  # nothing answered yet
    organisation = application.programme.organisation
    MembershipFactory(organisation=organisation, signatory=True, user__full_name="Ruth Adeyemi")
    MembershipFactory(
        organisation=organisation, role="lead", can_sign=True, user__full_name="Gareth Jones"
    )
    MembershipFactory(organisation=organisation, role="contributor", user__full_name="Sam Patel")
    content = login(application.started_by).get(_detail(application)).content.decode()
    assert "Before it can be submitted" in content  # not ready, and still says who can sign
    assert "Who can sign and submit" in content
    section = re.search(r'id="signatories-heading".*?</section>', content, re.S).group(0)
    assert "Gareth Jones" in section and "Ruth Adeyemi" in section
    assert "Sam Patel" not in section
    assert "Nobody can sign" not in content


def test_the_workspace_says_you_when_you_can_sign(login):
    application = started_application(criteria_per_theme=1)
    lead = _give_right(application.started_by)
    content = login(lead).get(_detail(application)).content.decode()
    assert re.search(rf"{lead.full_name}</span> \(you\)", content)


def test_the_lead_is_warned_when_nobody_can_sign_with_a_link_to_the_users_page(login):
    application = started_application(criteria_per_theme=1)
    content = login(application.started_by).get(_detail(application)).content.decode()
    warning = re.search(r'<section class="alert alert-warning".*?</section>', content, re.S)
    assert warning, "no warning"
    assert "Nobody can sign and submit this application yet" in warning.group(0)
    assert f'href="{reverse("providers:member_list")}"' in warning.group(0)


def test_a_contributor_is_told_to_ask_the_lead_when_nobody_can_sign(login):
    application = started_application(criteria_per_theme=1)
    contributor = MembershipFactory(
        organisation=application.programme.organisation, role="contributor"
    ).user
    content = login(contributor).get(_detail(application)).content.decode()
    assert "Nobody can sign and submit this application yet" in content
    assert "Ask your organisation's lead to give someone the right to sign" in content
    assert reverse("providers:member_list") not in content.split("<main", 1)[1]


def test_a_deactivated_or_removed_signatory_does_not_count(login):
    application = started_application(criteria_per_theme=1)
    organisation = application.programme.organisation
    MembershipFactory(organisation=organisation, signatory=True, user__is_active=False)
    removed = MembershipFactory(organisation=organisation, signatory=True)
    provider_services.membership_remove(membership=removed, removed_by=application.started_by)
    content = login(application.started_by).get(_detail(application)).content.decode()
    assert "Nobody can sign and submit this application yet" in content


def test_nothing_about_signing_once_submitted(login):
    application = complete(started_application(criteria_per_theme=1))
    lead = _give_right(application.started_by)
    submit(application, lead)
    content = login(lead).get(_detail(application)).content.decode()
    assert "Who can sign and submit" not in content
    assert "Nobody can sign" not in content


def test_administrators_see_who_can_sign_without_the_lead_link(login, administrator):
    application = started_application(criteria_per_theme=1)
    content = login(administrator).get(_detail(application)).content.decode()
    assert "Nobody can sign and submit this application yet" in content
    assert reverse("providers:member_list") not in content.split("<main", 1)[1]


# the submit page ---------------------------------------------------------------------------


def test_the_submit_page_refuses_clearly_and_names_who_can(login):
    application = complete(started_application(criteria_per_theme=1))
    MembershipFactory(
        organisation=application.programme.organisation,
        signatory=True,
        user__full_name="Ruth Adeyemi",
    )
    contributor = MembershipFactory(
        organisation=application.programme.organisation, role="contributor"
    ).user
    response = login(contributor).get(_submit_url(application))
    assert response.status_code == 403
    content = response.content.decode()
    assert "You cannot sign and submit this application" in content
    assert "You do not have that right" in content
    assert "Ruth Adeyemi" in content
    assert 'type="checkbox"' not in content
    posted = login(contributor).post(_submit_url(application), SIGN)
    assert posted.status_code == 403
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_the_submit_page_tells_a_lead_how_to_fix_it_when_nobody_can_sign(login):
    application = complete(started_application(criteria_per_theme=1))
    response = login(application.started_by).get(_submit_url(application))
    assert response.status_code == 403
    content = response.content.decode()
    assert "Nobody in your organisation has the right to sign yet" in content
    assert f'href="{reverse("providers:member_list")}"' in content


def test_another_organisation_cannot_reach_the_submit_page(login):
    application = complete(started_application(criteria_per_theme=1))
    outsider = MembershipFactory(signatory=True).user
    assert login(outsider).get(_submit_url(application)).status_code == 404
