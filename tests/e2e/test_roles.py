"""Each role signs in through the real sign-in page in Chromium and reaches its own home."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "heading", "nav_link"),
    [
        ("administrator", "Administration", "Assessors"),
        ("assessor", "Your assessments", None),
        ("provider_user", None, None),
    ],
)
def test_role_signs_in_and_reaches_home(
    page,
    live_server,
    sign_in,
    screenshot,
    assert_accessible,
    console_errors,
    user_of_role,
    role,
    heading,
    nav_link,
):
    user = user_of_role(role)
    page.goto(live_server.url + "/")
    assert_accessible("public home")
    page.get_by_role("link", name="Sign in").first.click()
    assert page.get_by_role("heading", name="Sign in").is_visible()
    assert_accessible("sign-in page")
    screenshot("sign-in")

    sign_in(user)
    expected = heading or user.membership.organisation.name
    assert page.get_by_role("heading", level=1, name=expected).is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_text(user.full_name).is_visible()
    if nav_link:
        assert page.get_by_role("link", name=nav_link, exact=True).is_visible()
    else:
        assert page.get_by_role("link", name="Assessors", exact=True).count() == 0
    assert_accessible(f"{role} home")
    screenshot(f"home-{role}")
    assert console_errors == []


def test_wrong_password_shows_message_and_keeps_email(page, live_server, assessor, screenshot):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(assessor.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("[data-error-summary]").get_by_text("are not correct").is_visible()
    assert page.get_by_label("Email address").input_value() == assessor.email
    screenshot("sign-in-error")


def test_skip_link_moves_focus_to_main(page, live_server, administrator, sign_in):
    sign_in(administrator)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
