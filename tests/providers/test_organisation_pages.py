"""The provider's own organisation page and its details; query-count guards on every list."""

import pytest
from django.urls import reverse

from providers.models import MembershipRole
from tests.factories import MembershipFactory

from .factories import AccountRequestFactory, ProgrammeFactory, make_invitation

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "Alpha Self-Management CIC",
    "address": "2 New Road\nLeeds",
    "postcode": "LS2 2BB",
    "region": "yorkshire",
    "contact_name": "Alma Contact",
    "contact_email": "alma@alpha.example.org",
    "contact_phone": "0113 111 1111",
    "charity_number": "",
    "company_number": "12345678",
    "nhs_ods_code": "",
}


def test_organisation_page_shows_details_people_invitations_and_programmes(login, org_a):
    page = login(org_a.lead).get(reverse("providers:organisation_home"))
    assert page.status_code == 200
    content = page.content
    assert b'<h1 class="h2 mb-1">Alpha Self-Management</h1>' in content
    assert b"You are a lead of this organisation." in content
    for text in (
        org_a.lead.full_name,
        org_a.contributor.full_name,
        org_a.signatory.full_name,
        "Contributor",
        "Contributor · can sign",
        org_a.invitation.email,
        org_a.programme.name,
    ):
        assert text.encode() in content
    for action in ("Edit details", "Invite a colleague", "Add a programme"):
        assert action.encode() in content


@pytest.mark.parametrize("who", ["contributor", "signatory"])
def test_organisation_page_is_read_only_for_other_roles(login, org_a, who):
    content = login(getattr(org_a, who)).get(reverse("providers:organisation_home")).content
    role = "contributor" if who == "signatory" else who
    assert f"You are a {role} of this organisation".encode() in content
    assert org_a.programme.name.encode() in content
    assert org_a.lead.full_name.encode() in content
    for action in ("Edit details", "Invite a colleague", "Add a programme"):
        assert action.encode() not in content
    assert org_a.invitation.email.encode() not in content


def test_navigation_offers_your_organisation_to_provider_users_only(login, org_a, assessor):
    url = reverse("providers:organisation_home").encode()
    assert url in login(org_a.contributor).get(reverse("home")).content
    assert url not in login(assessor).get(reverse("home")).content


def test_lead_edits_the_organisations_details(login, org_a):
    response = login(org_a.lead).post(reverse("providers:organisation_edit"), DETAILS, follow=True)
    assert response.redirect_chain[-1][0] == reverse("providers:organisation_home")
    assert b"details have been saved" in response.content
    org_a.organisation.refresh_from_db()
    assert org_a.organisation.name == "Alpha Self-Management CIC"
    assert org_a.organisation.company_number == "12345678"
    assert org_a.organisation.region == "yorkshire"


def test_edit_errors_keep_what_was_typed(login, org_a, org_b):
    response = login(org_a.lead).post(
        reverse("providers:organisation_edit"),
        {**DETAILS, "name": org_b.organisation.name.lower(), "contact_email": "nope"},
    )
    assert response.status_code == 200
    assert b"An organisation with this name is already registered." in response.content
    assert b"in the correct format, like name@example.com" in response.content
    assert b'value="Alma Contact"' in response.content
    assert b'<p class="lead text-body-secondary">Alpha Self-Management</p>' in response.content
    org_a.organisation.refresh_from_db()
    assert org_a.organisation.name == "Alpha Self-Management"


# query-count guards: the bound is the same for 2 rows and for 30 --------------------------


def _fill(org, count):
    for n in range(count):
        MembershipFactory(organisation=org.organisation, role=MembershipRole.CONTRIBUTOR)
        ProgrammeFactory(organisation=org.organisation, name=f"Extra programme {n}")
        make_invitation(organisation=org.organisation, invited_by=org.lead)


@pytest.mark.parametrize("rows", [2, 30])
@pytest.mark.parametrize(
    ("name", "bound"),
    [
        # session, user, membership, organisation, then one query per list shown
        ("providers:organisation_home", 7),
        ("providers:member_list", 7),
        ("providers:programme_list", 5),
    ],
)
def test_provider_pages_use_a_bounded_number_of_queries(
    login, org_a, rows, name, bound, django_assert_max_num_queries
):
    _fill(org_a, rows)
    client = login(org_a.lead)
    with django_assert_max_num_queries(bound):
        response = client.get(reverse(name))
    assert response.status_code == 200
    if name == "providers:member_list":
        # every member but the only lead, whose role cannot change
        assert response.content.count(b"Change role<span") == rows + 2
        assert response.content.count(b"Resend invitation<span") == rows + 1
    else:
        assert response.content.count(b"Extra programme") == rows


@pytest.mark.parametrize("rows", [2, 30])
def test_administrator_pages_use_a_bounded_number_of_queries(
    login, administrator, org_a, rows, django_assert_max_num_queries
):
    _fill(org_a, rows)
    for n in range(rows):
        AccountRequestFactory(organisation_name=f"Waiting {n}")
    client = login(administrator)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("providers:account_request_list"))
    assert response.content.count(b"Waiting ") >= rows
    with django_assert_max_num_queries(6):
        response = client.get(
            reverse("providers:organisation_detail", kwargs={"pk": org_a.organisation.pk})
        )
    assert response.content.count(b"Extra programme") == rows
    with django_assert_max_num_queries(4):
        assert client.get(reverse("providers:organisation_list")).status_code == 200
