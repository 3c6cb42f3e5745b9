"""Asking for accreditation reports, and rendering them in the Celery workers.

``report_request`` (a web request) freezes the report's inputs, finds or creates the report row
for them and queues the render through the outbox, all in one transaction: asking twice with the
same inputs gives the same row and no second render; a broker that is down leaves the render
queued until it is back (the page says so).

``report_render`` (the worker) claims the row, renders the PDF from the frozen inputs, stores it
and marks it ready. It is safe to run more than once and to be killed at any moment:

* the claim moves the row to "rendering" and counts the attempt, under the row lock; a row
  already rendering is left to its worker while that worker's heartbeat is fresh (the task tries
  again later), and taken over once it is stale (the worker died);
* while rendering, a heartbeat thread writes ``heartbeat_at`` every ``REPORT_HEARTBEAT_SECONDS``;
* only the attempt that holds the row may mark it ready, so a render that lost its claim throws
  its file away; the file's name depends only on the inputs, so a re-render overwrites, never
  adds.

``reports_sweep`` (Celery beat) re-queues what was lost on the way: rows queued long ago whose
message never ran, and rows rendering with a stale heartbeat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import notify
from accreditation.models import (
    REPORT_KINDS,
    Application,
    ApplicationEvent,
    CommentResponse,
    FactualAccuracyComment,
    Report,
    ReportKind,
    ReportSection,
    ReportStatus,
)
from accreditation.models.reports import report_upload_to
from accreditation.selectors.reports import (
    REPORTABLE_STATUSES,
    draft_window_open,
    inputs_digest,
    pdf_document,
    report_inputs,
    shared_draft,
)
from accreditation.tasks import notify_factual_accuracy_ended, notify_report_shared
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue
from qismet_portal.working_days import add_working_days

from .decisions import provider_contacts
from .history import event_record

logger = logging.getLogger(__name__)


class ReportBusy(Exception):
    """Another worker is rendering this report and its heartbeat is fresh: try again later."""


def _render_task():
    from accreditation.report_tasks import report_render

    return report_render


def report_request(*, application: Application, kind: str, user: User) -> tuple[Report, bool]:
    """The report of ``application``'s current decision and scores; (report, created).

    Refused before a decision. The same inputs give the same report: a ready one is returned as
    it is, a failed one is queued again, a queued or rendering one is left to its worker.
    """
    if kind not in REPORT_KINDS:
        raise DomainError("Choose a draft or a final report.")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in REPORTABLE_STATUSES:
            raise DomainError(
                "A report can be made once the application has been decided: it describes the "
                "decision and the agreed scores."
            )
        if kind == ReportKind.FINAL:
            refusal = final_report_refusal(application)
            if refusal:
                raise DomainError(refusal)
        inputs = report_inputs(application, kind)
        digest = inputs_digest(inputs)
        existing = (
            Report.objects.select_for_update()
            .filter(application=application, kind=kind, inputs_digest=digest)
            .first()
        )
        if existing is not None:
            if existing.status == ReportStatus.FAILED:
                _requeue(existing)
            return existing, False
        last = Report.objects.filter(application=application, kind=kind).aggregate(n=Max("number"))
        report = Report.objects.create(
            application=application,
            kind=kind,
            number=(last["n"] or 0) + 1,
            inputs=inputs,
            inputs_digest=digest,
            requested_by=user,
            requested_at=timezone.now(),
        )
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.REPORT_REQUESTED,
            actor=user,
            detail=f"{report.get_kind_display()}, version {report.number}.",
        )
        enqueue(_render_task(), report.pk)
    return report, True


def report_retry(*, report: Report, user: User) -> Report:
    """Ask again for a report that could not be made (same inputs, same row)."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.FAILED:
            raise DomainError("Only a report that could not be made can be tried again.")
        _requeue(report)
    return report


def _requeue(report: Report, *, fresh: bool = True) -> None:
    """Back to the queue. Asked for again by a person (``fresh``), the attempts start again;
    put back by the sweeper, they keep counting towards ``REPORT_MAX_ATTEMPTS``."""
    report.requeue()
    if fresh:
        report.attempts = 0
    report.error = ""
    report.progress = 0
    report.save(update_fields=["status", "error", "progress", "attempts", "updated_at"])
    enqueue(_render_task(), report.pk)


