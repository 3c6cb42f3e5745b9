"""Uploading evidence from the criterion page in Chromium: a batch the page can tell will be
refused is never sent; one the server refuses is answered in the evidence panel; in both cases
the page, its breadcrumb and the narrative being typed stay as they are."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.models import EvidenceLink, EvidenceRevision, Response
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import HTML, files_under, pdf_bytes, responses_of
from tests.accreditation.hostile import use_private_storage as private_storage_in
from tests.e2e.conftest import ARTIFACTS
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TYPED = "We review every referral within two working days; see the safeguarding log."


@pytest.fixture
def criterion_page(settings, tmp_path, provider_user, live_server, page, sign_in):
    storage = private_storage_in(settings, tmp_path)
    application = started_application(lead=provider_user)
    response = responses_of(application)[0]
    sign_in(provider_user)
    url = live_server.url + reverse(
        "accreditation:response_edit", args=[application.pk, response.criterion_id]
    )
    page.goto(url)
    return url, response, storage


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "to-upload"
    path.mkdir()
    return path


def upload_posts(page) -> list:
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if request.method == "POST" and "/evidence/upload/" in request.url
            else None
        ),
    )
    return sent


def type_narrative(page) -> None:
    page.get_by_label("Narrative", exact=False).first.fill(TYPED)


def test_a_batch_the_page_can_tell_is_refused_is_never_sent(
    page, settings, criterion_page, folder, screenshot, assert_accessible, console_errors
):
    url, _response, storage = criterion_page
    settings.EVIDENCE_MAX_FILE_BYTES = 2048
    page.reload()  # the panel now carries the smaller limit
    (folder / "Annual report.pdf").write_bytes(pdf_bytes() + b"0" * 5000)
    (folder / "setup.exe").write_bytes(b"MZ" + b"0" * 100)
    (folder / "minutes.pdf").write_bytes(pdf_bytes())
    sent = upload_posts(page)
    type_narrative(page)

    panel = page.get_by_role("region", name="Evidence for this criterion")
    panel.get_by_label("Files", exact=True).set_input_files(
        [folder / "Annual report.pdf", folder / "setup.exe", folder / "minutes.pdf"]
    )
    panel.get_by_role("button", name="Upload files").click()

    refusal = panel.get_by_role("alert")
    assert refusal.get_by_role("heading", name="Nothing was uploaded").is_visible()
    assert refusal.get_by_text(
        re.compile(
            r"^“Annual report\.pdf” was not uploaded: it is 5\.\d\s+KB, and the largest "
            r"file accepted is 2\.0\s+KB\."
        )
    ).is_visible()
    assert refusal.get_by_text(
        re.compile(r"^“setup\.exe” was not uploaded: “\.exe” files are not accepted\. Programs")
    ).is_visible()
    assert "minutes.pdf" not in refusal.inner_text()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert panel.get_by_label("Files", exact=True).get_attribute("aria-invalid") == "true"
    assert sent == []
    assert page.url == url
    assert page.get_by_label("Narrative", exact=False).first.input_value() == TYPED
    assert not EvidenceRevision.objects.exists()
    assert files_under(storage) == []
    assert_accessible("upload stopped before sending")
    screenshot("evidence-upload-stopped")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("evidence-upload-stopped-phone")
    assert not console_errors, console_errors


def test_a_batch_the_server_refuses_is_answered_in_the_panel(
    page, criterion_page, folder, screenshot, assert_accessible, console_errors
):
    url, response, storage = criterion_page
    (folder / "Safeguarding policy.pdf").write_bytes(pdf_bytes())
    (folder / "policy.pdf").write_bytes(HTML)  # a web page saved under a PDF name
    sent = upload_posts(page)
    type_narrative(page)
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb").inner_text()
    heading = page.get_by_role("heading", level=1).inner_text()

    panel = page.get_by_role("region", name="Evidence for this criterion")
    panel.get_by_label("Files", exact=True).set_input_files(
        [folder / "Safeguarding policy.pdf", folder / "policy.pdf"]
    )
    panel.get_by_label("Where to look").fill("section 4, page 12")
    panel.get_by_role("button", name="Upload files").click()

    refusal = page.get_by_role("region", name="Evidence for this criterion").get_by_role("alert")
    expect(refusal.get_by_role("heading", name="Nothing was uploaded")).to_be_visible()
    assert refusal.get_by_text(
        "“policy.pdf” was not uploaded: its content is a web page (HTML), not a PDF."
    ).is_visible()
    assert len(sent) == 1  # it passed the page's checks, so the server was asked
    assert page.url == url
    assert page.get_by_role("navigation", name="Breadcrumb").inner_text() == breadcrumb
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_label("Narrative", exact=False).first.input_value() == TYPED
    assert page.get_by_label("Where to look").first.input_value() == "section 4, page 12"
    assert not EvidenceRevision.objects.exists()
    assert files_under(storage) == []
    assert_accessible("upload refused by the server")
    screenshot("evidence-upload-refused")

    # The good file alone is accepted, and the panel shows it without leaving the page.
    expect(page.get_by_text("Mandatory: no evidence linked yet.")).to_have_count(1)
    panel = page.get_by_role("region", name="Evidence for this criterion")
    panel.get_by_label("Files", exact=True).set_input_files([folder / "Safeguarding policy.pdf"])
    panel.get_by_role("button", name="Upload files").click()
    panel = page.get_by_role("region", name="Evidence for this criterion")
    expect(
        panel.get_by_role("status").get_by_text(re.compile(r"^Uploaded “Safeguarding policy\.pdf”"))
    ).to_be_visible()
    assert panel.get_by_role("link", name="Safeguarding policy.pdf", exact=True).is_visible()
    expect(page.get_by_text("Mandatory: no evidence linked yet.")).to_have_count(0)
    assert page.get_by_label("Narrative", exact=False).first.input_value() == TYPED
    assert page.url == url
    assert EvidenceLink.objects.filter(response=response).count() == 1
    assert_accessible("upload accepted in place")
    screenshot("evidence-upload-accepted")
    # The refusal answers 422 on purpose; anything else (a CSP violation) is a failure.
    unexpected = [error for error in console_errors if "status of 422" not in error]
    assert not unexpected, unexpected


def test_without_javascript_the_refusal_comes_back_on_the_criterion_page(
    browser, live_server, settings, tmp_path, provider_user, folder
):
    storage = private_storage_in(settings, tmp_path)
    application = started_application(lead=provider_user)
    response = responses_of(application)[0]
    Response.objects.filter(pk=response.pk).update(narrative=TYPED)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(provider_user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(
        live_server.url
        + reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])
    )
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb").inner_text()
    (folder / "policy.pdf").write_bytes(HTML)
    panel = page.get_by_role("region", name="Evidence for this criterion")
    panel.get_by_label("Files", exact=True).set_input_files([folder / "policy.pdf"])
    panel.get_by_role("button", name="Upload files").click()

    panel = page.get_by_role("region", name="Evidence for this criterion")
    expect(panel.get_by_role("heading", name="Nothing was uploaded")).to_be_visible()
    summary = page.locator("[data-error-summary]")
    assert summary.get_by_role(
        "link", name="“policy.pdf” was not uploaded: its content"
    ).is_visible()
    assert page.title().startswith("Error: ")
    assert page.get_by_role("navigation", name="Breadcrumb").inner_text() == breadcrumb
    assert page.get_by_label("Your narrative").input_value() == TYPED
    assert files_under(storage) == []
    page.screenshot(
        path=str(ARTIFACTS / "evidence-upload-refused-without-javascript.png"), full_page=True
    )
    context.close()
