"""The assessor's scoring workspace in a browser: home, overview, a criterion; a PDF preview
renders in Chromium's viewer under the sandboxing headers; axe-core clean; screenshots at
desktop and phone widths."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfWriter

from accreditation.models import EvidenceRevision, SubmittedEvidence
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import in_assessment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


def _real_pdf(revision: EvidenceRevision) -> None:
    writer = PdfWriter()
    writer.add_blank_page(300, 300)
    out = io.BytesIO()
    writer.write(out)
    revision.file.save("upload", ContentFile(out.getvalue()), save=False)
    EvidenceRevision.objects.filter(pk=revision.pk).update(
        file=revision.file.name, size=len(out.getvalue())
    )


@pytest.mark.parametrize("width,height,label", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_scoring_pages(
    page, live_server, sign_in, screenshot, assert_accessible, width, height, label
):
    stage = in_assessment()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(stage.lead.assessor)
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Your assignments").is_visible()
    assert_accessible("assessor home")
    screenshot(f"scoring-home-{label}")
    page.get_by_role("link", name=f"Score {stage.application.reference}").click()
    assert page.get_by_role(
        "heading", name=f"Your scoring: {stage.application.programme.name}"
    ).is_visible()
    assert_accessible("scoring overview")
    screenshot(f"scoring-overview-{label}")
    criterion = stage.criteria[0]
    page.get_by_role("link", name=f"{criterion.code} {criterion.title}").click()
    page.get_by_label("Partially met").check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("Give your rationale").first.is_visible()
    assert_accessible("criterion page with an error")
    page.get_by_label("Rationale").fill("Only part of the policy is in place.")
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text(f"Score for criterion {criterion.code} saved.").is_visible()
    assert_accessible("criterion page")
    screenshot(f"scoring-criterion-{label}")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width


def test_a_pdf_preview_renders_in_the_browser_viewer(page, live_server, sign_in):
    stage = in_assessment()
    submitted = SubmittedEvidence.objects.filter(answer__record=stage.record).select_related(
        "revision"
    )[0]
    _real_pdf(submitted.revision)
    sign_in(stage.lead.assessor)
    url = (
        f"{live_server.url}/applications/{stage.application.pk}/evidence/revisions/"
        f"{submitted.revision_id}/preview/"
    )
    fetched = page.request.get(url)  # the same session, headers as the server sent them
    assert fetched.status == 200
    assert fetched.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert fetched.headers["x-content-type-options"] == "nosniff"
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_timeout(1500)
    # Chromium's viewer: the document becomes its wrapper page (not a download, not a hang).
    assert "optional background-color" in page.content()
