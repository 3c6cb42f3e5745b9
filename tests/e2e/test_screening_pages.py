"""Screening and assignment pages in a browser, at desktop and phone widths: accessible, no
sideways scrolling, screenshots to look at."""

import pytest

from tests.accreditation.journey import in_assessment, submitted_application
from tests.factories import AssessorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_screening_pages_at_both_widths(page, live_server, sign_in, screenshot, assert_accessible):
    waiting = submitted_application(criteria_per_theme=1)
    stage = in_assessment(criteria_per_theme=1)
    from accreditation.services.assignments import assignment_create, assignment_remove
    from qismet_portal.working_days import add_working_days

    assignment_remove(assignment=stage.second, user=stage.administrator, reason="Swap")
    AssessorFactory()
    offered = AssessorFactory()
    offer = assignment_create(
        application=stage.application,
        assessor=offered,
        role="second",
        due_on=add_working_days(stage.application.created_at.date(), 40),
        user=stage.administrator,
    )
    admin_pages = {
        "queue": "/applications/screening/",
        "screen": f"/applications/{waiting.application.pk}/screening/",
        "assign": f"/applications/{stage.application.pk}/assessors/",
        "profile": f"/applications/assessors/{offered.pk}/",
    }
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.context.clear_cookies()
        sign_in(stage.administrator)
        for name, path in admin_pages.items():
            page.goto(live_server.url + path)
            assert_accessible(f"{name} at {width_name}")
            _no_sideways_scroll(page)
            screenshot(f"screening-{name}-{width_name}")
        page.context.clear_cookies()
        sign_in(offered)
        for name, path in {
            "offer": f"/applications/assignments/{offer.pk}/",
            "interests": "/applications/assessors/me/interests/",
        }.items():
            page.goto(live_server.url + path)
            assert_accessible(f"{name} at {width_name}")
            _no_sideways_scroll(page)
            screenshot(f"screening-{name}-{width_name}")


@pytest.mark.parametrize("width", [800, 1024, 1280])
def test_a_long_name_and_many_notifications_never_push_the_page_sideways(
    page, live_server, sign_in, width
):
    from accounts.services import notify
    from tests.factories import AdministratorFactory

    admin = AdministratorFactory(
        full_name="Dr Alexandra Montgomery-Fitzwilliam-Okonkwo-Richardson of Harrogate"
    )
    notify(users=[admin] * 1, message="Something happened", url="/")
    for _ in range(120):
        notify(users=[admin], message="Something else happened", url="/")
    sign_in(admin)
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/", "/applications/screening/", "/applications/"):
        page.goto(live_server.url + path)
        _no_sideways_scroll(page)
