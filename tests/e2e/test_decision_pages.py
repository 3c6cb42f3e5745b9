"""Moderation, recommendation, decision, results and condition pages in a browser: accessible
(axe-core), no console errors, screenshots at desktop and phone widths."""

import pytest

from accreditation.models import Condition
from tests.accreditation.journey import awaiting_decision, decided, in_moderation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _visit(page, url, name, screenshot, assert_accessible):
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        assert_accessible(name)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width}"
        screenshot(f"decisions-{name}-{label}")


def test_decision_pages(page, live_server, sign_in, screenshot, assert_accessible, console_errors):
    moderation = in_moderation(levels=("met", "partially_met"), criteria_per_theme=3)
    sign_in(moderation.lead.assessor)
    base = f"{live_server.url}/applications/{moderation.application.pk}"
    _visit(page, f"{base}/moderation/", "moderation", screenshot, assert_accessible)
    first = moderation.criteria[0].pk
    _visit(
        page, f"{base}/moderation/{first}/", "moderation-criterion", screenshot, assert_accessible
    )
    _visit(page, f"{base}/recommendation/", "recommendation", screenshot, assert_accessible)
    page.context.clear_cookies()

    stage = awaiting_decision(
        outcome="conditional",
        levels={"1.1": "partially_met", "2.2": "not_met", "3.3": "partially_met"},
        criteria_per_theme=3,
    )
    sign_in(stage.administrator)
    base = f"{live_server.url}/applications/{stage.application.pk}"
    _visit(page, f"{base}/decision/", "decision", screenshot, assert_accessible)
    _visit(page, f"{base}/results/", "results", screenshot, assert_accessible)
    page.context.clear_cookies()

    stage = decided(stage, outcome="conditional", conditions=2)
    sign_in(stage.application.started_by)
    base = f"{live_server.url}/applications/{stage.application.pk}"
    _visit(page, f"{base}/", "application-decided", screenshot, assert_accessible)
    condition = Condition.objects.filter(application=stage.application).first()
    _visit(page, f"{base}/conditions/{condition.pk}/", "condition", screenshot, assert_accessible)
    assert not console_errors
