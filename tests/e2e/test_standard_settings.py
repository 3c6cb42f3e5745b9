"""An administrator edits a draft's settings and scale in Chromium: saving unchanged works, and a
refusal is announced at the top of the long page, with focus on it and links to each problem."""

import re

import pytest
from playwright.sync_api import expect

from standards.models import Criterion
from standards.services import demonstration_edition_load, version_copy_as_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(db):
    return version_copy_as_draft(version=demonstration_edition_load(), number="2027.1", user=None)


def test_saving_settings_unchanged_and_seeing_a_refusal_at_the_top(
    page, live_server, administrator, sign_in, screenshot, assert_accessible, console_errors, draft
):
    sign_in(administrator)
    url = f"{live_server.url}/standards/versions/{draft.pk}/settings/"
    page.goto(url)
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(re.compile(rf"/standards/versions/{draft.pk}/$"))
    assert page.get_by_text("The settings of version 2027.1 are saved.").is_visible()

    page.goto(url)
    page.locator("#id_scale-3-label").fill("Not started")
    page.get_by_label("Certificate validity (months)").fill("500")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert page.title().startswith("Error: ")
    # The summary is above everything else in the form and in view without scrolling.
    box = summary.bounding_box()
    assert box is not None and box["y"] < page.viewport_size["height"]
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == [
        "Certificate validity must be 120 months or fewer",
        "Level 4: Enter the level's code, like partially_met",
        "Level 4: Select what the level counts as",
    ]
    assert_accessible("settings refused")
    screenshot("standard-settings-refused-desktop")

    summary.get_by_role("link", name="Level 4: Enter the level's code").click()
    assert page.evaluate("document.activeElement.id") == "id_scale-3-code"

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # the resubmission shows the refusal again, now at phone width
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    box = page.locator("[data-error-summary]").bounding_box()
    assert box is not None and box["y"] < 844
    assert_accessible("settings refused, phone width")
    screenshot("standard-settings-refused-phone")
    assert console_errors == []


def test_moving_a_criterion_up_asks_first_and_renumbers(
    page, live_server, administrator, sign_in, screenshot, assert_accessible, console_errors, draft
):
    second = Criterion.objects.get(theme__version=draft, code="1.2")
    sign_in(administrator)
    page.goto(f"{live_server.url}/standards/versions/{draft.pk}/")
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Move up criterion 1.2 (it becomes 1.1)").click()
    page.wait_for_load_state()
    assert questions == [
        "Move criterion 1.2 up? It will be renumbered 1.1, and the criterion now numbered 1.1 "
        "will become 1.2."
    ]
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Criteria renumbered: 1\.2 “.+” is now 1\.1; 1\.1 “.+” is now 1\.2\.")
    )
    expect(page.locator(f"#criterion-{second.pk} .criterion-code")).to_have_text("1.1")
    assert_accessible("version after a move")
    screenshot("standard-version-after-move")

    page.goto(
        f"{live_server.url}/standards/{draft.standard_id}/compare/"
        f"?old={draft.based_on_id}&new={draft.pk}"
    )
    moved = page.locator(
        "section", has=page.get_by_role("heading", name="Criteria renumbered or moved")
    )
    expect(moved.get_by_role("listitem")).to_have_count(2)
    expect(moved.get_by_role("listitem").first).to_contain_text(", was 1.2 in version 2026.1")
    assert_accessible("comparison after a move")
    screenshot("standard-compare-after-move")
    assert console_errors == []