def report_share(*, report: Report, user: User) -> Report:
    """Make a ready report visible to the provider's members."""
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("application").get(pk=report.pk)
        if report.status != ReportStatus.READY:
            raise DomainError("Only a finished report can be shared with the provider.")
        if report.shared_at is None:
            report.shared_at, report.shared_by = timezone.now(), user
            if report.kind == ReportKind.DRAFT:
                report.comments_until = add_working_days(
                    timezone.localdate(), settings.FACTUAL_ACCURACY_WORKING_DAYS
                )
            report.save(update_fields=["shared_at", "shared_by", "comments_until", "updated_at"])
            event_record(
                application=report.application,
                kind=ApplicationEvent.Kind.REPORT_SHARED,
                actor=user,
                detail=f"{report.get_kind_display()}, version {report.number}.",
            )
            notify(
                users=provider_contacts(report.application),
                message=(
                    f"The {report.get_kind_display().lower()} of application "
                    f"{report.application.reference} is ready to read."
                ),
                url=reverse("accreditation:application_detail", args=[report.application_id]),
            )
            enqueue(notify_report_shared, report.pk)
    return report


# --- the factual-accuracy check ------------------------------------------------------------------


def final_report_refusal(application: Application) -> str:
    """Why the final report cannot be made yet ("" when it can): the draft must have been shared
    with the provider, its factual-accuracy window must be over (or closed by the provider) and
    every comment answered."""
    draft = shared_draft(application)
    if draft is None:
        return (
            "Share a draft report with the provider first: the final report comes after their "
            "factual-accuracy check."
        )
    if draft_window_open(draft):
        return (
            f"The provider can comment on the draft until {draft.comments_until:%-d %B %Y}, "
            "unless they say sooner that they have no more comments. Make the final report "
            "after that."
        )
    waiting = draft.comments.filter(response="").count()
    if waiting:
        return (
            f"Answer the provider's {waiting} comment{'s' if waiting != 1 else ''} on the draft "
            "report first: the answers are printed in the final report."
        )
    return ""


def comment_add(
    *, report: Report, user: User, section: str, comment: str
) -> FactualAccuracyComment:
    """A provider member's comment on one section of the shared draft, within the window."""
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("application").get(pk=report.pk)
        if report.kind != ReportKind.DRAFT or report.shared_at is None:
            raise DomainError("Comments are taken on a draft report shared with you.")
        if not draft_window_open(report):
            raise DomainError(
                "The factual-accuracy check of this draft is over, so comments cannot be added "
                "any more. Contact QISMET if something is wrong."
            )
        if section not in ReportSection.values:
            raise DomainError("Choose the part of the report your comment is about.")
        comment = comment.strip()
        if not comment:
            raise DomainError("Write your comment.")
        row = FactualAccuracyComment.objects.create(
            report=report, section=section, comment=comment, written_by=user
        )
        event_record(
            application=report.application,
            kind=ApplicationEvent.Kind.REPORT_COMMENTED,
            actor=user,
            detail=f"{row.get_section_display()}.",
        )
        notify(
            users=User.objects.administrators().active(),
            message=(
                f"Application {report.application.reference}: a comment on the draft report "
                f"({row.get_section_display().lower()})."
            ),
            url=reverse("accreditation:report_comments", args=[report.application_id, report.pk]),
        )
    return row


def comments_close(*, report: Report, user: User) -> Report:
    """The provider has no more comments: the check ends now rather than at the deadline."""
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("application").get(pk=report.pk)
        if report.kind != ReportKind.DRAFT or report.shared_at is None:
            raise DomainError("Only a draft report shared with you has a factual-accuracy check.")
        if not draft_window_open(report):
            return report
        report.comments_closed_at = timezone.now()
        report.save(update_fields=["comments_closed_at", "updated_at"])
        event_record(
            application=report.application,
            kind=ApplicationEvent.Kind.REPORT_COMMENTS_CLOSED,
            actor=user,
            detail=f"{report.comments.count()} comment(s) sent.",
        )
        notify(
            users=User.objects.administrators().active(),
            message=(
                f"Application {report.application.reference}: the provider has finished checking "
                "the draft report."
            ),
            url=reverse("accreditation:report_comments", args=[report.application_id, report.pk]),
        )
    return report


