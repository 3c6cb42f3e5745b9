"""Reads of submission records (what was submitted, kept exactly)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accreditation.models import Application, SubmissionRecord, SubmittedAnswer, SubmittedEvidence


def submission_records_for(application: Application) -> QuerySet[SubmissionRecord]:
    """Every submission of ``application``, first to latest, with their answers (criterion and
    theme) and evidence (revision) loaded in a fixed number of queries."""
    return (
        SubmissionRecord.objects.filter(application=application)
        .select_related("version__standard", "submitted_by", "declaration_signed_by")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=SubmittedAnswer.objects.select_related(
                    "criterion__theme"
                ).prefetch_related(
                    Prefetch(
                        "evidence",
                        queryset=SubmittedEvidence.objects.select_related("revision").order_by(
                            "pk"
                        ),
                    )
                ),
            )
        )
        .order_by("number")
    )


def submission_record_latest(application: Application) -> SubmissionRecord | None:
    """The latest submission of ``application`` (what an assessor scores), or None."""
    return submission_records_for(application).order_by("-number").first()
