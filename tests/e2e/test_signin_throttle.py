"""A throttled sign-in in the browser: the plain 429 page, and the owner's way back in by an
emailed unlock link."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from accounts import throttle
from tests.e2e.conftest import fresh_totp_code
from tests.factories import TEST_PASSWORD, totp_authenticator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    throttle._fallback.clear()
    yield
    cache.clear()
    throttle._fallback.clear()


def _try(page, live_server, email: str, password: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    return page.get_by_role("button", name="Sign in").click()


def test_throttled_sign_in_shows_what_to_do_and_the_unlock_link_lets_the_owner_in(
    page, live_server, assessor, screenshot, assert_accessible, console_errors
):
    for _ in range(5):
        _try(page, live_server, assessor.email, "a wrong guess")
        assert page.get_by_text("are not correct").is_visible()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        _try(page, live_server, assessor.email, TEST_PASSWORD)
    assert answer.value.status == 429
    assert page.get_by_role("heading", level=1, name="Too many attempts").is_visible()
    assert page.get_by_role("link", name="ask for a reset link").is_visible()
    unlock_email = page.get_by_label("Email address of your account")
    assert unlock_email.input_value() == assessor.email
    assert_accessible("sign-in throttled")
    screenshot("signin-throttled")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("signin-throttled-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Email me an unlock link").click()
    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    assert_accessible("unlock link sent")
    assert [m.to for m in mail.outbox] == [[assessor.email]]

    link = re.search(r"https?://[^/\s]+(/accounts/unlock/\S+/)", mail.outbox[0].body).group(1)
    page.goto(live_server.url + link)
    assert page.get_by_role("heading", level=1, name="Sign in again").is_visible()
    assert_accessible("unlock confirm")
    screenshot("signin-unlock-confirm")
    page.get_by_role("button", name="Lift the pause and go to sign in").click()
    assert page.get_by_text("Signing in to your account is open again.").is_visible()

    totp_authenticator(assessor)
    _try(page, live_server, assessor.email, TEST_PASSWORD)
    # Staff then give the code from their authenticator app.
    page.get_by_label("Code").fill(fresh_totp_code(assessor))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1, name="Your assessments").is_visible()
    # The browser reports the 429 answer itself; nothing else (no CSP or policy error) may appear.
    assert [e for e in console_errors if "status of 429" not in e] == []
