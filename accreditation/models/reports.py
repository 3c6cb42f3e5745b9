"""Accreditation reports: PDFs rendered by the Celery workers from frozen inputs.

A report row is asked for in a web request and rendered by a worker (``services.reports``).
It holds everything the PDF shows, frozen as JSON when it was asked for (``inputs``: the names of
the submission record and the decision, the agreed scores, the conditions, the evidence index),
and the SHA-256 of those inputs (``inputs_digest``). Asking again with the same inputs gives the
same row; changed inputs (a condition signed off, a new decision) give a new numbered version,
and older versions are kept.

Status: queued → rendering → ready, or failed (with a plain message) from which an
administrator can ask again (back to queued). A worker claims a row by moving it to rendering
and counting the attempt; while it renders it writes a heartbeat every few seconds, so a render
whose worker died (killed, out of memory) is taken over by the next delivery once the heartbeat
is stale, and only the latest attempt may mark the row ready.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from qismet_portal.models import TimeStampedModel

from .applications import Application


class ReportKind(models.TextChoices):
    DRAFT = "draft", "Draft report"
    FINAL = "final", "Final report"
    #: A certificate's PDF (``Certificate.document``): rendered by the same workers, never
    #: listed with the reports.
    CERTIFICATE = "certificate", "Certificate"


#: The kinds that are accreditation reports (asked for on the reports page).
REPORT_KINDS = (ReportKind.DRAFT, ReportKind.FINAL)


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be made"
    RENDERING = "rendering", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be made"


def report_upload_to(instance: Report, filename: str) -> str:
    """Generated names only, under the private storage."""
    return (
        f"reports/{instance.application_id}/{instance.kind}-{instance.number}-"
        f"{instance.inputs_digest[:16]}.pdf"
    )


class Report(FSMModelMixin, TimeStampedModel):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=12, choices=ReportKind.choices)
    number = models.PositiveSmallIntegerField(help_text="Version of this kind of report: 1, 2, …")
    status = FSMField(default=ReportStatus.QUEUED, choices=ReportStatus.choices, protected=True)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    inputs = models.JSONField()
    inputs_digest = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    # Rendering, by the worker.
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)  # host and process of the last attempt
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The result.
    file = models.FileField(upload_to=report_upload_to, max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveSmallIntegerField(default=0)
    # Shared with the provider (the draft for the factual-accuracy check, or the final report).
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A shared draft's factual-accuracy check: open until this day (inclusive), or until the
    # provider says they have no more comments (``comments_closed_at``).
    comments_until = models.DateField(null=True, blank=True)
    comments_closed_at = models.DateTimeField(null=True, blank=True)
    # When the administrators were told the window had ended (once: the daily job is idempotent).
    comments_end_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "inputs_digest"],
                name="accreditation_report_once_per_inputs",
            ),
            models.UniqueConstraint(
                fields=["application", "kind", "number"],
                name="accreditation_report_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="accreditation_report_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.READY) | ~Q(sha256=""),
                name="accreditation_report_ready_has_file",
            ),
            models.CheckConstraint(
                condition=Q(shared_at__isnull=True) | Q(status=ReportStatus.READY),
                name="accreditation_report_shared_only_when_ready",
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="report_status_beat_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} of {self.application_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)

    @property
    def download_name(self) -> str:
        return f"QISMET-{self.kind}-report-{self.application.reference}-v{self.number}.pdf"

    @property
    def comments_open(self) -> bool:
        from accreditation.selectors.reports import draft_window_open

        return draft_window_open(self)

    @transition(
        field=status,
        source=[ReportStatus.QUEUED, ReportStatus.RENDERING],
        target=ReportStatus.RENDERING,
    )
    def start(self) -> None:
        """A worker claims the render (a stale one is taken over: see the module's docstring)."""

    @transition(field=status, source=ReportStatus.RENDERING, target=ReportStatus.READY)
    def finish(self) -> None:
        """The PDF is stored and its hash recorded."""

    @transition(
        field=status,
        source=[ReportStatus.QUEUED, ReportStatus.RENDERING],
        target=ReportStatus.FAILED,
    )
    def fail(self) -> None:
        """The render failed; ``error`` says why in plain words."""

    @transition(
        field=status,
        source=[ReportStatus.FAILED, ReportStatus.QUEUED, ReportStatus.RENDERING],
        target=ReportStatus.QUEUED,
    )
    def requeue(self) -> None:
        """Asked for again after a failure, or put back by the sweeper after a lost render."""


class ReportSection(models.TextChoices):
    """The parts of a report the provider may comment on in the factual-accuracy check."""

    COVER = "cover", "Cover and summary"
    RESULTS = "results", "Results per theme"
    THEME_1 = "theme-1", "Criteria of theme 1"
    THEME_2 = "theme-2", "Criteria of theme 2"
    THEME_3 = "theme-3", "Criteria of theme 3"
    THEME_4 = "theme-4", "Criteria of theme 4"
    CONDITIONS = "conditions", "Conditions"
    EVIDENCE = "evidence", "Evidence considered"
    DECISION = "decision", "The decision"


class CommentResponse(models.TextChoices):
    CORRECTED = "corrected", "Corrected in the final report"
    NOT_CHANGED = "not_changed", "Not changed"


class FactualAccuracyComment(TimeStampedModel):
    """A provider's comment on one section of a shared draft report, and QISMET's answer.

    The factual-accuracy window opens when the draft is shared and lasts
    ``FACTUAL_ACCURACY_WORKING_DAYS`` working days (England and Wales bank holidays counted);
    the comments and answers are printed in the final report.
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="comments")
    section = models.CharField(max_length=20, choices=ReportSection.choices)
    comment = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    response = models.CharField(max_length=20, choices=CommentResponse.choices, blank=True)
    response_text = models.TextField("answer", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(response="") & Q(responded_at__isnull=True))
                | (~Q(response="") & ~Q(response_text="") & Q(responded_at__isnull=False)),
                name="accreditation_comment_answered_fully",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.get_section_display()} of report {self.report_id}"

    @property
    def is_answered(self) -> bool:
        return bool(self.response)
