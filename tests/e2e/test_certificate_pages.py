"""Certificates in a browser: a member of the public verifies a certificate by typing its number,
follows the QR code's address, and is told plainly when one is suspended; an administrator issues
a certificate and watches its PDF being made until the download link appears. axe-core clean at
desktop and phone widths, no console errors, screenshots of every page."""

import io
import shutil
import subprocess
import threading
import time

import pytest

from accreditation.models import Certificate, CertificateStatus, ReportStatus
from accreditation.services.certificates import certificate_change
from accreditation.services.reports import report_render
from tests.accreditation.certified import issued
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import decided
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _qr_target(certificate) -> str:
    """The address the certificate's QR code holds, read from its PDF as a phone would."""
    import pypdfium2
    import zxingcpp

    with certificate.document.file.open("rb") as handle:
        pdf = pypdfium2.PdfDocument(io.BytesIO(handle.read()))
    (code,) = zxingcpp.read_barcodes(pdf[0].render(scale=3).to_pil())
    return code.text


def test_the_public_verify_a_certificate(
    page, live_server, screenshot, assert_accessible, console_errors, settings, tmp_path
):
    use_private_storage(settings, tmp_path)
    settings.PORTAL_BASE_URL = live_server.url
    active = issued(render=True, criteria_per_theme=1)
    suspended = issued(criteria_per_theme=1)
    certificate_change(
        certificate=suspended,
        transition="suspend",
        user=suspended.stage.administrator,
        reason="A complaint is being looked into.",
    )

    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/register/")
        assert page.get_by_role("heading", name="Register of accredited programmes").count()
        assert page.get_by_role("link", name=active.number).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert_accessible(f"register, {name}")
        screenshot(f"certificates-register-{name}")

    # Type the number (as it is printed, in lower case with spaces even) and see its status.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Verify a certificate").first.click()
    page.get_by_label("Certificate number").fill(active.number.lower().replace("-", " - "))
    page.get_by_role("button", name="Check the certificate").click()
    page.wait_for_url(f"**/verify/{active.number}/")
    status = page.get_by_role("status")
    assert "Valid" in status.inner_text()
    assert f"{active.expires_on:%-d %B %Y}" in status.inner_text()
    assert active.programme_name in page.content()
    assert_accessible("verification, valid")
    screenshot("certificates-verify-valid-desktop")

    # The QR code on the PDF leads to the same page.
    target = _qr_target(Certificate.objects.select_related("document").get(pk=active.pk))
    assert target == f"{live_server.url}/verify/{active.number}/"
    page.goto(target)
    assert "Valid" in page.get_by_role("status").inner_text()

    # A suspended certificate is said to be suspended, with the date, on a phone too.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("Certificate number").fill(suspended.number)
    page.get_by_role("button", name="Check the certificate").click()
    page.wait_for_url(f"**/verify/{suspended.number}/")
    said = page.get_by_role("status").inner_text()
    assert "Suspended" in said and "not accredited while the certificate is suspended" in said
    assert "complaint" not in page.content()  # the reason stays inside QISMET
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible("verification, suspended, phone")
    screenshot("certificates-verify-suspended-phone")

    # A number that does not exist says so (its page answers 404, which the browser logs), and a
    # badly typed one says what is wrong.
    assert not console_errors
    page.goto(f"{live_server.url}/verify/QSM-2026-9999/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "No certificate has the number QSM-2026-9999"
    assert_accessible("verification, not found, phone")
    screenshot("certificates-verify-not-found-phone")
    page.get_by_label("Certificate number").fill("12345")
    page.get_by_role("button", name="Check the certificate").click()
    page.wait_for_load_state()
    assert page.get_by_text("There is a problem").count()
    assert_accessible("verification, refused number, phone")
    screenshot("certificates-verify-error-phone")
    assert all("status of 404" in error for error in console_errors), console_errors


def test_an_administrator_issues_a_certificate_and_watches_its_pdf(
    page,
    live_server,
    sign_in,
    screenshot,
    assert_accessible,
    console_errors,
    settings,
    tmp_path,
    monkeypatch,
):
    use_private_storage(settings, tmp_path)
    settings.PORTAL_BASE_URL = live_server.url
    # The render waits on the queue for a worker (started below), as in production, instead of
    # running in the request.
    from qismet_portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    stage = decided(outcome="accredited", criteria_per_theme=1)
    sign_in(stage.administrator)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/applications/{stage.application.pk}/")
    assert_accessible("application page, accredited")
    page.get_by_role("button", name="Issue the certificate").click()
    page.wait_for_url(f"**/applications/{stage.application.pk}/certificate/")
    certificate = Certificate.objects.get()
    assert certificate.number in page.get_by_role("heading", level=1).inner_text()
    bar = page.get_by_role("progressbar", name="Progress of the certificate's PDF")
    assert bar.count() == 1
    assert_accessible("certificate page, PDF waiting")
    screenshot("certificates-issued-waiting-desktop")

    worker = threading.Thread(
        target=lambda: (time.sleep(1.5), report_render(report_id=certificate.document_id))
    )
    worker.start()
    link = page.get_by_role("link", name="Download the certificate (PDF")
    link.wait_for(timeout=30_000)
    worker.join()
    assert not page.get_by_role("progressbar").count()
    assert_accessible("certificate page, PDF ready")
    screenshot("certificates-issued-ready-desktop")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"QISMET-certificate-{certificate.number}.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):  # a picture of the PDF beside the screenshots
        out = ARTIFACTS / "certificates-pdf"
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", tmp_path / "certificate.pdf", out], check=True
        )

    # Suspend it, with a reason and a confirmation; the history says so.
    page.get_by_role("link", name=f"Suspend certificate {certificate.number}").click()
    assert_accessible("suspend page")
    page.get_by_role("button", name=f"Suspend certificate {certificate.number}").click()
    assert page.get_by_text("There is a problem").count()
    assert_accessible("suspend page with errors")
    screenshot("certificates-suspend-errors-desktop")
    page.get_by_label("Why is the certificate being suspended?").fill(
        "A complaint about supervision is being looked into."
    )
    page.get_by_label(f"I confirm that certificate {certificate.number} is to be suspended").check()
    page.get_by_role("button", name=f"Suspend certificate {certificate.number}").click()
    page.wait_for_url(f"**/applications/{stage.application.pk}/certificate/")
    assert "A complaint about supervision is being looked into." in page.content()
    assert Certificate.objects.get().status == CertificateStatus.SUSPENDED
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible("certificate page, suspended, phone")
    screenshot("certificates-suspended-phone")

    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Certificates", exact=True).first.click()
    page.wait_for_url("**/applications/certificates/")
    assert page.get_by_role("link", name=certificate.number).count() == 1
    assert_accessible("certificate list")
    screenshot("certificates-list-desktop")
    assert Certificate.objects.get().document.status == ReportStatus.READY
    assert not console_errors
