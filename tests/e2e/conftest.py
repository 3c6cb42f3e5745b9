"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Screenshots go to test-artifacts/screenshots/ so people can look at what users see.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import require_service

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures in
# the same thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(bool(shutil.which(CHROMIUM) or Path(CHROMIUM).exists()), "Chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


#: (user id, 30-second period) of each code typed: allauth takes a code once only.
_codes_used: set[tuple[int, int]] = set()


def fresh_totp_code(user, secret: str | None = None) -> str:
    """The code the user's authenticator app shows now (tests/factories.py's known key unless
    another is given), waiting for the next one if this user already typed the current one."""
    from allauth.mfa import app_settings

    from tests.factories import TEST_TOTP_SECRET, totp_code

    period = app_settings.TOTP_PERIOD
    now = time.time()
    if (user.pk, int(now) // period) in _codes_used:
        time.sleep(period - now % period + 0.2)
        now = time.time()
    _codes_used.add((user.pk, int(now) // period))
    return totp_code(secret or TEST_TOTP_SECRET, at=now)


def sign_in_through_pages(page, live_server, user) -> None:
    """Sign in through the real pages; administrators and assessors also type the code from
    their authenticator app (given one with the known test key if they have none)."""
    from accounts.two_step import two_step_required
    from tests.factories import TEST_PASSWORD, totp_authenticator

    staff = two_step_required(user)
    if staff:
        totp_authenticator(user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if staff:
        page.get_by_label("Code").fill(fresh_totp_code(user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


@pytest.fixture
def sign_in(page, live_server):
    def _sign_in(user) -> None:
        sign_in_through_pages(page, live_server, user)

    return _sign_in


def axe_check(page, context: str = "") -> None:
    """axe-core on the page's current document: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )
    assert not bad, f"Accessibility violations on {context or page.url}:\n{details}"


@pytest.fixture
def assert_accessible(page):
    """axe-core on the current page: no serious or critical violations."""

    def _check(context: str = "") -> None:
        axe_check(page, context)

    return _check


@pytest.fixture
def console_errors(page):
    """Browser console errors (a CSP violation or a script error shows up here)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture(autouse=True)
def _short_timeouts(page):
    page.set_default_timeout(10_000)
