"""Certificates: who may issue one and when, numbering, validity, frozen names, every status
change allowed and refused, the append-only history (below the ORM too), the daily expiry and
reminder jobs, and the PDF (its text, its QR code, its tagging)."""

from __future__ import annotations

import datetime
import io
import re
import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from pypdf import PdfReader

from accreditation.certificate_lifecycle import TRANSITIONS, CertificateStatus
from accreditation.models import (
    ApplicationEvent,
    ApplicationStatus,
    Certificate,
    CertificateEvent,
    CertificateReminder,
    Condition,
    ReportKind,
    ReportStatus,
)
from accreditation.selectors.certificates import add_months, validity_end
from accreditation.services import certificates as services
from accreditation.services.certificates import (
    certificate_change,
    certificate_issue,
    certificate_reminders_send,
    certificate_supersede,
    certificates_expire,
    reminder_due,
)
from accreditation.services.decisions import condition_evidence_add, condition_sign_off
from qismet_portal.exceptions import DomainError, ImmutableError, TransitionNotAllowed
from standards.models import StandardVersion
from standards.services import version_publish
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory
from tests.standards.factories import draft_version

from .certified import issued, with_status
from .journey import decided

pytestmark = pytest.mark.django_db

S = CertificateStatus


@pytest.fixture
def certificate(private_storage):
    return issued(criteria_per_theme=1)


# --- issuing ------------------------------------------------------------------------------------


def test_only_an_administrator_issues(private_storage):
    stage = decided(outcome="accredited", criteria_per_theme=1)
    for person in (
        stage.application.started_by,
        stage.lead.assessor,
        AssessorFactory(),
        MembershipFactory().user,
    ):
        with pytest.raises(DomainError, match="Only a QISMET administrator"):
            certificate_issue(application=stage.application, user=person)
    assert not Certificate.objects.exists()
    certificate = certificate_issue(application=stage.application, user=stage.administrator)
    assert certificate.status == S.ACTIVE and certificate.issued_by == stage.administrator


@pytest.mark.parametrize("outcome", ["conditional", "not_accredited"])
def test_only_an_accredited_application_gets_one(private_storage, outcome):
    stage = decided(
        outcome=outcome,
        conditions=1 if outcome == "conditional" else 0,
        level="partially_met",
        criteria_per_theme=1,
    )
    with pytest.raises(DomainError, match="once it is accredited"):
        certificate_issue(application=stage.application, user=stage.administrator)
    assert not Certificate.objects.exists()


def test_a_conditional_application_gets_one_once_every_condition_is_signed_off(private_storage):
    stage = decided(
        outcome="conditional", conditions=1, level="partially_met", criteria_per_theme=1
    )
    condition = Condition.objects.get(application=stage.application)
    condition_evidence_add(
        condition=condition, user=stage.application.started_by, response="Done; see the minutes."
    )
    condition_sign_off(condition=condition, user=stage.administrator)
    stage.refresh()
    assert stage.application.status == ApplicationStatus.ACCREDITED
    certificate = certificate_issue(application=stage.application, user=stage.administrator)
    assert certificate.number.startswith(f"QSM-{timezone.localdate().year}-")


def test_one_certificate_per_application(certificate):
    stage = certificate.stage
    with pytest.raises(DomainError, match=f"already has certificate {certificate.number}"):
        certificate_issue(application=stage.application, user=stage.administrator)
    # Withdrawn, it is still not replaced on the same application.
    certificate_change(
        certificate=certificate, transition="withdraw", user=stage.administrator, reason="Fraud."
    )
    with pytest.raises(DomainError, match="already has certificate"):
        certificate_issue(application=stage.application, user=stage.administrator)
    assert Certificate.objects.count() == 1


