"""An administrator signs in through the real pages with a code from their authenticator app."""

import pytest

from tests.e2e.conftest import fresh_totp_code
from tests.factories import TEST_PASSWORD, totp_authenticator

pytestmark = pytest.mark.e2e


def test_administrator_signs_in_with_a_code(
    page, live_server, administrator, screenshot, assert_accessible, console_errors
):
    totp_authenticator(administrator)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(administrator.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Two-step verification"
    assert_accessible("two-step code page")

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")
    assert "The code is not right" in page.locator("main").inner_text()
    assert_accessible("two-step code page with an error")
    screenshot("two-step-wrong-code")

    page.get_by_label("Code").fill(fresh_totp_code(administrator))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/") == live_server.url
    assert "Add an assessor" in page.locator("main").inner_text()
    assert_accessible("administrator home after two-step sign-in")
    assert console_errors == []


def test_set_up_page_is_accessible(page, live_server, assessor, screenshot, assert_accessible):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    # allauth asks for the password once more before an authenticator is added.
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-step verification"
    assert page.get_by_role("img", name="QR code").is_visible()
    assert_accessible("two-step set-up page")
    screenshot("two-step-set-up")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("two-step-set-up-phone")
