"""Reports in a browser: an administrator watches a report being made (the progress bar polls
and turns into a download link without a reload), downloads it, asks again and is shown the same
report, shares it; the provider then finds it on the application page. axe-core clean, no console
errors, screenshots at desktop and phone widths."""

import threading
import time

import pytest
from django.utils import timezone

from accreditation.models import Report, ReportKind, ReportStatus
from accreditation.selectors.reports import inputs_digest, report_inputs
from accreditation.services.reports import report_render
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import decided

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _queued_report(stage) -> Report:
    """A report asked for and waiting for a worker (as if the queue had not reached one yet)."""
    inputs = report_inputs(stage.application, ReportKind.DRAFT)
    return Report.objects.create(
        application=stage.application,
        kind=ReportKind.DRAFT,
        number=1,
        inputs=inputs,
        inputs_digest=inputs_digest(inputs),
        requested_by=stage.administrator,
        requested_at=timezone.now(),
    )


def test_watch_a_report_being_made_then_share_it(
    page, live_server, sign_in, screenshot, assert_accessible, console_errors, settings, tmp_path
):
    use_private_storage(settings, tmp_path)
    stage = decided(
        outcome="conditional", conditions=2, level="partially_met", criteria_per_theme=3
    )
    report = _queued_report(stage)
    sign_in(stage.administrator)
    url = f"{live_server.url}/applications/{stage.application.pk}/reports/"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    bar = page.get_by_role("progressbar", name="Progress of draft report version 1")
    assert bar.get_attribute("value") == "0"
    assert "Waiting to be made" in page.locator(f"#report-{report.pk}").inner_text()
    assert_accessible("reports page, waiting")
    screenshot("reports-waiting-desktop")

    # A worker picks it up now; the page polls and shows the download link without a reload.
    worker = threading.Thread(target=lambda: (time.sleep(1.5), report_render(report_id=report.pk)))
    worker.start()
    link = page.get_by_role("link", name="Download the draft report")
    link.wait_for(timeout=30_000)
    worker.join()
    assert not page.get_by_role("progressbar").count()
    assert "SHA-256" in page.locator(f"#report-{report.pk}").inner_text()
    assert_accessible("reports page, ready")
    screenshot("reports-ready-desktop")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("QISMET-draft-report-APP-")
    assert download.path().read_bytes().startswith(b"%PDF-")

    # Asking again with nothing changed shows the same report.
    page.get_by_role("button", name="Make the draft report").click()
    page.wait_for_load_state()
    assert "Nothing has changed since draft report version 1" in page.content()
    assert Report.objects.filter(kind=ReportKind.DRAFT).count() == 1

    page.get_by_role("button", name="Share with the provider").click()
    page.wait_for_load_state()
    assert "is now shown to the provider" in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible("reports page, phone")
    screenshot("reports-shared-phone")
    page.context.clear_cookies()

    sign_in(stage.application.started_by)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/applications/{stage.application.pk}/")
    shared = page.get_by_role("link", name="Draft report, version 1")
    assert shared.count() == 1
    assert_accessible("application page with a shared report")
    screenshot("reports-provider-application")
    assert Report.objects.get().status == ReportStatus.READY
    assert not console_errors


def test_a_failed_report_says_so_and_can_be_tried_again(
    page, live_server, sign_in, screenshot, assert_accessible, settings, tmp_path
):
    use_private_storage(settings, tmp_path)
    stage = decided(outcome="accredited", criteria_per_theme=2)
    report = _queued_report(stage)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED,
        attempts=1,
        error="Making the PDF took longer than 300 seconds and was stopped. Try again; if it "
        "fails again, tell the portal's support team.",
    )
    sign_in(stage.administrator)
    page.goto(f"{live_server.url}/applications/{stage.application.pk}/reports/")
    alert = page.get_by_role("alert").filter(has_text="This report could not be made")
    assert "took longer than 300 seconds" in alert.inner_text()
    assert_accessible("reports page, failed")
    screenshot("reports-failed-desktop")
    page.get_by_role("button", name="Try again").click()
    page.get_by_role("link", name="Download the draft report").wait_for(timeout=30_000)
    report.refresh_from_db()
    # Asked for again by a person, the count of attempts starts again: this was the first of them.
    assert report.status == ReportStatus.READY and report.attempts == 1 and report.error == ""
