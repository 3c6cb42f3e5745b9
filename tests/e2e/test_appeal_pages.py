"""The appeal pages and the notifications page, at 1280 and 390 wide: accessible (axe), nothing
scrolling sideways on a phone; screenshots for people to look at."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from accounts.services import notify
from accreditation.services.appeals import appeal_lodge, appeal_reviewers_assign
from tests.accreditation.decided import decided
from tests.e2e.conftest import ARTIFACTS
from tests.factories import TEST_PASSWORD, AdministratorFactory, AssessorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
GROUNDS = (
    "Criterion 2.1 was scored against the curriculum of 2022, not the revised curriculum we "
    "submitted (see evidence file 'Curriculum 2024', section 3).\n\nCriterion 4.2: our KPI "
    "report shows completion rates for every quarter."
)


def _look(browser, live_server, user, path: str, name: str) -> None:
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, is_mobile=size == "phone")
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on(
            "console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}{path}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        bad = [
            v
            for v in Axe().run(page).response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not bad, (
            f"{name} {size}: {[(v['id'], [n['target'] for n in v['nodes']][:3]) for v in bad]}"
        )
        if size == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name}: the page is {width}px wide on a phone"
        assert not errors, errors
        context.close()


def test_the_appeal_journey_pages(browser, live_server):
    stage = decided(outcome="not_accredited", days_ago=3)
    application = stage.application
    lead = application.started_by
    admin = AdministratorFactory(full_name="Ada Administrator")
    AssessorFactory(full_name="Fay Free")
    reviewer = AssessorFactory(full_name="Rae Reviewer")

    detail = reverse("accreditation:application_detail", args=[application.pk])
    _look(browser, live_server, lead, detail, "appeal-panel-can-lodge")
    _look(
        browser,
        live_server,
        lead,
        reverse("accreditation:appeal_lodge", args=[application.pk]),
        "appeal-lodge",
    )

    appeal = appeal_lodge(application=application, user=lead, grounds=GROUNDS)
    page = reverse("accreditation:appeal_detail", args=[application.pk, appeal.pk])
    _look(browser, live_server, admin, page, "appeal-detail-assign")
    appeal_reviewers_assign(appeal=appeal, reviewers=[reviewer], user=admin)
    _look(browser, live_server, reviewer, page, "appeal-detail-decide")
    _look(browser, live_server, lead, detail, "appeal-panel-under-review")
    for n in range(3):
        notify(users=[admin], message=f"Application APP-2026-0000{n}: something happened.", url="/")
    _look(browser, live_server, admin, reverse("notifications"), "notifications")
