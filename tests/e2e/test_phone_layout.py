"""The portal on a phone (390×844, touch): wide lists become stacked cards with every column
named, nothing makes the page scroll sideways (not even a 6,000-character unbroken description),
and the evidence panel does not offer dragging files, which a touch screen cannot do."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from accreditation.models import Response
from providers.models import MembershipRole, Programme
from tests.accreditation.factories import ProgrammeFactory, started_application
from tests.accreditation.hostile import responses_of
from tests.e2e.conftest import ARTIFACTS, sign_in_through_pages
from tests.factories import AssessorFactory, MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
UNBROKEN = "x" * 6000


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    yield page
    context.close()


def sign_in(page, live_server, user) -> None:
    sign_in_through_pages(page, live_server, user)


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_accessible(page, context: str) -> None:
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not bad, f"{context}: {[(v['id'], [n['target'] for n in v['nodes']][:3]) for v in bad]}"


def assert_fits(page, context: str) -> None:
    """Nothing sticks out past the right edge, so nothing needs sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{context}: the page is {width}px wide"


def assert_on_screen(locator, context: str) -> None:
    assert locator.count(), f"{context}: nothing found"
    for index in range(locator.count()):
        box = locator.nth(index).bounding_box()
        assert box is not None, f"{context}: element {index} is hidden"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (context, box)


def test_lists_show_their_status_columns_on_a_phone(phone, live_server, administrator):
    lead = MembershipFactory(role=MembershipRole.LEAD, user__full_name="Pat Provider").user
    MembershipFactory(
        organisation=lead.membership.organisation,
        role=MembershipRole.CONTRIBUTOR,
        user__full_name="Casey Contributor",
    )
    for _ in range(3):
        application = started_application(lead=lead)
    Programme.objects.filter(pk=application.programme_id).update(name="N" * 200)
    answered = responses_of(application)[0]
    Response.objects.filter(pk=answered.pk).update(narrative=UNBROKEN)
    AssessorFactory(full_name="Asha Assessor", job_title="Retired specialist nurse")

    sign_in(phone, live_server, administrator)
    phone.goto(live_server.url + reverse("accreditation:application_list"))
    table = phone.locator("table.table-stack")
    assert_on_screen(table.locator("td[data-label=Status] .badge"), "application statuses")
    assert_on_screen(table.locator("td[data-label=Submitted]"), "application submitted dates")
    label = table.locator("td[data-label=Status]").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Status"'  # each cell names its column
    assert_fits(phone, "applications list")
    assert_accessible(phone, "applications list on a phone")
    shoot(phone, "phone-applications")

    phone.goto(live_server.url + reverse("assessor_list"))
    assert_on_screen(phone.locator("td[data-label=Status] .badge"), "assessor statuses")
    assert_on_screen(phone.get_by_role("button", name="Deactivate"), "assessor actions")
    assert_fits(phone, "assessors list")
    assert_accessible(phone, "assessors list on a phone")
    shoot(phone, "phone-assessors")

    phone.goto(live_server.url + reverse("providers:organisation_list"))
    assert_on_screen(phone.locator("td[data-label=Users]"), "organisation user counts")
    assert_fits(phone, "organisations list")

    phone.goto(
        live_server.url
        + reverse("accreditation:response_edit", args=[application.pk, answered.criterion_id])
    )
    assert phone.get_by_text(UNBROKEN).is_visible()
    assert_fits(phone, "criterion page with a 6,000-character unbroken narrative")
    shoot(phone, "phone-long-narrative")
    assert not phone.errors, phone.errors


def test_a_provider_lead_on_a_phone(phone, live_server):
    lead = MembershipFactory(role=MembershipRole.LEAD, user__full_name="Pat Provider").user
    MembershipFactory(
        organisation=lead.membership.organisation,
        role=MembershipRole.CONTRIBUTOR,
        user__full_name="Casey Contributor",
    )
    application = started_application(lead=lead)
    programme = ProgrammeFactory(
        organisation=lead.membership.organisation, description=UNBROKEN, name="N" * 200
    )
    sign_in(phone, live_server, lead)

    phone.goto(live_server.url + reverse("providers:member_list"))
    assert_on_screen(phone.get_by_label(re.compile("^Role of ")), "member roles")
    assert_on_screen(phone.get_by_role("button", name="Change role"), "role changes")
    assert_fits(phone, "users list")
    assert_accessible(phone, "users list on a phone")
    shoot(phone, "phone-users")

    phone.goto(live_server.url + reverse("providers:programme_detail", args=[programme.pk]))
    assert phone.get_by_text(UNBROKEN).is_visible()
    assert_fits(phone, "programme with a 6,000-character unbroken description")
    shoot(phone, "phone-long-description")

    phone.goto(live_server.url + reverse("accreditation:application_list"))
    assert_on_screen(phone.locator("td[data-label=Status] .badge"), "own application statuses")
    assert_fits(phone, "own applications")

    response = responses_of(application)[0]
    phone.goto(
        live_server.url
        + reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])
    )
    panel = phone.get_by_role("region", name="Evidence for this criterion")
    assert panel.get_by_label("Files", exact=True).is_visible()
    assert not panel.get_by_text("Drag files here").is_visible()
    assert phone.evaluate("matchMedia('(pointer: coarse)').matches")
    assert_fits(phone, "criterion page")
    assert_accessible(phone, "criterion page on a phone")
    shoot(phone, "phone-criterion")
    assert not phone.errors, phone.errors
