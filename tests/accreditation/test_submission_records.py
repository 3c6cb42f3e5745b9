"""What was submitted is kept exactly: each submission writes an append-only submission record.

The record holds every criterion's answer, the exact evidence revisions linked at that moment
(with their hashes), the signed declaration and the organisation's and programme's details as
they were. Later edits, replaced files and re-submissions leave it as it was. The records and
the history are append-only twice over: the models refuse (``ImmutableError``) and database
triggers refuse raw SQL (``IntegrityError``); each layer is tested on its own.
"""

import math
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accreditation.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EvidenceDocument,
    SubmissionRecord,
    SubmittedAnswer,
    SubmittedEvidence,
)
from accreditation.selectors.submissions import submission_record_latest, submission_records_for
from accreditation.services import applications as services
from accreditation.services.evidence import evidence_replace
from accreditation.services.submissions import submission_record_create
from providers.models import Organisation, Programme
from qismet_portal.exceptions import ImmutableError
from standards.models import Criterion

from .factories import started_application
from .hostile import pdf_bytes, upload
from .test_applications import (
    answer,
    complete,
    document_add,
    evidence_add,
    responses_of,
    signatory_of,
    submit,
    version_allowing_na,
)

pytestmark = pytest.mark.django_db


def _return_to_draft(application: Application) -> Application:
    """Screening returns it to the provider: every answer is open again."""
    from accreditation.services.transitions import application_transition

    return application_transition(
        application=application,
        transition="return_to_provider",
        actor=None,
        reason="Please add the safeguarding policy.",
    )


def _record_contents(record: SubmissionRecord) -> tuple:
    """Everything a record says, read afresh from the database."""
    record = SubmissionRecord.objects.get(pk=record.pk)
    return (
        record.number,
        record.version_id,
        record.submitted_at,
        record.submitted_by_id,
        record.declaration_signed_by_id,
        record.declaration_name,
        record.declaration_role,
        record.declaration_text,
        record.declaration_signed_at,
        record.organisation,
        record.programme,
        list(
            SubmittedAnswer.objects.filter(record=record)
            .order_by("criterion_id")
            .values_list("criterion_id", "narrative", "rating", "na_justification")
        ),
        list(
            SubmittedEvidence.objects.filter(answer__record=record)
            .order_by("pk")
            .values_list(
                "answer__criterion_id", "revision_id", "sha256", "original_name", "size", "pointer"
            )
        ),
    )


@pytest.fixture
def submitted(private_storage):
    """A submitted application with a file shared by two criteria, and one criterion N/A."""
    application = started_application(version=version_allowing_na("1.1"))
    lead = application.started_by
    complete(application)
    first, second = responses_of(application)[:2]
    services.response_save(
        response=first,
        user=lead,
        narrative="We run no residential courses.",
        rating="na",
        na_justification="Our programme is delivered online only.",
    )
    shared = document_add(application, lead, "safeguarding-policy.pdf")
    evidence_add(first, lead, document=shared)
    evidence_add(second, lead, document=shared)
    signatory = signatory_of(application)
    application = submit(application, signatory)
    return application, signatory, shared


# --- what a record holds --------------------------------------------------------------------


def test_submitting_keeps_every_answer_the_exact_revisions_and_the_declaration(submitted):
    application, signatory, shared = submitted
    (record,) = submission_records_for(application)
    assert record.number == 1
    assert record.version_id == application.version_id
    assert record.submitted_by == signatory
    assert record.submitted_at == application.submitted_at
    assert record.declaration_signed_by == signatory
    assert record.declaration_name == signatory.full_name
    assert record.declaration_role == "Chief Executive"
    assert record.declaration_text == application.declaration_text
    assert "I declare that" in record.declaration_text
    assert record.declaration_signed_at == application.declaration_signed_at

    responses = responses_of(application)
    answers = {a.criterion_id: a for a in record.answers.all()}
    assert set(answers) == {r.criterion_id for r in responses}
    assert len(answers) == Criterion.objects.filter(theme__version=application.version).count()
    for response in responses:
        kept = answers[response.criterion_id]
        assert (kept.narrative, kept.rating, kept.na_justification) == (
            response.narrative,
            response.rating,
            response.na_justification,
        )
        linked = {
            (link.document.current_id, link.document.current.sha256, link.pointer)
            for link in response.evidence_links.select_related("document__current")
        }
        assert {(e.revision_id, e.sha256, e.pointer) for e in kept.evidence.all()} == linked
    first = answers[responses[0].criterion_id]
    assert first.is_not_applicable
    assert first.na_justification == "Our programme is delivered online only."
    shared_kept = [
        e for a in answers.values() for e in a.evidence.all() if e.revision_id == shared.current_id
    ]
    assert len(shared_kept) == 2
    for evidence in shared_kept:
        assert evidence.sha256 == shared.current.sha256 and len(evidence.sha256) == 64
        assert evidence.original_name == "safeguarding-policy.pdf"
        assert evidence.size == shared.current.size


