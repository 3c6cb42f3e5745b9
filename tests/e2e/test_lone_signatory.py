"""A one-person provider signs and submits in Chromium.

Northfield's lead is alone. The workspace warns them from the start that nobody can sign; the
link takes them to the users page, where they give themself the right to sign; the header and
the workspace then say so, and they sign the declaration and submit. The workspace and the users
page are checked with axe and photographed at desktop and phone (390 × 844) widths.
"""

import re

import pytest
from playwright.sync_api import expect

from accreditation.models import Application, ApplicationStatus
from providers.models import Membership, MembershipRole
from tests.accreditation.factories import ProgrammeFactory, started_application
from tests.accreditation.test_applications import complete
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def northfield(db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    organisation = OrganisationFactory(name="Northfield Diabetes Education Service")
    lead = MembershipFactory(
        organisation=organisation,
        role=MembershipRole.LEAD,
        user__full_name="Gareth Jones",
        user__email="gareth.jones@northfield-diabetes.example.nhs.uk",
        user__job_title="Service lead",
    ).user
    ProgrammeFactory(organisation=organisation, name="Structured Diabetes Education")
    application = complete(started_application(lead=lead, criteria_per_theme=1))
    return {"lead": lead, "application": application}


def _both_widths(page, screenshot, assert_accessible, name: str) -> None:
    """Check and photograph the page at desktop width, then at phone width, then go back."""
    page.set_viewport_size(DESKTOP)
    assert_accessible(name)
    screenshot(name)
    page.set_viewport_size(PHONE)
    assert_accessible(f"{name} (phone)")
    screenshot(f"{name}-phone")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways on a phone by {overflow}px"
    page.set_viewport_size(DESKTOP)


def test_a_one_person_provider_gives_itself_the_right_and_submits(
    page, live_server, northfield, sign_in, screenshot, assert_accessible, console_errors
):
    lead, application = northfield["lead"], northfield["application"]
    page.set_viewport_size(DESKTOP)
    sign_in(lead)

    # --- the workspace says from the start that nobody can sign, and where to fix it
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    warning = page.locator("section.alert-warning")
    expect(warning.get_by_role("heading")).to_have_text(
        "Nobody can sign and submit this application yet"
    )
    expect(page.get_by_role("link", name="Sign and submit…")).to_have_count(0)
    _both_widths(page, screenshot, assert_accessible, "lone-lead-workspace-nobody-can-sign")

    # --- to the users page, where the lead gives themself the right
    warning.get_by_role("link", name="users page").click()
    expect(page.get_by_role("heading", level=1, name="Users")).to_be_visible()
    expect(page.get_by_text("Nobody can sign declarations yet")).to_be_visible()
    _both_widths(page, screenshot, assert_accessible, "lone-lead-users-before")
    page.get_by_role("button", name=re.compile(r"^Allow to sign\W+Gareth Jones$")).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "You can now sign declarations and submit applications"
    )
    expect(page.get_by_text("Nobody can sign declarations yet")).to_have_count(0)
    assert Membership.objects.get(user=lead).can_sign
    # the header says what they are for their organisation
    expect(page.locator("nav .badge")).to_have_text("Lead · can sign")
    _both_widths(page, screenshot, assert_accessible, "lone-lead-users-can-sign")

    # the address wraps at the "@" or a dot on a phone, never inside a word
    page.set_viewport_size(PHONE)
    email = page.locator("main .card .text-email").first
    lines = email.evaluate(
        """el => {
            const range = document.createRange();
            const words = [];
            for (const node of el.childNodes) {
                if (node.nodeType !== Node.TEXT_NODE) continue;
                range.selectNodeContents(node);
                words.push(range.getClientRects().length);
            }
            return words;
        }"""
    )
    assert all(count == 1 for count in lines), f"an address part was split: {lines}"
    page.set_viewport_size(DESKTOP)

    # --- back in the workspace: who can sign, and the way to submit
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    who = page.locator("section", has=page.get_by_role("heading", name="Who can sign and submit"))
    expect(who).to_contain_text("Gareth Jones (you)")
    expect(page.get_by_role("heading", name="Ready to submit")).to_be_visible()
    _both_widths(page, screenshot, assert_accessible, "lone-lead-workspace-can-sign")

    # --- sign and submit
    page.get_by_role("link", name="Sign and submit…").click()
    assert page.get_by_label("Your full name").input_value() == "Gareth Jones"
    assert page.get_by_label("Your role or job title").input_value() == "Service lead"
    page.get_by_label(re.compile("I have read the declaration")).check()
    page.get_by_role("button", name="Sign and submit the application").click()
    expect(
        page.get_by_text(f"Application {application.reference} has been submitted")
    ).to_be_visible()
    assert_accessible("lone lead submitted")
    screenshot("lone-lead-submitted")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declaration_signed_by == lead
    assert Application.objects.count() == 1

    # --- the lead's organisation page leads to the application, with its status
    page.goto(f"{live_server.url}/providers/your-organisation/")
    row = page.get_by_role("row", name=re.compile("Structured Diabetes Education|Living well"))
    expect(row.get_by_role("link", name=application.reference)).to_be_visible()
    _both_widths(page, screenshot, assert_accessible, "lone-lead-organisation")
    assert console_errors == []


