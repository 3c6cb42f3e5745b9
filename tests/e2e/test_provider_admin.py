"""A provider's lead runs their organisation in Chromium: invites a colleague, who joins through
the emailed link, and adds a programme. Plus the public account request and its review."""

import re

import pytest
from django.core import mail

from providers.models import MembershipRole, Programme
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(db):
    organisation = OrganisationFactory(
        name="Riverside Pain Self-Management",
        address="1 River Road\nBristol",
        postcode="BS1 1AA",
        region="south_west",
        contact_name="Rory Lead",
        contact_email="rory@riverside.example.org",
        charity_number="1234567",
    )
    return MembershipFactory(
        organisation=organisation,
        role=MembershipRole.LEAD,
        user__full_name="Rory Lead",
        user__email="rory@riverside.example.org",
    ).user


def _invitation_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/providers/join/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_lead_invites_a_contributor_who_joins_and_lead_adds_a_programme(
    page, live_server, lead, sign_in, screenshot, assert_accessible, console_errors
):
    sign_in(lead)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Your organisation"
    ).click()
    assert page.get_by_role("heading", level=1, name="Riverside Pain Self-Management").is_visible()
    assert_accessible("organisation page")
    screenshot("provider-organisation")

    page.get_by_role("link", name="Invite a colleague").first.click()
    assert page.get_by_role("heading", level=1, name="Invite a colleague").is_visible()
    page.get_by_label("Their email address").fill("casey@riverside.example.org")
    page.get_by_role("radio", name=re.compile(r"^Contributor")).check()
    assert_accessible("invitation form")
    screenshot("provider-invite")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text(
        "We have emailed an invitation to casey@riverside.example.org"
    ).is_visible()
    assert page.get_by_role("heading", name="casey@riverside.example.org").is_visible()
    assert_accessible("users page")
    screenshot("provider-users")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["casey@riverside.example.org"]
    link = _invitation_path(mail.outbox[0])

    # the colleague opens the emailed link in a browser where nobody is signed in
    page.context.clear_cookies()
    page.goto(live_server.url + link)
    assert page.get_by_role(
        "heading", level=1, name="Join Riverside Pain Self-Management"
    ).is_visible()
    page.get_by_label("Your full name").fill("Casey Contributor")
    page.get_by_label("Choose a password").fill("kettle-orchard-velvet-88")
    page.get_by_label("Type the password again").fill("kettle-orchard-velvet-88")
    assert_accessible("accept invitation")
    screenshot("provider-accept-invitation")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("Welcome, Casey Contributor").is_visible()
    assert page.get_by_role("heading", level=1, name="Riverside Pain Self-Management").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_text("Casey Contributor").is_visible()
    assert_accessible("contributor home")
    screenshot("provider-contributor-home")

    # the link works once (the page says so with status 410, which the console reports)
    assert console_errors == []
    page.context.clear_cookies()
    page.goto(live_server.url + link)
    assert page.get_by_role("heading", name="This invitation has already been used").is_visible()
    assert [e for e in console_errors if "410 (Gone)" not in e] == []
    console_errors.clear()

    # the lead adds a programme
    sign_in(lead)
    page.goto(live_server.url + "/providers/your-organisation/")
    page.get_by_role("link", name="Add a programme").click()
    page.get_by_label("Programme name").fill("Living Well with Pain")
    page.get_by_label("Long-term conditions covered").fill("Chronic pain; fibromyalgia")
    page.get_by_role("radio", name="Group sessions").check()
    page.get_by_label("Description").fill("Six weekly two-hour sessions led by trained peers.")
    assert_accessible("programme form")
    screenshot("provider-programme-form")
    page.get_by_role("button", name="Add programme").click()
    assert page.get_by_text("Living Well with Pain has been added to your programmes.").is_visible()
    assert page.get_by_role("link", name="Living Well with Pain").is_visible()
    assert Programme.objects.filter(
        name="Living Well with Pain", organisation=lead.membership.organisation
    ).exists()
    assert_accessible("programme list")
    screenshot("provider-programmes")

    page.get_by_role("link", name="Living Well with Pain").click()
    assert page.get_by_role("heading", level=1, name="Living Well with Pain").is_visible()
    assert_accessible("programme page")
    screenshot("provider-programme-detail")

    page.goto(live_server.url + "/providers/your-organisation/")
    people = page.get_by_role("list", name=re.compile("^People in"))
    assert people.get_by_text("Casey Contributor").is_visible()
    assert people.get_by_text("Contributor", exact=True).is_visible()
    screenshot("provider-organisation-after")
    assert console_errors == []


def test_contributor_sees_the_organisation_read_only(
    page, live_server, lead, sign_in, assert_accessible, screenshot
):
    contributor = MembershipFactory(
        organisation=lead.membership.organisation,
        role=MembershipRole.CONTRIBUTOR,
        user__full_name="Casey Contributor",
    ).user
    sign_in(contributor)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Your organisation"
    ).click()
    assert page.get_by_text("You are a contributor of this organisation.").is_visible()
    assert page.get_by_role("link", name="Edit details").count() == 0
    assert page.get_by_role("link", name="Add a programme").count() == 0
    assert_accessible("organisation page, contributor")
    screenshot("provider-organisation-contributor")


def test_lead_removes_a_member_after_confirming(page, live_server, lead, sign_in, console_errors):
    MembershipFactory(
        organisation=lead.membership.organisation,
        signatory=True,
        user__full_name="Sid Signatory",
    )
    sign_in(lead)
    page.goto(live_server.url + "/providers/your-organisation/users/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Remove Sid Signatory").click()
    # dismissed: nothing changed
    assert page.get_by_role("heading", name="Sid Signatory", exact=True).is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Sid Signatory").click()
    assert page.get_by_text("Sid Signatory has been removed").is_visible()
    assert page.get_by_role("heading", name="Former users").is_visible()
    assert console_errors == []


def test_organisation_asks_for_an_account_and_administrator_approves(
    page, live_server, administrator, sign_in, screenshot, assert_accessible, console_errors
):
    page.goto(live_server.url + "/providers/request-an-account/")
    assert page.get_by_role(
        "heading", level=1, name="Ask for an account for your organisation"
    ).is_visible()
    assert_accessible("account request form")
    page.get_by_label("Organisation name").fill("Harbour Diabetes Education")
    page.get_by_label("Region").select_option(label="South West")
    page.get_by_label("Your full name").fill("Hari Harbour")
    page.get_by_label("Your email address").fill("hari@harbour.example.org")
    page.get_by_label("Your self-management programmes").fill(
        "Structured education for adults with type 2 diabetes, in groups of eight."
    )
    screenshot("account-request-form")
    page.get_by_role("button", name="Send request").click()
    assert page.get_by_role("heading", name="Thank you: we have your request").is_visible()
    assert_accessible("account request sent")

    sign_in(administrator)
    assert page.get_by_text("1 waiting").is_visible()
    page.get_by_role("link", name="Requests for an account").first.click()
    assert_accessible("account request list")
    screenshot("account-request-list")
    page.get_by_role("link", name="Harbour Diabetes Education").click()
    assert_accessible("account request detail")
    screenshot("account-request-detail")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Approve and invite Hari Harbour").click()
    assert page.get_by_role("heading", level=1, name="Harbour Diabetes Education").is_visible()
    assert page.get_by_text("hari@harbour.example.org").first.is_visible()
    assert_accessible("approved organisation")
    screenshot("account-request-approved")
    assert mail.outbox[-1].to == ["hari@harbour.example.org"]
    assert console_errors == []
