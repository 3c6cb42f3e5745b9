"""Evidence in Chromium: upload several files from the criterion page, see a refusal, drag and
drop, the library and a file's page. Screenshots go to test-artifacts/screenshots/evidence-*."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.models import EvidenceLink
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import (
    HTML,
    docx_bytes,
    pdf_bytes,
    png_bytes,
    responses_of,
    use_private_storage,
)
from tests.e2e.conftest import (  # noqa: F401 (browser fixtures of the e2e package)
    _short_timeouts,
    assert_accessible,
    browser_type_launch_args,
    console_errors,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evidence_files(tmp_path):
    folder = tmp_path / "to-upload"
    folder.mkdir()
    files = {
        "Safeguarding policy 2025.pdf": pdf_bytes(),
        "Facilitator training log.docx": docx_bytes(),
        "Group session photo.png": png_bytes(),
        "policy.pdf": HTML,  # a web page saved under a PDF name
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def test_evidence_from_the_criterion_page_to_the_library(
    page,
    live_server,
    settings,
    tmp_path,
    provider_user,
    sign_in,  # noqa: F811
    screenshot,  # noqa: F811
    assert_accessible,  # noqa: F811
    console_errors,  # noqa: F811
    evidence_files,
):
    use_private_storage(settings, tmp_path)
    application = started_application(lead=provider_user)
    first, second = responses_of(application)[:2]
    sign_in(provider_user)

    criterion_page = live_server.url + reverse(
        "accreditation:response_edit", args=[application.pk, first.criterion_id]
    )
    page.goto(criterion_page)
    panel = page.get_by_role("region", name="Evidence for this criterion")
    assert panel.get_by_text("No evidence has been added for this criterion yet.").is_visible()
    assert panel.get_by_text("Drag files here").is_visible()  # evidence.js enhanced the form

    # Drag and drop: files dropped on the zone fill the input and are listed by name.
    panel.locator("[data-evidence-dropzone]").evaluate(
        """zone => {
            const data = new DataTransfer();
            data.items.add(new File(["%PDF-1.7 x"], "Dropped minutes.pdf", {type: "application/pdf"}));
            data.items.add(new File(["MZ"], "tool.exe"));
            zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }"""
    )
    files_input = panel.get_by_label("Files", exact=True)
    assert files_input.evaluate("input => input.files.length") == 2
    assert panel.get_by_text("2 files chosen:").is_visible()
    assert panel.get_by_text(re.compile(r"tool\.exe .* will not be accepted")).is_visible()
    screenshot("evidence-dropzone")

    # A batch with a web page disguised as a PDF: refused whole, with the reason by the field.
    files_input.set_input_files(
        [evidence_files / "Safeguarding policy 2025.pdf", evidence_files / "policy.pdf"]
    )
    panel.get_by_label("Where to look").fill("section 4, page 12")
    panel.get_by_role("button", name="Upload files").click()
    expect(page.get_by_role("heading", name="Nothing was uploaded")).to_be_visible()
    assert page.get_by_text(
        "“policy.pdf” was not uploaded: its content is a web page (HTML), not a PDF."
    ).first.is_visible()
    assert page.get_by_label("Where to look").first.input_value() == "section 4, page 12"
    assert not EvidenceLink.objects.exists()
    assert_accessible("refused upload")
    screenshot("evidence-upload-refused")

    # The plain multiple file input: three good files at once.
    page.goto(criterion_page)
    panel = page.get_by_role("region", name="Evidence for this criterion")
    panel.get_by_label("Files", exact=True).set_input_files(
        [
            evidence_files / "Safeguarding policy 2025.pdf",
            evidence_files / "Facilitator training log.docx",
            evidence_files / "Group session photo.png",
        ]
    )
    panel.get_by_label("Where to look").fill("section 4, page 12")
    panel.get_by_role("button", name="Upload files").click()
    expect(
        page.get_by_text(re.compile(r"^\s*Uploaded “Safeguarding policy 2025\.pdf”"))
    ).to_be_visible()
    assert page.url == criterion_page  # the panel was replaced in place
    panel = page.get_by_role("region", name="Evidence for this criterion")
    for name in ["Safeguarding policy 2025.pdf", "Facilitator training log.docx"]:
        assert panel.get_by_role("link", name=name, exact=True).is_visible()
    assert panel.get_by_text("section 4, page 12").first.is_visible()
    assert_accessible("criterion page with evidence")
    panel.screenshot(
        path=str(screenshot("evidence-criterion-page").with_name("evidence-panel.png"))
    )

    # Reuse one file for the next criterion.
    page.goto(
        live_server.url
        + reverse("accreditation:response_edit", args=[application.pk, second.criterion_id])
    )
    panel = page.get_by_role("region", name="Evidence for this criterion")
    assert panel.get_by_role("list", name="Recently uploaded files").is_visible()
    panel.get_by_label("Find a file already in this application").fill("safeguarding")
    results = panel.get_by_role("list", name="Files whose name contains “safeguarding”")
    expect(results).to_be_visible()  # fetched while typing (htmx), the page not left
    assert results.get_by_role("listitem").count() == 1
    assert_accessible("file search results")
    panel.screenshot(path=str(screenshot("evidence-search").with_name("evidence-search.png")))
    panel.locator("input[name=pointer]").last.fill("appendix B")
    results.get_by_role(
        "button", name=re.compile(r"^Use for this criterion\W+Safeguarding policy 2025\.pdf$")
    ).click()
    assert page.get_by_text(re.compile("is now also evidence for criterion")).is_visible()
    assert page.get_by_text("appendix B").first.is_visible()

    page.goto(live_server.url + reverse("accreditation:evidence_library", args=[application.pk]))
    assert page.get_by_role("heading", level=1, name="Evidence library").is_visible()
    assert page.get_by_text("3 files").is_visible()
    assert_accessible("evidence library")
    screenshot("evidence-library")

    page.get_by_role("link", name="Safeguarding policy 2025.pdf", exact=True).click()
    assert page.get_by_role("heading", name="Replace with a new version").is_visible()
    assert_accessible("evidence file page")
    screenshot("evidence-detail")
    # The refused upload answers 422 on purpose; anything else (a CSP violation) is a failure.
    unexpected = [error for error in console_errors if "status of 422" not in error]
    assert not unexpected, unexpected
