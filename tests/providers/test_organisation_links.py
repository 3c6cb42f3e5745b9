"""Organisation pages lead to their programmes' applications; administrators can send the lead's
invitation again from the organisation's page."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import user_create_and_invite
from accreditation.services.applications import application_withdraw
from providers.models import MembershipRole
from tests.accreditation.factories import started_application
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _applications(org):
    draft = started_application(lead=org.lead, criteria_per_theme=1)
    old = started_application(lead=org.lead, version=draft.version)
    application_withdraw(application=old, user=org.lead, reason="Started by mistake")
    return draft, old


def _assert_lists(content: str, application, status: str) -> None:
    url = reverse("accreditation:application_detail", args=[application.pk])
    row = re.search(rf'<a href="{url}">{application.reference}</a>(.*?)</li>', content, re.S)
    assert row, f"no link to {application.reference}"
    assert status in row.group(1)
    assert application.programme.name in content


def test_administrators_organisation_page_links_programmes_to_their_applications(
    login, administrator, org_a
):
    draft, withdrawn = _applications(org_a)
    content = (
        login(administrator)
        .get(reverse("providers:organisation_detail", args=[org_a.organisation.pk]))
        .content.decode()
    )
    _assert_lists(content, draft, "Draft")
    _assert_lists(content, withdrawn, "Withdrawn")
    assert "None yet" in content  # org_a's own programme has no application


def test_the_leads_organisation_page_and_programme_list_link_applications(login, org_a):
    draft, withdrawn = _applications(org_a)
    client = login(org_a.lead)
    for name in ("providers:organisation_home", "providers:programme_list"):
        content = client.get(reverse(name)).content.decode()
        _assert_lists(content, draft, "Draft")
        _assert_lists(content, withdrawn, "Withdrawn")


def test_the_links_lead_to_pages_the_reader_may_open(login, administrator, org_a):
    draft, _ = _applications(org_a)
    url = reverse("accreditation:application_detail", args=[draft.pk])
    assert login(administrator).get(url).status_code == 200
    assert login(org_a.contributor).get(url).status_code == 200


def test_no_other_organisations_applications_are_listed(login, org_a, org_b):
    theirs, _ = _applications(org_b)
    content = login(org_a.lead).get(reverse("providers:organisation_home")).content.decode()
    assert theirs.reference not in content


@pytest.mark.parametrize("rows", [1, 8])
@pytest.mark.parametrize(
    ("who", "name", "bound"),
    [
        ("administrator", "providers:organisation_detail", 7),
        ("lead", "providers:organisation_home", 8),
        ("lead", "providers:programme_list", 6),
    ],
)
def test_organisation_pages_with_applications_use_a_bounded_number_of_queries(
    login, administrator, org_a, rows, who, name, bound, django_assert_max_num_queries
):
    version = None
    for _ in range(rows):
        application = started_application(lead=org_a.lead, version=version, criteria_per_theme=1)
        version = application.version
    client = login(administrator if who == "administrator" else org_a.lead)
    kwargs = {"pk": org_a.organisation.pk} if who == "administrator" else {}
    with django_assert_max_num_queries(bound):
        response = client.get(reverse(name, kwargs=kwargs))
    assert response.content.count(b'class="badge text-bg-secondary">Draft<') == rows


# resending the lead's invitation from the administrators' page -----------------------------


@pytest.fixture
def invited_lead(org_a, administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create_and_invite(
            email="newlead@alpha.example.org",
            full_name="Nadia New",
            role=Role.PROVIDER,
            created_by=administrator,
        )
    mail.outbox.clear()
    return MembershipFactory(user=user, organisation=org_a.organisation, role=MembershipRole.LEAD)


def _resend_url(org, membership) -> str:
    return reverse(
        "providers:organisation_member_resend",
        kwargs={"pk": org.organisation.pk, "member_pk": membership.pk},
    )


def test_organisation_page_offers_resend_to_members_who_have_not_set_a_password(
    login, administrator, org_a, invited_lead
):
    content = (
        login(administrator)
        .get(reverse("providers:organisation_detail", args=[org_a.organisation.pk]))
        .content.decode()
    )
    assert _resend_url(org_a, invited_lead) in content
    assert _resend_url(org_a, org_a.lead_membership) not in content
    assert "Invited: has not set a password yet" in content


def test_administrator_resends_the_leads_invitation(
    login, administrator, org_a, invited_lead, django_capture_on_commit_callbacks
):
    before = User.objects.get(pk=invited_lead.user_id).password
    with django_capture_on_commit_callbacks(execute=True):
        response = login(administrator).post(_resend_url(org_a, invited_lead), follow=True)
    assert "We have emailed newlead@alpha.example.org a new link" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["newlead@alpha.example.org"]]
    assert User.objects.get(pk=invited_lead.user_id).password != before


@pytest.mark.parametrize("who", ["lead", "contributor", "signatory"])
def test_provider_members_cannot_use_the_administrators_resend(login, org_a, invited_lead, who):
    before = User.objects.get(pk=invited_lead.user_id).password
    response = login(getattr(org_a, who)).post(_resend_url(org_a, invited_lead))
    assert response.status_code == 403
    assert User.objects.get(pk=invited_lead.user_id).password == before
    assert mail.outbox == []


def test_a_member_of_another_organisation_is_not_found(login, administrator, org_a, org_b):
    url = reverse(
        "providers:organisation_member_resend",
        kwargs={"pk": org_b.organisation.pk, "member_pk": org_a.lead_membership.pk},
    )
    assert login(administrator).post(url).status_code == 404