def test_the_record_keeps_the_organisation_and_programme_as_they_were(submitted):
    application, _signatory, _shared = submitted
    programme = Programme.objects.select_related("organisation").get(pk=application.programme_id)
    organisation = programme.organisation
    record = submission_record_latest(application)
    assert record.organisation["name"] == organisation.name
    assert record.organisation["region"] == organisation.region
    assert record.organisation["region_label"] == organisation.get_region_display()
    assert record.organisation["contact_email"] == organisation.contact_email
    assert set(record.organisation) >= {
        "address",
        "postcode",
        "charity_number",
        "company_number",
        "nhs_ods_code",
        "contact_name",
        "contact_phone",
    }
    assert record.programme["name"] == programme.name
    assert record.programme["conditions"] == programme.conditions
    assert record.programme["delivery_mode"] == programme.delivery_mode
    assert record.programme["description"] == programme.description
    before = _record_contents(record)

    Organisation.objects.filter(pk=organisation.pk).update(
        name="Renamed CIC", postcode="ZZ1 1ZZ", contact_email="new@example.org"
    )
    Programme.objects.filter(pk=programme.pk).update(name="Renamed course", conditions="COPD")

    assert _record_contents(record) == before
    assert submission_record_latest(application).organisation["name"] == organisation.name


# --- later changes leave a record as it was ----------------------------------------------------


def test_replacing_a_shared_file_later_leaves_the_record_on_the_old_revision(
    login, submitted, private_storage
):
    application, _signatory, shared = submitted
    record = submission_record_latest(application)
    before = _record_contents(record)
    old_revision = shared.current
    lead = application.started_by

    draft = _return_to_draft(application)
    new_revision = evidence_replace(
        application=draft,
        document=shared,
        file=upload("safeguarding-policy-2027.pdf", pdf_bytes("the new policy")),
        user=lead,
    )

    assert _record_contents(record) == before
    kept = SubmittedEvidence.objects.filter(answer__record=record, revision=old_revision)
    assert kept.count() == 2
    assert not SubmittedEvidence.objects.filter(revision=new_revision).exists()
    # The file submitted is still there, and downloads through the usual permission checks.
    url = reverse("accreditation:evidence_download", args=[application.pk, old_revision.pk])
    download = login(lead).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == old_revision.file.open("rb").read()
    assert login(None).get(url).status_code != 200


def test_a_resubmission_is_record_2_and_leaves_record_1_untouched(submitted, private_storage):
    application, signatory, shared = submitted
    record_1 = submission_record_latest(application)
    before = _record_contents(record_1)
    lead = application.started_by

    draft = _return_to_draft(application)
    response = responses_of(draft)[1]
    answer(response, lead, rating="partially_met", narrative="Revised after the assessors' note.")
    new_revision = evidence_replace(
        application=draft,
        document=shared,
        file=upload("safeguarding-policy-2027.pdf", pdf_bytes("the new policy")),
        user=lead,
    )
    Programme.objects.filter(pk=draft.programme_id).update(description="Now eight sessions.")
    again = submit(draft, signatory)

    assert again.status == ApplicationStatus.SUBMITTED
    records = list(submission_records_for(application))
    assert [r.number for r in records] == [1, 2]
    assert _record_contents(record_1) == before
    record_2 = records[1]
    assert submission_record_latest(application) == record_2
    assert record_2.programme["description"] == "Now eight sessions."
    revised = record_2.answers.get(criterion=response.criterion)
    assert (revised.rating, revised.narrative) == (
        "partially_met",
        "Revised after the assessors' note.",
    )
    assert record_1.answers.get(criterion=response.criterion).rating == "met"
    assert set(
        SubmittedEvidence.objects.filter(answer__record=record_2, revision__document=shared)
        .values_list("revision_id", flat=True)
        .distinct()
    ) == {new_revision.pk}


