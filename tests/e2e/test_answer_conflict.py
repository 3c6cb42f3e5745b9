"""Two people answer the same criterion at the same time, each in their own browser.

Sam saves first. Hannah, still on the page she opened before, keeps typing: her autosave is
refused and stops (her text stays); her Save is refused too, and the page shows her text next to
Sam's with who saved it and when. She combines the two and saves; nothing was lost, and the
history names both of them. Photographed at desktop and phone width, checked with axe.
"""

import re

import pytest
from playwright.sync_api import expect

from accreditation.models import ApplicationEvent, Response
from providers.models import MembershipRole
from tests.accreditation.factories import started_application
from tests.e2e.conftest import sign_in_through_pages
from tests.factories import MembershipFactory, OrganisationFactory
from tests.standards.factories import published_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAM = "Sam's narrative: our facilitators are observed twice a year by a senior trainer."
HANNAH = "Hannah's narrative: every participant gets a written plan at the first session."


@pytest.fixture
def team(db):
    organisation = OrganisationFactory(name="Brightside Self-Management CIC")
    lead = MembershipFactory(
        organisation=organisation, role=MembershipRole.LEAD, user__full_name="Hannah Okafor"
    ).user
    contributor = MembershipFactory(
        organisation=organisation, role=MembershipRole.CONTRIBUTOR, user__full_name="Sam Patel"
    ).user
    application = started_application(lead=lead, version=published_version(criteria_per_theme=1))
    response = Response.objects.get(application=application, criterion__code="1.1")
    return application, lead, contributor, response


def _sign_in(page, live_server, user):
    sign_in_through_pages(page, live_server, user)


def test_two_people_save_the_same_criterion_and_nothing_is_lost(
    page, browser, live_server, team, screenshot, assert_accessible, console_errors
):
    application, lead, contributor, response = team
    url = f"{live_server.url}/applications/{application.pk}/criteria/{response.criterion_id}/"

    # both open the criterion
    sam_context = browser.new_context()
    sam = sam_context.new_page()
    sam.set_default_timeout(10_000)
    _sign_in(sam, live_server, contributor)
    sam.goto(url)
    _sign_in(page, live_server, lead)
    page.goto(url)
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^1\.1"))).to_be_visible()

    # Sam saves first
    sam.get_by_label("Your narrative").fill(SAM)
    sam.get_by_role("radio", name="Met", exact=True).check()
    sam.get_by_role("button", name="Save", exact=True).click()
    expect(sam.get_by_role("alert")).to_contain_text("Saved at")

    # Hannah types on her older page: the autosave is refused, says so, and keeps her text
    narrative = page.get_by_label("Your narrative")
    narrative.press_sequentially(HANNAH[:40])
    expect(page.locator("#autosave-status")).to_contain_text(
        "Not saved: Sam Patel saved this criterion at"
    )
    expect(page.locator("#autosave-status")).to_contain_text("Autosave has stopped")
    assert Response.objects.get(pk=response.pk).narrative == SAM
    narrative.press_sequentially(HANNAH[40:])
    page.get_by_role("radio", name="Partially met", exact=True).check()
    page.wait_for_timeout(2_500)  # long enough for another autosave, which must not be sent
    assert Response.objects.get(pk=response.pk).narrative == SAM

    # her Save is refused: both answers on screen, hers still editable, Sam's read-only
    page.get_by_role("button", name="Save", exact=True).click()
    alert = page.get_by_role("alert").filter(has_text="while you were editing")
    expect(alert).to_contain_text("Someone else saved this criterion while you were editing")
    expect(alert).to_contain_text("Sam Patel saved this criterion at")
    expect(page.get_by_label("Your narrative (not saved yet)")).to_have_value(HANNAH)
    expect(page.get_by_role("radio", name="Partially met", exact=True)).to_be_checked()
    saved = page.get_by_label("Narrative saved meanwhile (read only)")
    expect(saved).to_have_value(SAM)
    expect(saved).not_to_be_editable()
    expect(
        page.get_by_role("heading", name=re.compile("The answer as Sam Patel saved it"))
    ).to_be_visible()
    assert Response.objects.get(pk=response.pk).narrative == SAM
    assert_accessible("answer conflict")
    screenshot("answer-conflict")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible("answer conflict on a phone")
    screenshot("answer-conflict-phone")
    page.set_viewport_size({"width": 1280, "height": 720})

    # she combines the two and saves: it goes through
    page.get_by_label("Your narrative (not saved yet)").fill(f"{SAM}\n{HANNAH}")
    page.get_by_role("radio", name="Met", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Saved at")
    stored = Response.objects.get(pk=response.pk)
    assert (stored.narrative, stored.rating, stored.updated_by) == (f"{SAM}\n{HANNAH}", "met", lead)

    # her own autosave and a Save right after it do not conflict with each other
    page.get_by_label("Your narrative").press("Control+End")
    page.get_by_label("Your narrative").press_sequentially(" Plans are reviewed at week six.")
    page.get_by_text(re.compile(r"^Draft saved at \d\d:\d\d\.$")).wait_for()
    page.get_by_role("radio", name="Partially met", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Saved at")
    stored = Response.objects.get(pk=response.pk)
    assert stored.narrative.endswith("Plans are reviewed at week six.")
    assert stored.rating == "partially_met"

    # Save pressed while her autosave is still on its way: the form waits for it (and the new
    # revision it brings) rather than being refused as older than her own autosave
    held = []

    def hold_autosave(route):
        if route.request.method == "POST" and "autosave=1" in (route.request.post_data or ""):
            held.append((route, route.fetch()))  # the server has saved; the page does not know
        else:
            route.continue_()

    page.route(re.compile(r".*/criteria/\d+/$"), hold_autosave)
    page.get_by_label("Your narrative").press("Control+End")
    page.get_by_label("Your narrative").press_sequentially(" Carers are welcome.")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the autosave was sent"
    page.get_by_role("radio", name="Met", exact=True).check()
    page.get_by_role("button", name="Save and go to next criterion").click()
    page.wait_for_timeout(300)
    route, answer = held.pop()
    route.fulfill(response=answer)
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^2\.1"))).to_be_visible()
    page.unroute(re.compile(r".*/criteria/\d+/$"))
    stored = Response.objects.get(pk=response.pk)
    assert stored.narrative.endswith("Carers are welcome.") and stored.rating == "met"

    # Sam sees the combined answer; the history names both of them on criterion 1.1
    sam.goto(url)
    expect(sam.get_by_label("Your narrative")).to_have_value(re.compile("week six"))
    page.goto(f"{live_server.url}/applications/{application.pk}/history/")
    changes = page.get_by_role("listitem").filter(has_text="Answer changed")
    # Newest first: Hannah's typing within minutes folds into the line her combined save opened,
    # while each change of her self-rating (Met, Partially met, Met) has a line of its own.
    expect(changes).to_have_count(4)
    for newer in range(3):
        expect(changes.nth(newer)).to_contain_text("Hannah Okafor")
    expect(changes.nth(0)).to_contain_text("Self-rating now: Met")
    expect(changes.nth(1)).to_contain_text("Self-rating now: Partially met")
    expect(changes.nth(3)).to_contain_text("Sam Patel")
    expect(changes.nth(3)).to_contain_text("1.1")
    assert application.events.filter(kind=ApplicationEvent.Kind.ANSWER_CHANGED).count() == 4
    assert_accessible("history with answer changes")
    screenshot("answer-history")
    sam_context.close()
    # the refused save answers 409 Conflict, which the browser reports; nothing else may fail
    assert [e for e in console_errors if "409" not in e] == []
