"""A provider prepares and submits an application in Chromium.

The lead starts it, answers the criteria (typing, rating, saving, moving on), uploads evidence
through the file input, watches progress, is stopped by the gap list, completes it; the signatory
signs the declaration and submits; another provider's user cannot see any of it. Every page is
checked with axe and photographed.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accreditation.models import Application, ApplicationStatus
from providers.models import MembershipRole
from tests.accreditation.factories import ProgrammeFactory
from tests.factories import AdministratorFactory, MembershipFactory, OrganisationFactory
from tests.standards.factories import published_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def people(db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    version = published_version(criteria_per_theme=1)  # four criteria, all mandatory
    organisation = OrganisationFactory(name="Brightside Self-Management CIC")
    ProgrammeFactory(organisation=organisation, name="Living Well with Persistent Pain")
    lead = MembershipFactory(
        organisation=organisation, role=MembershipRole.LEAD, user__full_name="Hannah Okafor"
    ).user
    signatory = MembershipFactory(
        organisation=organisation,
        signatory=True,
        user__full_name="Ruth Adeyemi",
        user__job_title="Chief Executive",
    ).user
    outsider = MembershipFactory(
        organisation=OrganisationFactory(name="Northfield Diabetes Education Service"),
        role=MembershipRole.LEAD,
        user__full_name="Gareth Jones",
    ).user
    AdministratorFactory(email="screening@qismet.example.org")
    return {"version": version, "lead": lead, "signatory": signatory, "outsider": outsider}


def _sign_out(page, live_server):
    page.goto(f"{live_server.url}/accounts/logout/")
    page.get_by_role("button", name=re.compile("Sign out")).click()


def _answer(page, narrative: str, rating: str = "Met"):
    page.get_by_label("Your narrative").fill(narrative)
    page.get_by_role("radio", name=rating, exact=True).check()


def _upload(page, name: str, pointer: str = ""):
    page.get_by_label("Files", exact=True).set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": PDF}
    )
    if pointer:
        page.get_by_label(re.compile("^Where to look")).first.fill(pointer)
    page.get_by_role("button", name="Upload files").click()
    # The evidence panel is replaced in place: the page (and anything typed on it) stays.
    panel = page.get_by_role("region", name="Evidence for this criterion")
    expect(panel.get_by_role("status")).to_contain_text(f"Uploaded “{name}” as evidence")


def test_a_provider_prepares_and_submits_an_application(
    page, live_server, people, sign_in, screenshot, assert_accessible, console_errors
):
    lead, signatory = people["lead"], people["signatory"]

    # --- the lead starts an application from the home page
    sign_in(lead)
    page.get_by_role("link", name="Start an application").first.click()
    expect(page.get_by_role("heading", level=1, name="Start an application")).to_be_visible()
    page.get_by_role("radio", name="Living Well with Persistent Pain").check()
    assert_accessible("start an application")
    screenshot("application-start")
    page.get_by_role("button", name="Start the application").click()

    application = Application.objects.get()
    expect(page.get_by_role("heading", level=1, name=re.compile("Living Well"))).to_be_visible()
    expect(page.get_by_text(f"Application {application.reference} started")).to_be_visible()
    expect(page.get_by_text("4 criteria need attention")).to_be_visible()
    assert_accessible("new workspace")
    screenshot("application-workspace-new")

    # --- the first criterion: type, choose a rating, save; autosave works under the CSP
    page.get_by_role("link", name="Criterion 1.1", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^1\.1"))).to_be_visible()
    expect(page.get_by_role("heading", name="Requirement")).to_be_visible()
    page.get_by_label("Your narrative").press_sequentially("Our board meets every two months.")
    page.get_by_text(re.compile(r"^Draft saved at \d\d:\d\d\.$")).wait_for()
    page.get_by_role("radio", name="Met", exact=True).check()
    assert_accessible("criterion page")
    screenshot("application-criterion")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"^\s*Saved at \d\d:\d\d\.\s*$"))

    # leaving with unsaved changes asks first
    page.get_by_label("Your narrative").press("Control+End")
    page.get_by_label("Your narrative").press_sequentially(" Minutes are attached.")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name=re.compile(r"^Next: 2\.1")).click()
    assert dialogs == ["beforeunload"]
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^1\.1"))).to_be_visible()

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Saved at")

    # evidence through the real file input; the saved answer stays as it was
    _upload(page, "board-minutes.pdf", pointer="pages 2 to 4")
    expect(page.get_by_role("link", name="board-minutes.pdf", exact=True)).to_be_visible()
    expect(page.get_by_text("Where to look: pages 2 to 4")).to_be_visible()
    expect(page.get_by_label("Your narrative")).to_have_value(
        "Our board meets every two months. Minutes are attached."
    )
    screenshot("application-criterion-evidence")

    # --- save and go on through the other criteria; the last one gets no evidence yet
    page.get_by_role("button", name="Save and go to next criterion").click()
    for code, rating in [("2.1", "Partially met"), ("3.1", "Met"), ("4.1", "Met")]:
        expect(page.get_by_role("heading", level=1, name=re.compile(rf"^{code}"))).to_be_visible()
        _answer(page, f"How we meet criterion {code}, in our own words.", rating)
        page.get_by_role("button", name="Save", exact=True).click()
        if code != "4.1":
            _upload(page, f"evidence-{code}.pdf")
            page.get_by_role("button", name="Save and go to next criterion").click()

    # --- progress and the gap list
    page.get_by_role("link", name=application.reference).click()
    assert (
        page.get_by_role("progressbar", name="Criteria answered", exact=True).get_attribute("value")
        == "4"
    )
    assert (
        page.get_by_role("progressbar", name="Criteria with evidence", exact=True).get_attribute(
            "value"
        )
        == "3"
    )
    expect(page.get_by_text("1 criterion needs attention")).to_be_visible()
    gap = page.get_by_role("listitem").filter(has_text="Mandatory: no evidence linked yet.")
    assert gap.count() == 1 and "4.1" in gap.inner_text()
    assert_accessible("workspace with gaps")
    screenshot("application-workspace-gaps")
    _sign_out(page, live_server)

    # --- the signatory is stopped by the gap list
    sign_in(signatory)
    page.goto(f"{live_server.url}/applications/{application.pk}/submit/")
    expect(
        page.get_by_role("heading", name="The application cannot be submitted yet")
    ).to_be_visible()
    assert page.get_by_role("checkbox").count() == 0
    assert_accessible("submission blocked")
    screenshot("application-submit-blocked")

    # ... follows the gap to the criterion and adds the missing evidence
    page.get_by_role("link", name=re.compile(r"4\.1")).first.click()
    _upload(page, "kpi-report.pdf", pointer="table 2")

    # --- now ready: sign the declaration and submit
    page.get_by_role("link", name=application.reference).click()
    expect(page.get_by_role("heading", name="Ready to submit")).to_be_visible()
    page.get_by_role("link", name="Sign and submit…").click()
    expect(page.get_by_text("true and complete to the best of my knowledge")).to_be_visible()
    assert page.get_by_label("Your full name").input_value() == "Ruth Adeyemi"
    assert page.get_by_label("Your role or job title").input_value() == "Chief Executive"
    assert_accessible("declaration")
    screenshot("application-declaration")
    page.get_by_role("button", name="Sign and submit the application").click()
    # not ticked: the browser keeps them on the page (the server refuses it too, see the tests)
    expect(
        page.get_by_role("heading", level=1, name="Sign and submit the application")
    ).to_be_visible()
    assert Application.objects.get().status == ApplicationStatus.DRAFT
    page.get_by_label(re.compile("I have read the declaration")).check()
    page.get_by_role("button", name="Sign and submit the application").click()

    expect(
        page.get_by_text(f"Application {application.reference} has been submitted")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Submitted on"))).to_be_visible()
    expect(page.get_by_text("What happens next").first).to_be_visible()
    assert_accessible("submitted application")
    screenshot("application-submitted")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declaration_name == "Ruth Adeyemi"
    subjects = sorted(message.subject for message in mail.outbox)
    assert any("submitted for screening" in subject for subject in subjects)

    # the criteria are now read-only
    page.get_by_role("link", name="Criterion 1.1", exact=True).click()
    expect(page.get_by_text("so this answer can no longer be changed")).to_be_visible()
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    assert page.get_by_role("button", name="Upload files").count() == 0
    screenshot("application-criterion-read-only")
    _sign_out(page, live_server)

    assert console_errors == []  # no script error or CSP violation on any page so far

    # --- another provider's user cannot see it, by any URL
    sign_in(people["outsider"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    assert page.get_by_text(application.reference).count() == 0
    for path in ("", "history/", "submit/", "withdraw/", "evidence/"):
        response = page.goto(f"{live_server.url}/applications/{application.pk}/{path}")
        assert response.status == 404, path
    assert page.get_by_text("Living Well with Persistent Pain").count() == 0
    screenshot("application-other-provider-404")
    assert all("404 (Not Found)" in error for error in console_errors), console_errors


def test_the_history_and_withdrawal_pages(
    page, live_server, people, sign_in, screenshot, assert_accessible
):
    from accreditation.services.applications import application_start

    programme = people["lead"].membership.organisation.programmes.get()
    application = application_start(
        programme=programme, version=people["version"], user=people["lead"]
    )
    sign_in(people["lead"])
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    page.get_by_role("link", name="Withdraw…").click()
    expect(page.get_by_role("heading", level=1, name="Withdraw this application?")).to_be_visible()
    assert_accessible("withdraw")
    screenshot("application-withdraw")
    page.get_by_label("Why are you withdrawing the application?").fill(
        "The programme is being redesigned; we will apply again next year."
    )
    page.get_by_role("button", name="Withdraw the application").click()
    expect(
        page.get_by_text(f"Application {application.reference} has been withdrawn")
    ).to_be_visible()
    page.get_by_role("link", name="History").first.click()
    expect(page.get_by_text("Draft → Withdrawn")).to_be_visible()
    expect(page.get_by_text("Reason: The programme is being redesigned")).to_be_visible()
    assert_accessible("history")
    screenshot("application-history")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    assert_accessible("application list")
    screenshot("application-list")


def test_an_administrator_sees_every_application_and_reads_one(
    page, live_server, people, sign_in, screenshot, assert_accessible, console_errors
):
    from accreditation.services.applications import application_start

    programme = people["lead"].membership.organisation.programmes.get()
    application = application_start(
        programme=programme, version=people["version"], user=people["lead"]
    )
    administrator = AdministratorFactory(full_name="Alex Morgan")
    sign_in(administrator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    expect(page.get_by_role("link", name=application.reference)).to_be_visible()
    expect(page.get_by_role("cell", name="Brightside Self-Management CIC")).to_be_visible()
    assert page.get_by_role("link", name="Start an application").count() == 0
    # Only the statuses in use are offered as filters; one chosen by address shows, empty.
    filters = page.get_by_role("navigation", name="Filter by status")
    assert filters.get_by_role("link", name=re.compile("Waiting for screening")).count() == 0
    page.goto(page.url.split("?")[0] + "?status=submitted")
    expect(page.get_by_text("No application has this status.")).to_be_visible()
    expect(filters.get_by_role("link", name="Waiting for screening (0)")).to_be_visible()
    page.get_by_role("navigation", name="Filter by status").get_by_role(
        "link", name="Draft"
    ).click()
    assert_accessible("application list, administrator")
    screenshot("application-list-administrator")

    page.get_by_role("link", name=application.reference).click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Living Well"))).to_be_visible()
    assert page.get_by_role("link", name="Withdraw…").count() == 0
    page.get_by_role("link", name="Criterion 2.1", exact=True).click()
    expect(page.get_by_role("heading", name="The provider's answer")).to_be_visible()
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    assert_accessible("criterion page, administrator")
    screenshot("application-criterion-administrator")
    assert console_errors == []