def test_the_database_refuses_a_second_live_certificate(certificate):
    copy = Certificate.objects.filter(pk=certificate.pk).values().get()
    copy.pop("id")
    copy.update(number="QSM-2026-9999", sequence=9999, document_id=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(**copy)


def test_numbers_follow_each_other_within_the_year(private_storage):
    numbers = [issued(criteria_per_theme=1).number for _ in range(3)]
    year = timezone.localdate().year
    assert numbers == [f"QSM-{year}-0001", f"QSM-{year}-0002", f"QSM-{year}-0003"]
    assert len(set(numbers)) == 3


def test_a_rolled_back_issue_leaves_no_gap(private_storage, monkeypatch):
    first = decided(outcome="accredited", criteria_per_theme=1)
    second = decided(outcome="accredited", criteria_per_theme=1)

    def broken(*args, **kwargs):
        raise RuntimeError("broker exploded")

    monkeypatch.setattr(services, "_document_queue", broken)
    with pytest.raises(RuntimeError):
        certificate_issue(application=first.application, user=first.administrator)
    monkeypatch.undo()
    assert not Certificate.objects.exists()
    certificate = certificate_issue(application=second.application, user=second.administrator)
    assert certificate.sequence == 1


def test_validity_comes_from_the_pinned_version(private_storage):
    version = draft_version(criteria_per_theme=1)
    StandardVersion.objects.filter(pk=version.pk).update(certificate_validity_months=12)
    version = version_publish(version=StandardVersion.objects.get(pk=version.pk), user=None)
    certificate = issued(version=version)
    today = timezone.localdate()
    assert certificate.issued_on == today
    assert certificate.expires_on == add_months(today, 12) - datetime.timedelta(days=1)
    default = issued(criteria_per_theme=1)
    assert default.expires_on == add_months(today, 36) - datetime.timedelta(days=1)


def test_months_are_calendar_months():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2027, 11, 30), 3) == datetime.date(2028, 2, 29)
    assert validity_end(datetime.date(2026, 3, 1), 36) == datetime.date(2029, 2, 28)


def test_issuing_records_history_and_queues_the_pdf(certificate):
    stage = certificate.stage
    assert list(certificate.events.values_list("kind", "to_status")) == [("issued", "active")]
    line = ApplicationEvent.objects.get(
        application=stage.application, kind=ApplicationEvent.Kind.CERTIFICATE_ISSUED
    )
    assert certificate.number in line.detail and line.actor == stage.administrator
    document = certificate.document
    assert document.kind == ReportKind.CERTIFICATE and document.status == ReportStatus.QUEUED
    assert document.inputs["certificate"]["number"] == certificate.number


def test_names_are_frozen_at_issue(certificate):
    application = certificate.stage.application
    organisation = application.programme.organisation
    names = (certificate.organisation_name, certificate.programme_name)
    assert names == (organisation.name, application.programme.name)
    assert certificate.standard_name == application.version.standard.name
    assert certificate.version_number == application.version.number
    assert certificate.region == organisation.region
    assert certificate.delivery_mode == application.programme.delivery_mode
    assert certificate.conditions == application.programme.conditions
    organisation.name = "Renamed After Issue Ltd"
    organisation.save()
    certificate.refresh_from_db()
    assert certificate.organisation_name == names[0]