def test_records_are_numbered_one_after_another_by_the_service(submitted):
    application, signatory, _shared = submitted
    again = submission_record_create(application=application, user=signatory)
    assert again.number == 2
    assert [r.number for r in submission_records_for(application)] == [1, 2]


def test_a_refused_submission_writes_no_record(private_storage):
    application = started_application()
    with pytest.raises(services.SubmissionIncomplete):
        submit(application)
    assert not SubmissionRecord.objects.exists()
    assert submission_record_latest(application) is None


# --- append-only in the ORM -------------------------------------------------------------------


def _rows(application):
    record = SubmissionRecord.objects.get(application=application)
    answer_row = SubmittedAnswer.objects.filter(record=record).first()
    evidence_row = SubmittedEvidence.objects.filter(answer__record=record).first()
    event = ApplicationEvent.objects.filter(application=application).first()
    return {"record": record, "answer": answer_row, "evidence": evidence_row, "event": event}


ROW_NAMES = ["record", "answer", "evidence", "event"]


@pytest.mark.parametrize("name", ROW_NAMES)
def test_the_orm_refuses_to_change_or_delete_a_kept_row(submitted, name):
    application, _signatory, _shared = submitted
    row = _rows(application)[name]
    model = type(row)
    with pytest.raises(ImmutableError, match="cannot be changed"):
        row.save()
    with pytest.raises(ImmutableError, match="cannot be deleted"):
        row.delete()
    with pytest.raises(ImmutableError, match="cannot be changed"):
        model.objects.filter(pk=row.pk).update(pk=row.pk)
    with pytest.raises(ImmutableError, match="cannot be deleted"):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(ImmutableError, match="cannot be changed"):
        model.objects.bulk_update([row], [model._meta.fields[1].name])
    assert model.objects.filter(pk=row.pk).exists()


def test_history_protects_what_it_points_to(submitted):
    application, _signatory, shared = submitted
    document = EvidenceDocument.objects.create(application=application)
    ApplicationEvent.objects.create(
        application=application, kind=ApplicationEvent.Kind.EVIDENCE_UPLOADED, document=document
    )
    with pytest.raises(ProtectedError):
        EvidenceDocument.objects.filter(pk=document.pk).delete()
    with pytest.raises(ProtectedError):
        shared.revisions.all().delete()
    with pytest.raises(ProtectedError):
        Application.objects.filter(pk=application.pk).delete()
    assert Application.objects.filter(pk=application.pk).exists()
    assert EvidenceDocument.objects.filter(pk=document.pk).exists()


# --- append-only in the database --------------------------------------------------------------


RAW_WRITES = {
    "record": (
        "UPDATE accreditation_submissionrecord SET declaration_name = %s WHERE id = %s",
        "DELETE FROM accreditation_submissionrecord WHERE id = %s",
    ),
    "answer": (
        "UPDATE accreditation_submittedanswer SET narrative = %s WHERE id = %s",
        "DELETE FROM accreditation_submittedanswer WHERE id = %s",
    ),
    "evidence": (
        "UPDATE accreditation_submittedevidence SET sha256 = %s WHERE id = %s",
        "DELETE FROM accreditation_submittedevidence WHERE id = %s",
    ),
    "event": (
        "UPDATE accreditation_applicationevent SET detail = %s WHERE id = %s",
        "DELETE FROM accreditation_applicationevent WHERE id = %s",
    ),
}


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("name", ROW_NAMES)
def test_the_database_refuses_raw_updates_and_deletes(submitted, name):
    application, _signatory, _shared = submitted
    row = _rows(application)[name]
    update, delete = RAW_WRITES[name]
    before = _record_contents(SubmissionRecord.objects.get(application=application))
    events = list(ApplicationEvent.objects.filter(application=application).values())
    with pytest.raises(IntegrityError, match="kept as written and cannot be changed"):
        _raw(update, ["rewritten", row.pk])
    with pytest.raises(IntegrityError, match="kept as written and cannot be deleted"):
        _raw(delete, [row.pk])
    assert _record_contents(SubmissionRecord.objects.get(application=application)) == before
    assert list(ApplicationEvent.objects.filter(application=application).values()) == events


