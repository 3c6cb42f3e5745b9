"""Celery tasks that render PDFs. They run on their own queue (``reports``), so a long render
never delays an email; ``services.reports`` holds the logic and its safety rules."""

from celery import shared_task
from django.conf import settings

from qismet_portal.outbox.services import outbox_mark_done


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_RENDER_TIME_LIMIT,
    time_limit=settings.REPORT_RENDER_TIME_LIMIT + 30,
    max_retries=None,
)
def report_render(self, report_id: int) -> str:
    """Render one report. Another live worker holding it makes this try again once its
    heartbeat would be stale; a killed worker's message comes back here (acks late, rejected
    on worker loss) and takes over."""
    from accreditation.services.reports import ReportBusy
    from accreditation.services.reports import report_render as render

    try:
        report = render(report_id=report_id)
    except ReportBusy as busy:
        raise self.retry(countdown=settings.REPORT_HEARTBEAT_TIMEOUT_SECONDS + 1) from busy
    finally:
        if self.request.id and not self.request.called_directly:
            outbox_mark_done(task_id=self.request.id)
    return "rendered" if report is not None else "nothing to do"


@shared_task
def reports_sweep() -> int:
    """Celery beat: queue again the renders that were lost (see services.reports)."""
    from accreditation.services.reports import reports_sweep as sweep

    return sweep()
