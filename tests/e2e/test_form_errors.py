"""A refused form in the browser: the error summary takes focus, its links take people to the
field, and the page stays accessible at desktop and phone widths."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.mark.parametrize(
    ("width", "height", "label"), [(1280, 900, "desktop"), (390, 844, "phone")]
)
def test_an_empty_account_request_gets_a_focused_summary_linking_to_each_field(
    page, live_server, screenshot, assert_accessible, console_errors, width, height, label
):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/providers/request-an-account/")
    page.get_by_label("Postcode").fill("ls1")
    page.get_by_role("button", name="Send request").click()

    # The browser's own bubbles are off: the server answered, and says what to do.
    assert page.title().startswith("Error: ")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    links = summary.get_by_role("link")
    expect(links.first).to_have_text("Enter your organisation's name")
    expect(summary.get_by_role("link", name="Enter a real postcode, like LS1 4AP")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter your email address")).to_be_visible()
    # The same message stays beside the field.
    expect(page.locator("#error_1_id_postcode")).to_contain_text("Enter a real postcode")
    assert_accessible(f"account request refused ({label})")
    screenshot(f"form-errors-account-request-{label}")

    summary.get_by_role("link", name="Enter a real postcode, like LS1 4AP").click()
    assert _focused_id(page) == "id_postcode"
    expect(page.get_by_label("Postcode")).to_be_in_viewport()

    summary.get_by_role("link", name="Select the region your organisation works in").click()
    assert _focused_id(page) == "id_region"
    screenshot(f"form-errors-account-request-followed-{label}")
    assert console_errors == []


def test_a_refused_programme_links_to_the_first_radio(
    page, live_server, sign_in, provider_user, screenshot, assert_accessible, console_errors
):
    sign_in(provider_user)
    page.goto(f"{live_server.url}/providers/your-organisation/programmes/new/")
    page.get_by_role("button", name="Add programme").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Select how the programme is delivered").click()
    assert _focused_id(page) == "id_delivery_mode_0"
    assert_accessible("programme refused")
    screenshot("form-errors-programme")
    assert console_errors == []
