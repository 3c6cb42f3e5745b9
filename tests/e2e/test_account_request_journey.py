"""A visitor finds the account request form from the sign-in page; an administrator corrects the
request and approves it."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from providers.models import Organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def both_widths(page, screenshot, assert_accessible):
    """Check and photograph the current page at desktop and phone widths."""

    def _check(name: str) -> None:
        for suffix, size in (("", DESKTOP), ("-phone", PHONE)):
            page.set_viewport_size(size)
            assert_accessible(f"{name}{suffix}")
            screenshot(f"{name}{suffix}")
        page.set_viewport_size(DESKTOP)

    return _check


def _h1(page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def test_visitor_asks_for_an_account_and_administrator_corrects_and_approves_it(
    page, live_server, administrator, sign_in, both_widths, console_errors
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/accounts/login/")
    both_widths("sign-in-with-request-link")

    # The footer's link to the standard is readable without signing in.
    page.get_by_role("contentinfo").get_by_role("link", name="About the standard").click()
    expect(_h1(page, "About the QISMET standard")).to_be_visible()
    expect(page.get_by_role("heading", name="Theme 4: Performance management")).to_be_visible()
    both_widths("about-the-standard")

    page.goto(live_server.url + "/accounts/signup/")
    expect(
        page.get_by_role("link", name="ask for an account for your organisation")
    ).to_be_visible()

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="ask for an account for your organisation").click()
    expect(_h1(page, "Ask for an account for your organisation")).to_be_visible()
    page.get_by_label("Organisation name").fill("Harbur Diabetes Edukation")
    page.get_by_label("Region").select_option(label="South West")
    page.get_by_label("Your full name").fill("Hari Harbour")
    page.get_by_label("Your email address").fill("hari.personal@example.com")
    page.get_by_label("Your self-management programmes").fill(
        "Structured education for adults with type 2 diabetes, in groups of eight."
    )
    page.get_by_role("button", name="Send request").click()
    expect(_h1(page, "Thank you: we have your request")).to_be_visible()
    expect(page.get_by_text("We have emailed you to confirm")).to_be_visible()
    both_widths("account-request-acknowledged")

    acknowledgement = next(m for m in mail.outbox if m.to == ["hari.personal@example.com"])
    assert acknowledgement.subject == "[QISMET] We have your request for an account"
    notice = next(m for m in mail.outbox if m.to == [administrator.email])
    link = re.search(r"https?://\S+/providers/requests/\d+/", notice.body).group(0)
    mail.outbox.clear()

    sign_in(administrator)
    page.goto(live_server.url + link[link.index("/providers/") :])
    expect(_h1(page, "Harbur Diabetes Edukation")).to_be_visible()
    page.get_by_role("link", name="Correct the details").click()
    expect(_h1(page, "Correct the request's details")).to_be_visible()
    page.get_by_label("Organisation name").fill("Harbour Diabetes Education")
    page.get_by_label("Contact's email address").fill("hari@harbour.example.org")
    both_widths("account-request-correct")
    page.get_by_role("button", name="Save changes").click()

    expect(_h1(page, "Harbour Diabetes Education")).to_be_visible()
    expect(page.get_by_text("The request's details have been corrected.")).to_be_visible()
    expect(page.get_by_role("heading", name="Corrections by QISMET")).to_be_visible()
    expect(
        page.get_by_text(
            "Organisation name: changed from “Harbur Diabetes Edukation” to "
            "“Harbour Diabetes Education”"
        )
    ).to_be_visible()
    both_widths("account-request-corrected")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Approve and invite Hari Harbour").click()
    expect(_h1(page, "Harbour Diabetes Education")).to_be_visible()
    expect(page.get_by_text("has been registered")).to_be_visible()
    organisation = Organisation.objects.get()
    assert organisation.name == "Harbour Diabetes Education"
    assert [message.to for message in mail.outbox] == [["hari@harbour.example.org"]]
    assert console_errors == []
