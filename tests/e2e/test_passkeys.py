"""Passkeys in the browser: Chromium's own WebAuthn machinery, with a virtual authenticator (a
stand-in for a phone or laptop, driven through the DevTools protocol) answering allauth's script.

An assessor who signs in with their authenticator app adds a passkey, renames it, signs out, signs
in with their password and the passkey as the second step, then with the passkey alone; a new
assessor with no second factor adds a passkey instead of an app. Every passkey page is checked
with axe-core and photographed at 1280×900 and 390×844.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def authenticator(context, page):
    """A virtual passkey device for this browser: it keeps passkeys (resident keys), checks its
    owner (user verification) and says yes at once, as a fingerprint reader would."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    device = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    class Device:
        def credentials(self) -> list[dict]:
            return cdp.send("WebAuthn.getCredentials", device)["credentials"]

        def clear(self) -> None:
            """As if the passkey were deleted on the phone or laptop."""
            cdp.send("WebAuthn.clearCredentials", device)

    return Device()


def _heading(page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def _both_widths(page, screenshot, assert_accessible, name: str) -> None:
    """Check and photograph the page at desktop width, then at phone width, then go back."""
    page.set_viewport_size(DESKTOP)
    assert_accessible(name)
    screenshot(name)
    page.set_viewport_size(PHONE)
    assert_accessible(f"{name} (phone)")
    screenshot(f"{name}-phone")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways on a phone by {overflow}px"
    page.set_viewport_size(DESKTOP)


def _confirm_password(page) -> None:
    """allauth asks for the password again before a second factor is added or changed."""
    assert _heading(page, "Confirm it is you").is_visible()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def _sign_out(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/logout/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_an_assessor_adds_a_passkey_and_signs_in_with_it(
    page,
    live_server,
    assessor,
    authenticator,
    sign_in,
    screenshot,
    assert_accessible,
    console_errors,
):
    page.set_viewport_size(DESKTOP)
    sign_in(assessor)  # password and the authenticator app's code
    page.goto(f"{live_server.url}/accounts/2fa/")
    assert _heading(page, "Two-step verification").is_visible()
    assert page.get_by_text("You have no passkeys.").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkeys-none-yet")

    page.get_by_role("link", name="Add a passkey").click()
    _confirm_password(page)
    assert _heading(page, "Add a passkey").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkey-add")
    page.get_by_label("Name of this passkey").fill("Work laptop")
    page.get_by_label("Also use this passkey to sign in without your password").check()
    page.get_by_role("button", name="Create the passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    [credential] = authenticator.credentials()
    assert credential["isResidentCredential"] is True

    page.goto(f"{live_server.url}/accounts/2fa/")
    passkeys = page.get_by_role("list", name="Your passkeys")
    expect(passkeys).to_contain_text("Work laptop")
    expect(passkeys).to_contain_text("Signs you in without your password")
    _both_widths(page, screenshot, assert_accessible, "passkeys-one")

    page.get_by_role("link", name="Rename passkey “Work laptop”").click()
    assert _heading(page, "Rename a passkey").is_visible()
    page.get_by_label("Name of this passkey").fill("")
    page.get_by_role("button", name="Save the name").click()
    assert page.title().startswith("Error:")
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for this passkey")
    _both_widths(page, screenshot, assert_accessible, "passkey-rename-error")
    page.get_by_label("Name of this passkey").fill("Laptop")
    page.get_by_role("button", name="Save the name").click()
    assert _heading(page, "Two-step verification").is_visible()
    expect(passkeys).to_contain_text("Laptop")

    # With the app as well, the passkey may go: the page asks first.
    page.get_by_role("link", name="Remove passkey “Laptop”").click()
    assert _heading(page, "Remove a passkey").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkey-remove")
    page.get_by_role("link", name="Keep it").click()
    expect(passkeys).to_contain_text("Laptop")

    # The passkey as the second step, after the password.
    _sign_out(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert _heading(page, "Two-step verification").is_visible()
    assert page.get_by_role("heading", name="Or enter a code").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkey-second-step")
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("Your assessments")

    # Confirming it is you with the passkey, before a sensitive change.
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/reauthenticate/?next=/accounts/2fa/")
    assert _heading(page, "Two-step verification").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkey-confirm")
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(f"{live_server.url}/accounts/2fa/")

    # The passkey alone, from the sign-in page.
    _sign_out(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", name="Have a passkey?").is_visible()
    _both_widths(page, screenshot, assert_accessible, "sign-in-with-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("Your assessments")
    page.goto(f"{live_server.url}/profile/")
    assert _heading(page, "Your profile").is_visible()
    assert console_errors == []


def test_a_new_assessor_adds_a_passkey_instead_of_an_app(
    page, live_server, assessor, authenticator, screenshot, assert_accessible, console_errors
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    _confirm_password(page)
    assert _heading(page, "Set up two-step verification").is_visible()
    page.get_by_role("link", name="Add a passkey instead").click()
    assert _heading(page, "Add a passkey").is_visible()
    assert page.get_by_role("link", name="Set up an authenticator app instead").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkey-add-first")
    page.get_by_role("button", name="Create the passkey").click()
    # Adding it counted as the second step: on to the recovery codes, then anywhere.
    expect(_heading(page, "Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.locator("main")).to_contain_text("Your assessments")
    assert len(authenticator.credentials()) == 1

    # Their only second factor: the overview offers no way to remove it.
    page.goto(f"{live_server.url}/accounts/2fa/")
    expect(page.get_by_role("list", name="Your passkeys")).to_contain_text("Passkey")
    assert page.get_by_role("link", name=re.compile("^Remove passkey")).count() == 0
    expect(page.locator("main")).to_contain_text("must keep two-step verification on")
    _both_widths(page, screenshot, assert_accessible, "passkeys-only-one")

    # Signing in again: password, then the passkey (no app to ask a code of).
    _sign_out(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Cannot use your passkey?").is_visible()
    _both_widths(page, screenshot, assert_accessible, "passkey-second-step-only-passkey")
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("Your assessments")
    assert console_errors == []


def test_the_other_passkey_pages_and_a_passkey_the_device_does_not_have(
    page,
    live_server,
    administrator,
    authenticator,
    sign_in,
    screenshot,
    assert_accessible,
    console_errors,
):
    page.set_viewport_size(DESKTOP)
    sign_in(administrator)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    _confirm_password(page)
    page.get_by_role("button", name="Create the passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/2fa/webauthn/")
    assert _heading(page, "Your passkeys").is_visible()
    expect(page.get_by_role("list", name="Your passkeys")).to_contain_text("Passkey")
    _both_widths(page, screenshot, assert_accessible, "passkeys-list")

    # A session without the second step (a password reset, say) is asked for the app's code,
    # and offered the passkey instead.
    from django.test import Client

    client = Client()
    client.force_login(administrator)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/profile/")
    assert _heading(page, "Two-step verification").is_visible()
    assert page.get_by_role("link", name="Use your passkey instead").is_visible()
    _both_widths(page, screenshot, assert_accessible, "two-step-code-or-passkey")
    page.get_by_role("link", name="Use your passkey instead").click()
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(f"{live_server.url}/profile/")

    # The app goes (the passkey stays; it also just confirmed it is them, so no password is
    # asked); then the passkey is the last and cannot be removed.
    page.goto(f"{live_server.url}/accounts/2fa/totp/deactivate/")
    page.get_by_role("button", name="Turn off two-step verification").click()
    expect(page.get_by_text("Authenticator app deactivated.")).to_be_visible()
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/")
    page.get_by_role("link", name=re.compile("^Rename passkey")).click()
    remove_url = page.url.replace("/edit/", "/remove/").split("?")[0]
    page.goto(remove_url)
    expect(page.locator("main")).to_contain_text("cannot be turned off")
    assert page.get_by_role("button", name="Remove the passkey").count() == 0
    _both_widths(page, screenshot, assert_accessible, "passkey-remove-refused")

    # The device no longer has the passkey: the page says so in words, nothing breaks.
    authenticator.clear()
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/reauthenticate/")
    page.get_by_role("button", name="Use your passkey").click()
    problem = page.locator("[data-passkey-problem]")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("No passkey was used")
    _both_widths(page, screenshot, assert_accessible, "passkey-not-on-this-device")
    assert console_errors == []
