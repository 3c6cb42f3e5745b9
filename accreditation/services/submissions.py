"""Submission records: what was submitted, kept exactly.

Each submission of an application (the first, and every re-submission) writes one
``SubmissionRecord``: every criterion's answer, the exact evidence revisions linked at that
moment (with their hashes), the signed declaration, and the organisation's and programme's
details as they were. Records are append-only (models and database triggers), so a later edit,
a replaced file or a re-submission never changes an earlier record.
"""

from django.db.models import Max

from accounts.models import User
from accreditation.models import (
    Application,
    EvidenceLink,
    Response,
    SubmissionRecord,
    SubmittedAnswer,
    SubmittedEvidence,
)
from providers.models import Programme

ORGANISATION_FIELDS = (
    "name",
    "address",
    "postcode",
    "region",
    "charity_number",
    "company_number",
    "nhs_ods_code",
    "contact_name",
    "contact_email",
    "contact_phone",
)
PROGRAMME_FIELDS = ("name", "conditions", "delivery_mode", "description")


def _snapshot(instance, fields) -> dict:
    snapshot = {"id": instance.pk}
    for field in fields:
        snapshot[field] = getattr(instance, field)
        display = getattr(instance, f"get_{field}_display", None)
        if display is not None:
            snapshot[f"{field}_label"] = str(display())
    return snapshot


def submission_record_create(*, application: Application, user: User) -> SubmissionRecord:
    """Write the record of the submission ``application`` has just gone through.

    Called by ``application_submit`` inside its transaction, under the application's row lock,
    after the transition (so the declaration is on ``application``). A fixed number of queries,
    whatever the number of criteria and files: the answers and the evidence are bulk-inserted.
    """
    last = SubmissionRecord.objects.filter(application=application).aggregate(n=Max("number"))
    programme = Programme.objects.select_related("organisation").get(pk=application.programme_id)
    record = SubmissionRecord.objects.create(
        application=application,
        number=(last["n"] or 0) + 1,
        version_id=application.version_id,
        submitted_at=application.submitted_at,
        submitted_by=user,
        declaration_signed_by_id=application.declaration_signed_by_id,
        declaration_name=application.declaration_name,
        declaration_role=application.declaration_role,
        declaration_text=application.declaration_text,
        declaration_signed_at=application.declaration_signed_at,
        organisation=_snapshot(programme.organisation, ORGANISATION_FIELDS),
        programme=_snapshot(programme, PROGRAMME_FIELDS),
    )
    responses = list(
        Response.objects.filter(application=application)
        .order_by("pk")
        .values_list("pk", "criterion_id", "narrative", "rating", "na_justification")
    )
    answers = SubmittedAnswer.objects.bulk_create(
        SubmittedAnswer(
            record=record,
            criterion_id=criterion_id,
            narrative=narrative,
            rating=rating,
            na_justification=na_justification,
        )
        for _pk, criterion_id, narrative, rating, na_justification in responses
    )
    answer_for = {row[0]: answer for row, answer in zip(responses, answers, strict=True)}
    links = (
        EvidenceLink.objects.filter(response__application=application)
        .select_related("document__current")
        .order_by("created_at", "pk")
    )
    SubmittedEvidence.objects.bulk_create(
        SubmittedEvidence(
            answer=answer_for[link.response_id],
            revision=link.document.current,
            sha256=link.document.current.sha256,
            original_name=link.document.current.original_name,
            size=link.document.current.size,
            pointer=link.pointer,
        )
        for link in links
        if link.document.current_id is not None
    )
    return record