@pytest.mark.django_db(transaction=True)
def test_two_administrators_issuing_at_once_get_different_numbers(settings, tmp_path):
    from tests.accreditation.hostile import use_private_storage
    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "PostgreSQL (for real row locks)")

    use_private_storage(settings, tmp_path)
    stages = [decided(outcome="accredited", criteria_per_theme=1) for _ in range(2)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def issue(stage):
        try:
            barrier.wait()
            results.append(
                certificate_issue(application=stage.application, user=stage.administrator).number
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(stage,)) for stage in stages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    year = timezone.localdate().year
    assert sorted(results) == [f"QSM-{year}-0001", f"QSM-{year}-0002"]


# --- the lifecycle ------------------------------------------------------------------------------

CHANGES = ("suspend", "reinstate", "withdraw")


def _put(certificate, status):
    if status == S.SUPERSEDED:
        newer = issued(criteria_per_theme=1)
        return with_status(certificate, status, superseded_by=newer)
    return with_status(certificate, status)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("transition", CHANGES)
def test_every_change_from_every_status(certificate, status, transition):
    admin = certificate.stage.administrator
    certificate = _put(certificate, status)
    allowed = status in TRANSITIONS[transition].sources
    if allowed:
        changed = certificate_change(
            certificate=certificate, transition=transition, user=admin, reason="Because."
        )
        assert changed.status == TRANSITIONS[transition].target
        event = changed.events.order_by("-pk").first()
        assert (event.kind, event.from_status, event.to_status, event.actor, event.reason) == (
            transition,
            status,
            TRANSITIONS[transition].target,
            admin,
            "Because.",
        )
        line = ApplicationEvent.objects.filter(application=changed.application).latest("pk")
        assert line.kind == f"certificate_{TRANSITIONS[transition].verb}"
        assert line.reason == "Because." and changed.number in line.detail
    else:
        with pytest.raises(TransitionNotAllowed, match=certificate.number):
            certificate_change(
                certificate=certificate, transition=transition, user=admin, reason="Because."
            )
        assert Certificate.objects.get(pk=certificate.pk).status == status
        assert certificate.events.count() == 1  # "issued" only


@pytest.mark.parametrize("status", list(S))
def test_expiry_and_supersession_from_every_status(certificate, status):
    certificate = _put(certificate, status)
    expire = services._transition
    if status in TRANSITIONS["expire"].sources:
        with transaction.atomic():
            assert (
                expire(certificate=certificate, transition="expire", actor=None).status == S.EXPIRED
            )
    else:
        with pytest.raises(TransitionNotAllowed):
            expire(certificate=certificate, transition="expire", actor=None)
    certificate = _put(Certificate.objects.get(pk=certificate.pk), status)
    newer = issued(criteria_per_theme=1)
    newer.programme = certificate.programme
    Certificate.objects.filter(pk=newer.pk).update(programme=certificate.programme)
    if status in TRANSITIONS["supersede"].sources:
        replaced = certificate_supersede(certificate=certificate, by=newer, actor=None)
        assert replaced.status == S.SUPERSEDED and replaced.superseded_by_id == newer.pk
    else:
        with pytest.raises(TransitionNotAllowed):
            certificate_supersede(certificate=certificate, by=newer, actor=None)


def test_a_new_certificate_of_the_same_programme_supersedes_the_old(certificate):
    """A renewal: the programme is accredited again on a later application."""
    from accreditation.models import Application

    renewal = decided(outcome="accredited", criteria_per_theme=1)
    Application.objects.filter(pk=renewal.application.pk).update(
        programme=certificate.stage.application.programme
    )
    renewal.refresh()
    newer = certificate_issue(application=renewal.application, user=renewal.administrator)
    certificate.refresh_from_db()
    assert certificate.status == S.SUPERSEDED and certificate.superseded_by_id == newer.pk
    event = certificate.events.get(kind="supersede")
    assert event.reason == f"Replaced by certificate {newer.number}."
    assert newer.status == S.ACTIVE


def test_a_certificate_is_replaced_only_by_a_later_one_of_the_same_programme(certificate):
    other = issued(criteria_per_theme=1)
    with pytest.raises(DomainError, match="same programme"):
        certificate_supersede(certificate=certificate, by=other, actor=None)
    with pytest.raises(DomainError, match="same programme"):
        certificate_supersede(certificate=certificate, by=certificate, actor=None)


@pytest.mark.parametrize("transition", CHANGES)
def test_a_reason_is_required(certificate, transition):
    if transition == "reinstate":
        certificate = with_status(certificate, S.SUSPENDED)
    for reason in ("", "   "):
        with pytest.raises(DomainError, match="Say why"):
            certificate_change(
                certificate=certificate,
                transition=transition,
                user=certificate.stage.administrator,
                reason=reason,
            )
    assert certificate.events.count() == 1


@pytest.mark.parametrize("transition", CHANGES)
def test_only_administrators_change_a_certificate(certificate, transition):
    if transition == "reinstate":
        certificate = with_status(certificate, S.SUSPENDED)
    for person in (certificate.stage.application.started_by, certificate.stage.lead.assessor):
        with pytest.raises(DomainError, match="Only a QISMET administrator"):
            certificate_change(
                certificate=certificate, transition=transition, user=person, reason="No."
            )


def test_the_portals_own_changes_are_not_offered_to_administrators(certificate):
    for transition in ("expire", "supersede", "issue"):
        with pytest.raises(DomainError, match="suspend, reinstate or withdraw"):
            certificate_change(
                certificate=certificate,
                transition=transition,
                user=certificate.stage.administrator,
                reason="Because.",
            )


def test_an_expired_suspension_is_not_reinstated(certificate):
    today = timezone.localdate()
    certificate = with_status(
        certificate,
        S.SUSPENDED,
        issued_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=1),
    )
    with pytest.raises(DomainError, match="cannot be reinstated: it has expired"):
        certificate_change(
            certificate=certificate,
            transition="reinstate",
            user=certificate.stage.administrator,
            reason="All clear.",
        )


