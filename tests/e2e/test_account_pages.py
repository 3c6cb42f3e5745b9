"""The account pages people use on their own: reset, change password, profile, sign out."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.e2e.conftest import fresh_totp_code
from tests.factories import totp_authenticator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "teapot-river-lantern-9"
# crispy marks required fields with an asterisk, which is part of the label's accessible name.
NEW_PASSWORD_LABEL = re.compile(r"^\s*New password\*?\s*$")
NEW_PASSWORD_AGAIN_LABEL = re.compile(r"^\s*New password again\*?\s*$")


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _heading(page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def test_forgotten_password_journey(
    page, live_server, assessor, screenshot, assert_accessible, console_errors
):
    totp_authenticator(assessor)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    assert _heading(page, "Reset your password").is_visible()
    assert_accessible("password reset request")
    screenshot("password-reset")

    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_role("button", name="Email me a reset link").click()
    assert _heading(page, "Check your email").is_visible()
    assert_accessible("password reset sent")
    screenshot("password-reset-done")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[QISMET] Reset your password"
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    assert _heading(page, "Choose a new password").is_visible()
    assert page.get_by_text(assessor.email).is_visible()
    assert page.get_by_role("button", name="Cancel").count() == 0

    # A mismatch first: the error is shown beside the field and in the page title.
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(NEW_PASSWORD_AGAIN_LABEL).fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="Save password").click()
    assert page.title().startswith("Error: Choose a new password")
    assert (
        page.locator(".invalid-feedback")
        .get_by_text("You must type the same password each time.")
        .is_visible()
    )
    assert_accessible("choose new password with an error")
    screenshot("password-reset-from-key-error")

    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(NEW_PASSWORD_AGAIN_LABEL).fill(NEW_PASSWORD)
    assert_accessible("choose new password")
    screenshot("password-reset-from-key")
    page.get_by_role("button", name="Save password").click()
    assert _heading(page, "You can now sign in").is_visible()
    assert page.get_by_text("Your new password has been saved.").is_visible()
    assert_accessible("password saved")
    screenshot("password-reset-from-key-done")
    assessor.refresh_from_db()
    assert assessor.check_password(NEW_PASSWORD)

    # The same link again: it has been used, so the page says so and offers a new one.
    page.goto(link)
    assert _heading(page, "This link has expired").is_visible()
    assert page.get_by_role("link", name="Send me a new link").is_visible()
    assert_accessible("expired link")
    screenshot("password-reset-link-expired")

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Staff then give the code from their authenticator app.
    page.get_by_label("Code").fill(fresh_totp_code(assessor))
    page.get_by_role("button", name="Continue").click()
    assert _heading(page, "Your assessments").is_visible()
    assert page.get_by_text("You are signed in as Asha Assessor.").is_visible()
    screenshot("signed-in-after-reset")
    assert console_errors == []


def test_closed_sign_up_and_deactivated_pages(
    page, live_server, screenshot, assert_accessible, console_errors
):
    page.goto(live_server.url + "/accounts/signup/")
    assert _heading(page, "Accounts are set up by QISMET").is_visible()
    assert_accessible("sign-up closed")
    screenshot("signup-closed")

    page.goto(live_server.url + "/accounts/inactive/")
    assert _heading(page, "Your account has been deactivated").is_visible()
    assert_accessible("account inactive")
    screenshot("account-inactive")
    assert console_errors == []


def test_change_password_profile_and_sign_out(
    page, live_server, provider_user, sign_in, screenshot, assert_accessible, console_errors
):
    from tests.factories import TEST_PASSWORD

    sign_in(provider_user)
    page.get_by_role("navigation", name="Main").get_by_role(
        "button", name=re.compile(provider_user.full_name)
    ).or_(
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=re.compile(provider_user.full_name)
        )
    ).click()
    page.get_by_role("link", name="Your profile").click()
    assert page.get_by_role("heading", name="Your profile").is_visible()
    assert_accessible("profile")
    screenshot("profile")
    page.get_by_label("Job title").fill("Programme manager")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Your profile has been saved.").is_visible()

    page.get_by_role("link", name="Change your password").click()
    assert _heading(page, "Change your password").is_visible()
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(NEW_PASSWORD_AGAIN_LABEL).fill(NEW_PASSWORD)
    assert_accessible("change password")
    screenshot("change-password")
    page.get_by_role("button", name="Change password").click()
    assert page.get_by_text("Your new password has been saved.").is_visible()
    screenshot("change-password-saved")
    provider_user.refresh_from_db()
    assert provider_user.check_password(NEW_PASSWORD)

    page.goto(live_server.url + "/accounts/logout/")
    assert _heading(page, "Sign out").is_visible()
    assert_accessible("sign out")
    screenshot("sign-out")
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You have signed out.").is_visible()
    assert page.get_by_role("link", name="Sign in").first.is_visible()
    assert console_errors == []
