"""The account pages people use on their own: reset, change password, profile, sign out."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_forgotten_password_journey(page, live_server, assessor, screenshot, assert_accessible):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    assert_accessible("password reset request")
    screenshot("password-reset")
    page.get_by_label("Email").fill(assessor.email)
    page.get_by_role("button", name=re.compile("Reset", re.I)).click()
    assert_accessible("password reset sent")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("a-fresh-passphrase-9")
    page.get_by_label(re.compile("New password \\(again\\)", re.I)).fill("a-fresh-passphrase-9")
    assert_accessible("choose new password")
    screenshot("password-reset-from-key")
    page.get_by_role("button", name=re.compile("Change Password", re.I)).click()
    assessor.refresh_from_db()
    assert assessor.check_password("a-fresh-passphrase-9")


def test_change_password_profile_and_sign_out(
    page, live_server, provider_user, sign_in, screenshot, assert_accessible
):
    sign_in(provider_user)
    page.get_by_role("button", name=re.compile(provider_user.full_name)).click() if page.get_by_role(
        "button", name=re.compile(provider_user.full_name)
    ).count() else page.get_by_role("link", name=re.compile(provider_user.full_name)).click()
    page.get_by_role("link", name="Your profile").click()
    assert page.get_by_role("heading", name="Your profile").is_visible()
    assert_accessible("profile")
    screenshot("profile")
    page.get_by_label("Job title").fill("Programme manager")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Your profile has been saved.").is_visible()

    page.goto(live_server.url + "/accounts/password/change/")
    assert_accessible("change password")
    screenshot("change-password")

    page.goto(live_server.url + "/accounts/logout/")
    assert_accessible("sign out")
    screenshot("sign-out")
    page.get_by_role("button", name=re.compile("Sign out", re.I)).click()
    assert page.get_by_role("link", name="Sign in").first.is_visible()