def comment_answer(
    *, comment: FactualAccuracyComment, user: User, response: str, text: str
) -> FactualAccuracyComment:
    """QISMET's answer to one comment (printed with it in the final report)."""
    if response not in CommentResponse.values:
        raise DomainError("Say whether the final report is corrected.")
    text = text.strip()
    if not text:
        raise DomainError("Write the answer the provider will read.")
    with transaction.atomic():
        comment = (
            FactualAccuracyComment.objects.select_for_update()
            .select_related("report__application")
            .get(pk=comment.pk)
        )
        comment.response, comment.response_text = response, text
        comment.responded_by, comment.responded_at = user, timezone.now()
        comment.save()
        application = comment.report.application
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.REPORT_COMMENT_ANSWERED,
            actor=user,
            detail=f"{comment.get_section_display()}: {comment.get_response_display().lower()}.",
        )
        notify(
            users=provider_contacts(application),
            message=(
                f"Application {application.reference}: QISMET has answered your comment on the "
                "draft report."
            ),
            url=reverse("accreditation:report_comments", args=[application.pk, comment.report_id]),
        )
    return comment


def factual_accuracy_windows_flag(*, today=None) -> int:
    """Daily: tell the administrators, once per draft, that a factual-accuracy window has ended
    without the provider saying they had finished (history line, portal notification, email).
    Returns how many were flagged; running it twice flags nothing the second time."""
    today = today or timezone.localdate()
    flagged = 0
    due = Report.objects.filter(
        kind=ReportKind.DRAFT,
        shared_at__isnull=False,
        comments_until__lt=today,
        comments_closed_at__isnull=True,
        comments_end_notified_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            report = (
                Report.objects.select_for_update(skip_locked=True)
                .select_related("application")
                .filter(pk=pk, comments_end_notified_at__isnull=True)
                .first()
            )
            if report is None:
                continue
            report.comments_end_notified_at = timezone.now()
            report.save(update_fields=["comments_end_notified_at", "updated_at"])
            waiting = report.comments.filter(response="").count()
            event_record(
                application=report.application,
                kind=ApplicationEvent.Kind.REPORT_COMMENTS_CLOSED,
                actor=None,
                detail=f"The window ended on {report.comments_until:%-d %B %Y}; "
                f"{waiting} comment(s) to answer.",
            )
            notify(
                users=User.objects.administrators().active(),
                message=(
                    f"Application {report.application.reference}: the factual-accuracy check of "
                    f"the draft report ended; {waiting} comment(s) to answer before the final "
                    "report."
                ),
                url=reverse(
                    "accreditation:report_comments", args=[report.application_id, report.pk]
                ),
            )
            enqueue(notify_factual_accuracy_ended, report.pk)
            flagged += 1
    return flagged


# --- the worker side ----------------------------------------------------------------------------


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.REPORT_HEARTBEAT_TIMEOUT_SECONDS)


def _claim(report_id: int) -> Report | None:
    """Move the report to rendering for this attempt; None if there is nothing to do."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status in (ReportStatus.READY, ReportStatus.FAILED):
            return None
        if report.status == ReportStatus.RENDERING and (
            report.heartbeat_at and report.heartbeat_at >= _stale_before()
        ):
            raise ReportBusy(report_id)
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            # Every attempt so far died without a word (killed, out of memory, the hard time
            # limit): stop trying, and say so; an administrator can ask again.
            report.fail()
            report.error = (
                f"The PDF could not be made: the worker stopped {report.attempts} times while "
                "making it. Try again; if it fails again, tell the portal's support team."
            )
            report.finished_at = timezone.now()
            report.save(update_fields=["status", "error", "finished_at", "updated_at"])
            logger.error("Report %s failed after %d attempts", report.pk, report.attempts)
            return None
        report.start()
        now = timezone.now()
        report.attempts += 1
        report.worker = _worker_name()
        report.started_at = report.heartbeat_at = now
        report.progress = 5
        report.error = ""
        report.save(
            update_fields=[
                "status",
                "attempts",
                "worker",
                "started_at",
                "heartbeat_at",
                "progress",
                "error",
                "updated_at",
            ]
        )
    return report


def _mine(report: Report):
    return Report.objects.filter(
        pk=report.pk, status=ReportStatus.RENDERING, attempts=report.attempts
    )


def _progress(report: Report, percent: int) -> None:
    _mine(report).update(progress=percent, heartbeat_at=timezone.now())


class _Heartbeat(threading.Thread):
    """Writes the claim's heartbeat while the (single, long) layout call runs."""

    def __init__(self, report: Report) -> None:
        super().__init__(name=f"report-{report.pk}-heartbeat", daemon=True)
        self.report = report
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.REPORT_HEARTBEAT_SECONDS):
                try:
                    _mine(self.report).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # a busy database: the next beat tries again
                    logger.warning("Report %s heartbeat not written: %s", self.report.pk, error)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive():
            self.join(timeout=5)