def _accreditation_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall() if row[0].startswith("accreditation_")}


@pytest.mark.django_db(transaction=True)
def test_a_full_flush_empties_the_kept_rows_and_keeps_the_triggers(settings, tmp_path):
    """Transactional tests (browser tests on the live server) flush the database after each
    test: on SQLite the flush command drops and recreates the triggers around it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    application = complete(started_application())
    submit(application)
    triggers = _accreditation_triggers()
    # Six append-only tables: history, submission records (three), decisions, certificate history.
    append_only = {name for name in triggers if not name.startswith("accreditation_changes_")}
    assert len(append_only) == (12 if connection.vendor == "sqlite" else 6)
    # And the change counts' (migration 0012), which the flush must keep as well: one a table
    # on PostgreSQL; on SQLite one for each of insert, update and delete (people: update only).
    tables = len(
        import_module("accreditation.migrations.0012_application_change_counts").SHOWN_WITH
    )
    assert len(triggers - append_only) == (
        3 * tables - 2 if connection.vendor == "sqlite" else tables
    )
    call_command("flush", interactive=False, verbosity=0)
    assert not SubmissionRecord.objects.exists() and not ApplicationEvent.objects.exists()
    assert _accreditation_triggers() == triggers
    again = submit(complete(started_application()))
    event = ApplicationEvent.objects.filter(application=again).first()
    with pytest.raises(IntegrityError, match="kept as written"):
        _raw("DELETE FROM accreditation_applicationevent WHERE id = %s", [event.pk])


# --- a fixed number of queries ----------------------------------------------------------------


def _submission_queries(criteria_per_theme: int, files: int) -> int:
    application = started_application(criteria_per_theme=criteria_per_theme)
    complete(application)
    responses = responses_of(application)
    lead = application.started_by
    for index in range(files):
        evidence_add(responses[index % len(responses)], lead, name=f"file-{index}.pdf")
    signatory = signatory_of(application)
    with CaptureQueriesContext(connection) as queries:
        submit(application, signatory)
    record = submission_record_latest(application)
    assert record.answers.count() == 4 * criteria_per_theme
    mandatory = Criterion.objects.filter(theme__version=application.version, mandatory=True)
    assert SubmittedEvidence.objects.filter(answer__record=record).count() == (
        files + mandatory.count()
    )
    return len(queries)


def _insert_batches(model, rows: int) -> int:
    """How many INSERTs the database needs for ``rows`` rows of ``model`` in one bulk insert
    (one on PostgreSQL; SQLite caps the parameters of a single statement)."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    size = max(connection.ops.bulk_batch_size(fields, [None] * rows), 1)
    return math.ceil(rows / size)


def test_submitting_takes_as_many_queries_for_40_criteria_and_200_files_as_for_4_and_2(
    private_storage,
):
    small = _submission_queries(criteria_per_theme=1, files=2)
    large = _submission_queries(criteria_per_theme=10, files=200)
    # Nothing per criterion or per file: only the database's own cap on one statement's size
    # may split the bulk inserts (never on PostgreSQL).
    extra = (
        _insert_batches(SubmittedAnswer, 40)
        - _insert_batches(SubmittedAnswer, 4)
        + _insert_batches(SubmittedEvidence, 204)
        - _insert_batches(SubmittedEvidence, 6)
    )
    assert extra <= 2
    assert large == small + extra


def test_reading_the_records_takes_a_fixed_number_of_queries(submitted, django_assert_num_queries):
    application, _signatory, _shared = submitted
    with django_assert_num_queries(3):
        records = list(submission_records_for(application))
        for record in records:
            for kept in record.answers.all():
                _ = kept.criterion.theme.number, [e.revision.number for e in kept.evidence.all()]
            _ = record.version.standard.name, record.declaration_signed_by.full_name