def test_administrators_organisation_page_links_applications(
    page, live_server, northfield, administrator, sign_in, screenshot, assert_accessible
):
    application = northfield["application"]
    organisation = northfield["lead"].membership.organisation
    sign_in(administrator)
    page.goto(f"{live_server.url}/providers/{organisation.pk}/")
    link = page.get_by_role("link", name=application.reference)
    expect(link.locator("xpath=..")).to_contain_text("Draft")
    _both_widths(page, screenshot, assert_accessible, "admin-organisation-applications")
    link.click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile(application.programme.name))
    ).to_be_visible()


def test_users_and_assessors_at_phone_width_with_resend(
    page, live_server, northfield, administrator, sign_in, screenshot, assert_accessible
):
    from django.core import mail

    from accounts.models import Role
    from accounts.services import user_create_and_invite
    from providers.services import invitation_create

    lead = northfield["lead"]
    organisation = lead.membership.organisation
    MembershipFactory(
        organisation=organisation,
        signatory=True,
        user__full_name="Dr Ruth Adeyemi-Worthington",
        user__email="ruth.adeyemi-worthington@northfield-diabetes.example.nhs.uk",
    )
    invitation_create(
        organisation=organisation,
        email="christopher.featherstonehaugh@northfield-diabetes.example.nhs.uk",
        role=MembershipRole.CONTRIBUTOR,
        can_sign=True,
        invited_by=lead,
    )
    user_create_and_invite(
        email="priyanka.balasubramanian@assessors.qismet.example.org",
        full_name="Priyanka Balasubramanian",
        role=Role.ASSESSOR,
        created_by=administrator,
    )

    sign_in(lead)
    page.goto(f"{live_server.url}/providers/your-organisation/users/")
    expect(page.get_by_text("Contributor · can sign", exact=True)).to_be_visible()
    _both_widths(page, screenshot, assert_accessible, "users-with-colleagues")
    page.get_by_role("button", name=re.compile("^Resend invitation")).click()
    expect(page.get_by_role("alert")).to_contain_text("Earlier links no longer work")
    page.goto(f"{live_server.url}/accounts/logout/")
    page.get_by_role("button", name=re.compile("Sign out")).click()

    sign_in(administrator)
    page.goto(f"{live_server.url}/assessors/")
    _both_widths(page, screenshot, assert_accessible, "assessors-with-invited")
    sent = len(mail.outbox)
    page.get_by_role(
        "button", name=re.compile("^Resend invitation.*Priyanka Balasubramanian")
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("a new link to set a password")
    assert len(mail.outbox) == sent + 1