# --- the history is append-only ----------------------------------------------------------------


def test_the_history_cannot_be_changed_through_the_orm(certificate):
    event = certificate.events.get()
    with pytest.raises(ImmutableError):
        event.reason = "Rewritten"
        event.save()
    with pytest.raises(ImmutableError):
        CertificateEvent.objects.filter(pk=event.pk).update(reason="Rewritten")
    with pytest.raises(ImmutableError):
        CertificateEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accreditation_certificateevent SET reason = 'Rewritten' WHERE id = %s",
        "DELETE FROM accreditation_certificateevent WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes_of_the_history(certificate, sql):
    event = certificate.events.get()
    with (
        pytest.raises(DatabaseError, match="certificate history"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert CertificateEvent.objects.get(pk=event.pk).reason == ""


# --- the daily jobs -----------------------------------------------------------------------------


def test_expiry_is_recorded_once(certificate):
    suspended = with_status(issued(criteria_per_theme=1), S.SUSPENDED)
    today = timezone.localdate()
    assert certificates_expire(today=certificate.expires_on) == 0  # still its last valid day
    after = certificate.expires_on + datetime.timedelta(days=1)
    Certificate.objects.filter(pk=suspended.pk).update(
        issued_on=today - datetime.timedelta(days=30), expires_on=today
    )
    assert certificates_expire(today=after) == 2
    assert certificates_expire(today=after) == 0
    for each in (certificate, suspended):
        each.refresh_from_db()
        assert each.status == S.EXPIRED
        assert each.events.filter(kind="expire").count() == 1
        assert (
            ApplicationEvent.objects.filter(
                application=each.application, kind=ApplicationEvent.Kind.CERTIFICATE_EXPIRED
            ).count()
            == 1
        )


def test_the_reminder_due_is_the_nearest_threshold():
    thresholds = (90, 30, 7)
    assert [reminder_due(d, thresholds) for d in (120, 91, 90, 60, 31, 30, 8, 7, 1, 0, -1)] == [
        None,
        None,
        90,
        90,
        90,
        30,
        30,
        7,
        7,
        7,
        None,
    ]


def test_reminders_go_at_90_30_and_7_days_once_each(
    certificate, mailoutbox, django_capture_on_commit_callbacks
):
    lead = certificate.stage.application.started_by
    expires = certificate.expires_on
    sent = []
    for days_left in (100, 90, 89, 45, 30, 29, 7, 6, 1):
        day = expires - datetime.timedelta(days=days_left)
        for _run in range(2):  # the job runs twice on the same day
            with django_capture_on_commit_callbacks(execute=True):
                sent.append((days_left, certificate_reminders_send(today=day)))
    assert [days for days, count in sent if count] == [90, 30, 7]
    assert sorted(
        CertificateReminder.objects.filter(certificate=certificate).values_list(
            "days_before", flat=True
        )
    ) == [7, 30, 90]
    assert len(mailoutbox) == 3
    for message in mailoutbox:
        assert message.to == [lead.email]
        assert certificate.number in message.subject
        assert f"{expires:%-d %B %Y}" in message.body
    # Withdrawn: no more reminders.
    other = issued(criteria_per_theme=1)
    certificate_change(
        certificate=other,
        transition="withdraw",
        user=other.stage.administrator,
        reason="Withdrawn.",
    )
    assert certificate_reminders_send(today=other.expires_on - datetime.timedelta(days=5)) == 0


def test_the_database_keeps_one_reminder_per_threshold(certificate):
    CertificateReminder.objects.create(
        certificate=certificate, days_before=30, sent_on=timezone.localdate()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateReminder.objects.create(
            certificate=certificate, days_before=30, sent_on=timezone.localdate()
        )


def test_changes_are_emailed_to_the_leads(
    certificate, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_change(
            certificate=certificate,
            transition="suspend",
            user=certificate.stage.administrator,
            reason="A complaint is being looked into.",
        )
    (message,) = mailoutbox
    assert message.subject == f"[QISMET] Certificate {certificate.number} suspended"
    assert "A complaint is being looked into." in message.body
    assert message.to == [certificate.stage.application.started_by.email]


# --- the PDF ------------------------------------------------------------------------------------


def _pdf_bytes(certificate) -> bytes:
    with certificate.document.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def rendered(private_storage):
    return issued(render=True, criteria_per_theme=1)


def test_the_pdf_shows_the_number_names_dates_and_verification_address(rendered):
    rendered.document.refresh_from_db()
    assert rendered.document.status == ReportStatus.READY, rendered.document.error
    reader = PdfReader(io.BytesIO(_pdf_bytes(rendered)))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = reader.pages[0].extract_text()
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        rendered.number,
        rendered.organisation_name,
        rendered.programme_name,
        f"{rendered.standard_name}, version {rendered.version_number}",
        f"{rendered.issued_on:%-d %B %Y}",
        f"{rendered.expires_on:%-d %B %Y}",
        rendered.conditions,
    ):
        assert expected in flat, expected
    url = f"http://127.0.0.1:8000/verify/{rendered.number}/"
    assert url in re.sub(r"\s+", "", text)


def test_the_qr_code_leads_to_the_verification_page(rendered):
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(_pdf_bytes(rendered))
    image = document[0].render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [f"http://127.0.0.1:8000/verify/{rendered.number}/"]
    assert codes[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_pdf_is_tagged(rendered):
    reader = PdfReader(io.BytesIO(_pdf_bytes(rendered)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).lower().startswith("en")
    assert reader.metadata.title.startswith(f"Certificate of accreditation {rendered.number}")


def test_the_pdf_keeps_the_names_of_issue(private_storage):
    certificate = issued(criteria_per_theme=1)
    organisation = certificate.stage.application.programme.organisation
    was = organisation.name
    organisation.name = "Renamed Before The Render Ltd"
    organisation.save()
    from accreditation.services.reports import report_render

    report_render(report_id=certificate.document_id)
    certificate.document.refresh_from_db()
    text = PdfReader(io.BytesIO(_pdf_bytes(certificate))).pages[0].extract_text()
    assert was in text and "Renamed Before" not in text


def test_a_failed_pdf_can_be_made_again(certificate, monkeypatch):
    import accreditation.documents
    from accreditation.services.reports import report_render

    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(accreditation.documents, "pdf_render", broken)
    with pytest.raises(RuntimeError):
        report_render(report_id=certificate.document_id)
    monkeypatch.undo()
    certificate.document.refresh_from_db()
    assert certificate.document.status == ReportStatus.FAILED
    with pytest.raises(DomainError):
        services.certificate_document_retry(
            certificate=certificate, user=certificate.stage.application.started_by
        )
    services.certificate_document_retry(certificate=certificate, user=AdministratorFactory())
    report_render(report_id=certificate.document_id)
    certificate.document.refresh_from_db()
    # Asked for again by a person: the attempts count from the start again.
    assert certificate.document.status == ReportStatus.READY and certificate.document.attempts == 1


def test_the_certificate_pdf_is_not_an_accreditation_report(certificate):
    from accreditation.selectors.reports import reports_for
    from accreditation.services.reports import report_request

    assert reports_for(certificate.application) == []
    with pytest.raises(DomainError, match="draft or a final report"):
        report_request(
            application=certificate.application,
            kind=ReportKind.CERTIFICATE,
            user=certificate.stage.administrator,
        )