def report_render(*, report_id: int) -> Report | None:
    """Render one report (see the module docstring). Raises ``ReportBusy`` when another live
    worker holds it; returns the report when this attempt finished it, else None.

    It leaves the database connection alone: a worker's connections are recycled around each
    task by Celery's Django fixup, and a task run in-process (the embedded mode) runs inside the
    outbox's publishing transaction, whose connection must not be closed under it."""
    report = _claim(report_id)
    if report is None:
        return None
    # Inside a transaction (a render run in-process as the outbox publishes it) the claim is not
    # visible to other connections until that transaction ends, so there is nobody to beat for.
    heartbeat = _Heartbeat(report)
    if not connection.in_atomic_block:
        heartbeat.start()
    try:
        template, context = pdf_document(report)
        _progress(report, 15)
        html = render_to_string(template, context)
        _progress(report, 30)
        from accreditation.documents import pdf_render

        pdf = pdf_render(html, progress=lambda percent: _progress(report, percent))
    except Exception as error:
        heartbeat.stop()
        report_fail(report=report, error=error)
        raise
    heartbeat.stop()
    return _store(report, pdf)


def _store(report: Report, pdf) -> Report | None:
    with transaction.atomic():
        current = Report.objects.select_for_update().filter(pk=report.pk).first()
        if (
            current is None
            or current.status != ReportStatus.RENDERING
            or current.attempts != report.attempts
        ):
            logger.info("Report %s was taken over; this render is discarded", report.pk)
            return None
        # The name depends only on the report (its inputs): a file left by an attempt that died
        # between storing and committing is replaced, not kept beside the new one.
        name = report_upload_to(current, "report.pdf")
        if current.file.storage.exists(name):
            current.file.storage.delete(name)
        current.file.save(name, ContentFile(pdf.content), save=False)
        current.finish()
        current.sha256, current.size, current.pages = pdf.sha256, len(pdf.content), pdf.pages
        current.progress, current.finished_at = 100, timezone.now()
        current.save()
    return current


def report_fail(*, report: Report, error: BaseException) -> None:
    """Record a failed render in plain words (the details go to the log)."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(error, SoftTimeLimitExceeded):
        message = (
            f"Making the PDF took longer than {settings.REPORT_RENDER_TIME_LIMIT} seconds and "
            "was stopped. Try again; if it fails again, tell the portal's support team."
        )
    else:
        message = (
            "The PDF could not be made because of an error in the portal "
            f"({type(error).__name__}). Try again; if it fails again, tell the portal's "
            "support team."
        )
    logger.error("Report %s failed: %r", report.pk, error)
    with transaction.atomic():
        current = Report.objects.select_for_update().filter(pk=report.pk).first()
        if current is None or current.attempts != report.attempts:
            return
        if current.status in (ReportStatus.QUEUED, ReportStatus.RENDERING):
            current.fail()
            current.error, current.finished_at = message, timezone.now()
            current.save(update_fields=["status", "error", "finished_at", "updated_at"])


def reports_sweep() -> int:
    """Queue again the renders that were lost: queued for longer than
    ``REPORT_REQUEUE_AFTER_SECONDS`` (their message never ran), or rendering with a heartbeat
    older than ``REPORT_HEARTBEAT_TIMEOUT_SECONDS`` (their worker died and nothing redelivered
    the message). Returns how many were queued again."""
    queued_before = timezone.now() - timedelta(seconds=settings.REPORT_REQUEUE_AFTER_SECONDS)
    requeued = 0
    candidates = list(
        Report.objects.filter(status=ReportStatus.QUEUED, updated_at__lt=queued_before).values_list(
            "pk", flat=True
        )
    ) + list(
        Report.objects.filter(
            status=ReportStatus.RENDERING, heartbeat_at__lt=_stale_before()
        ).values_list("pk", flat=True)
    )
    for pk in candidates:
        with transaction.atomic():
            report = Report.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if report is None:
                continue
            stale = (
                report.status == ReportStatus.QUEUED and report.updated_at < queued_before
            ) or (
                report.status == ReportStatus.RENDERING
                and report.heartbeat_at is not None
                and report.heartbeat_at < _stale_before()
            )
            if stale:
                _requeue(report, fresh=False)
                requeued += 1
    if requeued:
        logger.warning("Report sweeper queued %d lost render(s) again", requeued)
    return requeued
