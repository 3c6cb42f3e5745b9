"""Submission records: exactly what was submitted, kept for good."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .answers import EvidenceRevision
from .applications import NOT_APPLICABLE, Application
from .base import AppendOnlyModel

# --- submission records -----------------------------------------------------------------------


class SubmissionRecord(AppendOnlyModel):
    """Exactly what was submitted, kept for good: one per submission of an application (the
    first, and each re-submission), numbered 1, 2, … Assessors score a record, never the live
    draft, so later edits and replaced files cannot change what a submission said."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="submission_records"
    )
    number = models.PositiveIntegerField()
    version = models.ForeignKey(
        "standards.StandardVersion", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The declaration, as signed.
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declaration_name = models.CharField(max_length=150)
    declaration_role = models.CharField(max_length=150)
    declaration_text = models.TextField()
    declaration_signed_at = models.DateTimeField()
    # The organisation's and the programme's details as they were when submitted.
    organisation = models.JSONField()
    programme = models.JSONField()

    class Meta:
        verbose_name = "submission record"
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="accreditation_submission_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="accreditation_submission_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Submission {self.number} of application {self.application_id}"


class SubmittedAnswer(AppendOnlyModel):
    """One criterion's answer as submitted."""

    record = models.ForeignKey(SubmissionRecord, on_delete=models.PROTECT, related_name="answers")
    criterion = models.ForeignKey("standards.Criterion", on_delete=models.PROTECT, related_name="+")
    narrative = models.TextField(blank=True)
    rating = models.CharField(max_length=30, blank=True)
    na_justification = models.TextField(blank=True)

    class Meta:
        verbose_name = "submitted answer"
        ordering = ["record", "criterion__theme__number", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "criterion"], name="accreditation_submitted_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to criterion {self.criterion_id} in submission {self.record_id}"

    @property
    def is_not_applicable(self) -> bool:
        return self.rating == NOT_APPLICABLE


class SubmittedEvidence(AppendOnlyModel):
    """A file offered as evidence for one submitted answer: the exact revision linked when it
    was submitted, with its hash, name, size and the note on where to look."""

    answer = models.ForeignKey(SubmittedAnswer, on_delete=models.PROTECT, related_name="evidence")
    revision = models.ForeignKey(EvidenceRevision, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField("SHA-256", max_length=64)
    original_name = models.CharField("file name", max_length=255)
    size = models.BigIntegerField()
    pointer = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "submitted evidence"
        verbose_name_plural = "submitted evidence"
        ordering = ["answer", "pk"]

    def __str__(self) -> str:
        return f"{self.original_name} (revision {self.revision_id})"
