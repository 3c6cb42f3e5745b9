"""One application from screening to "Accredited", through the real pages only.

An administrator screens and assigns; the lead and the second assessor (each in their own
browser) accept their offers and score; the lead asks for more information on one criterion and
the provider's signatory answers it; both complete; the lead moderates and recommends
accreditation with a condition; another administrator decides; the provider sends evidence for
the condition and the first administrator signs it off. Every main page is checked with
axe-core and photographed at 1280 wide (and a few at 390 × 844).
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import submitted_application
from tests.e2e.conftest import ARTIFACTS, axe_check, sign_in_through_pages
from tests.factories import AdministratorFactory, AssessorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: The lead's rationale for the criterion they score "partially met": the second assessor must
#: never see it before both have completed.
LEAD_RATIONALE = "Lead-only note: the refresher training record stops in 2022 (zebra)."
SECOND_RATIONALE = "The policy and the training record both show this in practice."


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


class Person:
    """One user in their own browser context, with the checks every main page gets."""

    def __init__(self, browser, live_server, user, name: str):
        self.context = browser.new_context(viewport=DESKTOP)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons
        self.live_server = live_server
        self.user = user
        self.name = name
        self.seen: list[str] = []  # the text of every page this person was shown
        self.page.on("load", lambda page: self.seen.append(self._text()))
        sign_in_through_pages(self.page, live_server, user)

    def _text(self) -> str:
        try:
            return self.page.locator("body").inner_text()
        except Exception:  # a download or a page already gone
            return ""

    def go(self, path: str) -> None:
        self.page.goto(self.live_server.url + path)

    def main(self) -> str:
        return self.page.locator("main").inner_text()

    def check(self, shot: str, *, phone: bool = False) -> None:
        """axe-core clean, no sideways scrolling, a screenshot at 1280 (and at 390 × 844)."""
        self.page.wait_for_load_state()
        self.seen.append(self._text())
        axe_check(self.page, f"{shot} ({self.name})")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        sizes = [("desktop", DESKTOP)] + ([("phone", PHONE)] if phone else [])
        for label, size in sizes:
            self.page.set_viewport_size(size)
            scroll = self.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= size["width"], f"{shot} scrolls sideways at {size['width']}"
            self.page.screenshot(
                path=str(ARTIFACTS / f"journey-{shot}-{label}.png"), full_page=True
            )
        if phone:
            axe_check(self.page, f"{shot} on a phone ({self.name})")
            self.page.set_viewport_size(DESKTOP)

    def button(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()


def _small_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(300, 300)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_application_from_screening_to_accredited(browser, live_server):
    stage = submitted_application(criteria_per_theme=1)
    application = stage.application
    reference = application.reference
    criteria = stage.criteria
    assert len(criteria) == 4
    signatory = application.declaration_signed_by
    screener = stage.administrator
    decider = AdministratorFactory(full_name="Dana Decider")
    lead_user = AssessorFactory(full_name="Lena Lead")
    second_user = AssessorFactory(full_name="Sam Second")
    base = f"/applications/{application.pk}"

    # 1. Screening and assignment ----------------------------------------------------------
    admin = Person(browser, live_server, screener, "screening administrator")
    admin.go("/applications/screening/")
    assert reference in admin.main()
    admin.check("screening-queue")
    admin.page.get_by_role("link", name=f"Screen {reference}").click()
    admin.check("screening")
    admin.button("Accept for assessment")
    assert "Assessors" in admin.page.get_by_role("heading", level=1).inner_text()
    admin.page.get_by_label("Lead assessor").select_option(label=lead_user.full_name)
    admin.page.get_by_label("Second assessor").select_option(label=second_user.full_name)
    admin.check("assignment-form")
    admin.button("Offer the assignment")
    main = admin.main()
    assert lead_user.full_name in main and second_user.full_name in main
    admin.check("assignment-offered")
