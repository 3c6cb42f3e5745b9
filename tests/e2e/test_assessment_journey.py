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
        self.context = browser.new_context(viewport=DESKTOP, locale="en-GB")
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
            assert scroll <= size["width"], (
                f"{shot} scrolls sideways at {size['width']}: {self._too_wide(size['width'])}"
            )
            self.page.screenshot(
                path=str(ARTIFACTS / f"journey-{shot}-{label}.png"), full_page=True
            )
        if phone:
            axe_check(self.page, f"{shot} on a phone ({self.name})")
            self.page.set_viewport_size(DESKTOP)

    def _too_wide(self, width: int) -> list[str]:
        return self.page.evaluate(
            """(width) => [...document.querySelectorAll("body *")]
                .filter((el) => el.getBoundingClientRect().right > width)
                .slice(0, 5)
                .map((el) => el.tagName + "." + el.className + " " + el.getBoundingClientRect().right)""",
            width,
        )

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

    # 2. The assessors accept and score; the lead asks for more information ----------------
    lead = Person(browser, live_server, lead_user, "lead assessor")
    second = Person(browser, live_server, second_user, "second assessor")
    for person in (lead, second):
        person.go("/")
        person.page.get_by_role("link", name=reference).first.click()
        person.page.wait_for_load_state()
        assert person.page.get_by_role("heading", name="An assignment for you").is_visible()
        person.check(f"offer-{'lead' if person is lead else 'second'}")
        person.page.get_by_label(
            "I have read the declaration above and I confirm it is true"
        ).check()
        person.button("Accept and sign the declaration")

    def score(person, criterion, level: str, rationale: str, *, shot: str = "") -> None:
        person.go(f"{base}/scoring/")
        person.page.get_by_role("link", name=f"{criterion.code} {criterion.title}").click()
        person.page.wait_for_load_state()
        person.page.get_by_label(level, exact=True).check()
        person.page.get_by_label("Rationale").fill(rationale)
        person.button("Save")
        assert person.page.get_by_text(f"Score for criterion {criterion.code} saved.").is_visible()
        if shot:
            person.check(shot, phone=True)

    lead.go(f"{base}/scoring/")
    programme = stage.application.programme.name
    assert lead.page.get_by_role("heading", name=f"Your scoring: {programme}").is_visible()
    lead.check("scoring-overview-lead")
    partial = criteria[2]
    for criterion in criteria:
        if criterion == partial:
            score(lead, criterion, "Partially met", LEAD_RATIONALE, shot="scoring-criterion")
        else:
            score(lead, criterion, "Met", "The evidence shows it in place.")
    for criterion in criteria:
        score(second, criterion, "Met", SECOND_RATIONALE)
    second.go(f"{base}/scoring/")
    second.check("scoring-overview-second")

    asked = criteria[0]
    lead.go(f"{base}/")
    lead.page.get_by_role("link", name="Ask the provider for more information…").click()
    lead.page.wait_for_load_state()
    lead.page.get_by_label(f"{asked.code} {asked.title}").check()
    lead.page.get_by_label("What do you need from the provider?").fill(
        "Say who reviews the policy and how often."
    )
    lead.check("information-request-form")
    lead.button("Send the request")
    lead.check("information-request-sent")

    # The provider's signatory answers the re-opened criterion only.
    provider = Person(browser, live_server, signatory, "provider signatory")
    provider.go(f"{base}/")
    first_card = provider.page.locator("main section.card").first
    assert "The assessors have asked for more information" in first_card.inner_text()
    assert "Say who reviews the policy and how often." in first_card.inner_text()
    provider.check("provider-application-information-requested", phone=True)
    other = criteria[1]
    provider.page.get_by_role("link", name=other.title, exact=True).click()
    provider.page.wait_for_load_state()
    assert provider.page.locator("main form[method=post]").count() == 0
    assert "not one of the criteria the assessors asked about" in provider.main()
    provider.go(f"{base}/")
    provider.page.get_by_role("link", name=asked.title, exact=True).click()
    provider.page.wait_for_load_state()
    provider.page.get_by_label("Your narrative").fill(
        "Our clinical lead reviews the policy every year; the board approved it in May."
    )
    provider.check("provider-response-edit")
    provider.button("Save")
    provider.go(f"{base}/")
    # The same words at the top of the page and in the request's card.
    assert provider.page.get_by_role("link", name="Sign and send the response…").count() == 2
    provider.page.get_by_role("link", name="Sign and send the response…").first.click()
    provider.page.wait_for_load_state()
    provider.page.get_by_label("A note to the assessors (optional)").fill(
        "The review cycle is in the second paragraph."
    )
    provider.page.get_by_label("Your full name").fill(signatory.full_name)
    provider.page.get_by_label("Your role or job title").fill("Director")
    provider.page.get_by_label("I have read the declaration above and I confirm it is true").check()
    provider.check("provider-response-submit")
    provider.button("Sign and send the response")
    provider.check("provider-response-sent")

    # The lead sees what changed; both complete.
    lead.go(f"{base}/")
    lead.page.get_by_role("link", name="See what changed").click()
    lead.page.wait_for_load_state()
    changes = lead.main()
    assert asked.code in changes and "the board approved it in May" in changes
    lead.check("submission-changes")
    second.go(f"{base}/")
    second.check("application-second-before-completing")
    assert second.seen and not [text for text in second.seen if "zebra" in text], (
        "the second assessor was shown the lead's rationale before both completed"
    )
    for person in (lead, second):
        person.go(f"{base}/scoring/")
        person.button("Complete my scoring")
        assert "Completed" in person.main()
    second.check("scoring-completed-second")

    # 3. The lead moderates and recommends ------------------------------------------------
    lead.go(f"{base}/")
    lead.page.get_by_role("link", name="Moderate", exact=True).click()
    lead.page.wait_for_load_state()
    differ_row = lead.page.locator("tr", has_text=partial.title)
    assert "Assessors differ" in differ_row.inner_text()
    assert lead.page.locator("tr", has_text="Assessors differ").count() == 1
    lead.check("moderation", phone=True)
    for criterion in criteria:
        lead.go(f"{base}/moderation/")
        lead.page.get_by_role("link", name=criterion.title, exact=True).click()
        lead.page.wait_for_load_state()
        if criterion == partial:
            assert "The assessors differ" in lead.main()
            assert LEAD_RATIONALE in lead.main() and SECOND_RATIONALE in lead.main()
            lead.page.get_by_label("Partially met", exact=True).check()
            lead.page.get_by_label("Rationale").fill(
                "The refresher training record stops in 2022; the policy itself is sound."
            )
            lead.check("moderation-criterion-differ", phone=True)
        lead.button("Save the agreed score")
        assert lead.page.locator(".alert-danger, .invalid-feedback").count() == 0, lead.main()
    lead.go(f"{base}/moderation/")
    assert "Not agreed yet" not in lead.main()
    lead.check("moderation-agreed")
    lead.page.get_by_role("link", name="Write the recommendation").click()
    lead.page.wait_for_load_state()
    lead.page.get_by_label("Accredited with conditions").check()
    lead.page.get_by_label("Summary").fill(
        "A sound programme; refresher training for facilitators must be brought up to date."
    )
    lead.page.get_by_label("Proposed conditions").fill(
        "Bring every facilitator's refresher training up to date."
    )
    lead.check("recommendation")
    lead.button("Send for a decision")
    lead.check("recommendation-sent")

    # 4. Another administrator decides; the provider meets the condition; sign-off --------
    decision_maker = Person(browser, live_server, decider, "deciding administrator")
    decision_maker.go(f"{base}/")
    decision_maker.page.get_by_role("link", name="Make the decision").click()
    decision_maker.page.wait_for_load_state()
    assert "Bring every facilitator's refresher training up to date." in (
        decision_maker.page.locator("textarea[name$='-description']").first.input_value()
    )
    decision_maker.page.get_by_label("Accredited with conditions").check()
    decision_maker.page.get_by_label("Reasons for the decision").fill(
        "Every mandatory criterion is met; one needs refresher training brought up to date."
    )
    decision_maker.check("decision")
    decision_maker.button("Record the decision")
    assert decision_maker.page.locator(".alert-danger, .invalid-feedback").count() == 0, (
        decision_maker.main()
    )
    decision_maker.check("decision-recorded")

    provider.go(f"{base}/")
    provider.page.get_by_role(
        "link", name="Bring every facilitator's refresher training up to date."
    ).click()
    provider.page.wait_for_load_state()
    provider.page.get_by_label("How the condition has been met").fill(
        "Every facilitator finished the refresher in June; the register is attached."
    )
    provider.page.get_by_label("Evidence files (optional)").set_input_files(
        {"name": "refresher-register.pdf", "mimeType": "application/pdf", "buffer": _small_pdf()}
    )
    provider.check("condition-respond")
    provider.button("Send for sign-off")
    assert "refresher-register.pdf" in provider.main()
    provider.check("condition-sent")

    admin.go(f"{base}/")
    admin.page.get_by_role(
        "link", name="Bring every facilitator's refresher training up to date."
    ).click()
    admin.page.wait_for_load_state()
    assert "refresher-register.pdf" in admin.main()
    admin.check("condition-review")
    admin.button("Sign off this condition")
    admin.check("condition-signed-off")

    provider.go(f"{base}/")
    status = provider.page.locator("main h1 .badge, main .badge").first.inner_text()
    assert status == "Accredited"
    provider.check("provider-application-accredited")

    for person in (admin, lead, second, provider, decision_maker):
        person.close()
