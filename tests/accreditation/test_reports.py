"""Accreditation reports: frozen inputs, one row per inputs, rendered by the worker's code to a
tagged PDF, failures that say what happened and can be tried again, takeover of a dead render."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accreditation.models import (
    AgreedScore,
    ApplicationEvent,
    Condition,
    Report,
    ReportKind,
    ReportStatus,
)
from accreditation.services import reports as services
from accreditation.services.reports import ReportBusy, report_request
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox.models import OutboxMessage, OutboxStatus
from tests.factories import sign_in

from .journey import awaiting_decision, decided

pytestmark = pytest.mark.django_db


def _request(stage, kind=ReportKind.DRAFT, capture=None):
    if capture is None:
        return report_request(application=stage.application, kind=kind, user=stage.administrator)
    with capture(execute=True):
        return report_request(application=stage.application, kind=kind, user=stage.administrator)


def _text(report: Report) -> str:
    report.file.open("rb")
    try:
        reader = PdfReader(io.BytesIO(report.file.read()))
    finally:
        report.file.close()
    return "\n".join(page.extract_text() for page in reader.pages)


def _reader(report: Report) -> PdfReader:
    with report.file.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


@pytest.fixture
def conditional(private_storage):
    return decided(outcome="conditional", conditions=2, level="partially_met", criteria_per_theme=3)


def test_the_report_shows_every_criterion_score_and_evidence_hash(
    conditional, django_capture_on_commit_callbacks
):
    report, created = _request(conditional, capture=django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert created and report.status == ReportStatus.READY, report.error
    assert report.progress == 100 and report.attempts == 1
    text = _text(report)
    record = conditional.record
    for criterion in conditional.criteria:
        assert re.search(rf"{re.escape(criterion.code)}\s+{re.escape(criterion.title)}", text)
    assert text.count("Agreed score: Partially met") == len(conditional.criteria)
    for item in record.answers.all():
        for evidence in item.evidence.all():
            # Hashes wrap across lines in the PDF: compare without white space.
            assert evidence.sha256 in re.sub(r"\s+", "", text)
    assert "Accredited with conditions" in text
    for condition in Condition.objects.filter(application=conditional.application):
        assert condition.description in text
        assert condition.due_on.strftime("%-d %B %Y") in text
    decision = conditional.application.decisions.get()
    assert decision.decided_by.full_name in text
    assert record.organisation["name"] in text and record.programme["name"] in text
    assert f"Page 1 of {report.pages}" in text


def test_the_pdf_is_tagged_with_title_language_and_bookmarks(
    conditional, django_capture_on_commit_callbacks
):
    report, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    report.refresh_from_db()
    reader = _reader(report)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).lower().startswith("en")
    assert reader.metadata.title.startswith("Draft accreditation report: ")
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert {"Summary", "Results per theme", "Criteria", "Conditions", "Evidence considered"} <= set(
        titles
    )
    assert reader.pdf_header.endswith("1.7")


def test_names_are_those_of_the_submission_record_not_todays(
    conditional, django_capture_on_commit_callbacks
):
    organisation = conditional.application.programme.organisation
    was = organisation.name
    organisation.name = "Renamed After The Decision Ltd"
    organisation.save()
    report, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    report.refresh_from_db()
    text = _text(report)
    assert was in text
    assert "Renamed After The Decision" not in text


def test_asking_again_with_the_same_inputs_gives_the_same_report(
    conditional, django_capture_on_commit_callbacks
):
    first, created = _request(conditional, capture=django_capture_on_commit_callbacks)
    again, created_again = _request(conditional, capture=django_capture_on_commit_callbacks)
    assert created and not created_again
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    # One render only: one outbox message, and one "requested" line in the history.
    assert OutboxMessage.objects.filter(task_name__endswith="report_render").count() == 1
    assert (
        ApplicationEvent.objects.filter(
            application=conditional.application, kind=ApplicationEvent.Kind.REPORT_REQUESTED
        ).count()
        == 1
    )


def test_changed_inputs_make_a_new_version_and_keep_the_old(
    conditional, django_capture_on_commit_callbacks
):
    first, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    condition = Condition.objects.filter(application=conditional.application).first()
    Condition.objects.filter(pk=condition.pk).update(
        status="signed_off", signed_off_at=timezone.now()
    )
    second, created = _request(conditional, capture=django_capture_on_commit_callbacks)
    assert created and second.pk != first.pk
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == ReportStatus.READY
    assert first.sha256 != second.sha256
    assert first.file.name != second.file.name


def test_no_report_before_a_decision(private_storage):
    stage = awaiting_decision()
    with pytest.raises(DomainError, match="once the application has been decided"):
        _request(stage)
    assert not Report.objects.exists()


def test_the_inputs_are_frozen_when_asked_for(conditional, django_capture_on_commit_callbacks):
    """A change after the request (here an agreed score edited in the database) does not reach
    the PDF: the worker renders the stored inputs."""
    report, _ = _request(conditional)  # queued, not rendered yet
    AgreedScore.objects.filter(application=conditional.application).update(
        rationale="Changed after the report was asked for."
    )
    services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert "Changed after the report was asked for" not in _text(report)
    assert "Agreed after moderation." in _text(report)


def test_a_failed_render_says_so_and_can_be_tried_again(
    conditional, django_capture_on_commit_callbacks, monkeypatch
):
    report, _ = _request(conditional)

    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    import accreditation.documents

    monkeypatch.setattr(accreditation.documents, "pdf_render", broken)
    with pytest.raises(RuntimeError):
        services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "could not be made" in report.error and "Try again" in report.error
    assert "layout exploded" not in report.error  # details go to the log, not the page
    assert not report.file

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(report=report, user=conditional.administrator)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.attempts == 1  # a fresh count
    assert report.error == ""
    # Asking for the same inputs after a failure also tries again, on the same row.
    assert Report.objects.count() == 1


def test_only_a_failed_report_can_be_tried_again(conditional, django_capture_on_commit_callbacks):
    report, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    report.refresh_from_db()
    with pytest.raises(DomainError, match="could not be made"):
        services.report_retry(report=report, user=conditional.administrator)


def test_a_render_held_by_a_live_worker_is_left_alone(conditional):
    report, _ = _request(conditional)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RENDERING, heartbeat_at=timezone.now(), attempts=1
    )
    with pytest.raises(ReportBusy):
        services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.RENDERING and report.attempts == 1


def test_a_render_whose_worker_died_is_taken_over_once(conditional, settings):
    report, _ = _request(conditional)
    stale = timezone.now() - datetime.timedelta(
        seconds=settings.REPORT_HEARTBEAT_TIMEOUT_SECONDS + 5
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RENDERING, heartbeat_at=stale, attempts=1, progress=30
    )
    finished = services.report_render(report_id=report.pk)
    assert finished is not None
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.attempts == 2
    # Delivered once more (the broker's copy of the dead worker's message): nothing to do.
    assert services.report_render(report_id=report.pk) is None
    assert Report.objects.get(pk=report.pk).attempts == 2


def test_a_render_that_lost_its_claim_throws_its_work_away(conditional):
    report, _ = _request(conditional)
    claimed = services._claim(report.pk)
    # Meanwhile its heartbeat went stale and another delivery took over (attempt 2).
    Report.objects.filter(pk=report.pk).update(attempts=2)
    from accreditation.documents import pdf_render

    assert services._store(claimed, pdf_render("<p>late</p>")) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.RENDERING and not report.file


def test_the_sweeper_queues_lost_renders_again(conditional, settings):
    lost_queue, _ = _request(conditional)
    Condition.objects.filter(application=conditional.application).update(
        status="signed_off", signed_off_at=timezone.now()
    )
    dead_worker, _ = _request(conditional)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    Report.objects.filter(pk=lost_queue.pk).update(updated_at=long_ago)
    Report.objects.filter(pk=dead_worker.pk).update(
        status=ReportStatus.RENDERING, heartbeat_at=long_ago, attempts=1
    )
    before = OutboxMessage.objects.count()
    assert services.reports_sweep() == 2
    assert OutboxMessage.objects.count() == before + 2
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.QUEUED}
    # A fresh queued report is left alone.
    assert services.reports_sweep() == 0


def test_the_fetcher_refuses_network_urls_and_files_outside_static(tmp_path, caplog):
    from accreditation.documents import SafeURLFetcher

    secret = tmp_path / "secret.txt"
    secret.write_text("not for the PDF")
    fetcher = SafeURLFetcher()
    for url in (
        "http://127.0.0.1:9/x.png",
        "https://example.org/a.css",
        secret.as_uri(),
        "file:///etc/passwd",
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css").resolve()
    inside = next(css.glob("*.css"))
    assert fetcher.fetch(inside.as_uri()).read()


def test_provider_text_cannot_make_the_render_fetch_anything(private_storage, caplog):
    from accreditation.documents import pdf_render

    pdf = pdf_render(
        '<p>hello</p><img src="http://127.0.0.1:9/track.png"><img src="file:///etc/passwd">'
        '<link rel="stylesheet" href="https://example.org/x.css">'
    )
    assert pdf.pages == 1
    assert "Refused to fetch" in caplog.text or "refused to fetch" in caplog.text


# --- the pages ---------------------------------------------------------------------------------


def test_the_administrator_asks_watches_and_downloads(
    client, conditional, django_capture_on_commit_callbacks
):
    sign_in(client, conditional.administrator)
    url = reverse("accreditation:report_list", args=[conditional.application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(url, {"kind": "draft"})
    assert posted.status_code == 302 and posted["Location"] == url
    response = client.get(url)
    assert "Draft report version 1 is being made" in response.content.decode()
    report = Report.objects.get()
    download = reverse(
        "accreditation:report_download", args=[conditional.application.pk, report.pk]
    )
    page = response.content.decode()
    assert download in page and "Share with the provider" in page
    got = client.get(download)
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert "attachment" in got["Content-Disposition"]
    assert "APP-" in got["Content-Disposition"]
    assert b"".join(got.streaming_content).startswith(b"%PDF-")
    # Asking again: told so, no second report.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"kind": "draft"})
    again = client.get(url)
    assert "Nothing has changed since draft report version 1" in again.content.decode()
    assert Report.objects.count() == 1


def test_progress_fragment_polls_until_ready(client, conditional):
    report, _ = _request(conditional)
    sign_in(client, conditional.administrator)
    url = reverse("accreditation:report_progress", args=[conditional.application.pk, report.pk])
    queued = client.get(url).content.decode()
    assert 'data-hx-trigger="every 1s"' in queued
    assert '<progress class="report-progress my-2" max="100" value="0"' in queued
    services.report_render(report_id=report.pk)
    ready = client.get(url).content.decode()
    assert "data-hx-trigger" not in ready
    assert "Download the draft report" in ready


def test_a_queue_outage_is_said_plainly(client, conditional):
    _request(conditional)  # never committed → its message is still pending
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
    sign_in(client, conditional.administrator)
    page = client.get(
        reverse("accreditation:report_list", args=[conditional.application.pk])
    ).content.decode()
    assert "cannot reach its task queue" in page


def test_the_provider_sees_only_shared_reports(
    client, conditional, provider_user, django_capture_on_commit_callbacks
):
    report, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    member = conditional.application.programme.organisation.memberships.first().user
    sign_in(client, member)
    download = reverse(
        "accreditation:report_download", args=[conditional.application.pk, report.pk]
    )
    assert client.get(download).status_code == 404
    detail = reverse("accreditation:application_detail", args=[conditional.application.pk])
    assert download not in client.get(detail).content.decode()
    # Members cannot ask for reports or share them.
    listing = reverse("accreditation:report_list", args=[conditional.application.pk])
    assert client.post(listing, {"kind": "draft"}).status_code == 403
    share = reverse("accreditation:report_share", args=[conditional.application.pk, report.pk])
    assert client.post(share).status_code == 404
    services.report_share(report=report, user=conditional.administrator)
    assert client.get(download).status_code == 200
    assert download in client.get(detail).content.decode()
    assert ApplicationEvent.objects.filter(kind=ApplicationEvent.Kind.REPORT_SHARED).count() == 1
    # Another organisation's member never reaches it.
    sign_in(client, provider_user)
    assert client.get(download).status_code == 404


def test_sharing_tells_the_provider_by_email_and_in_the_portal(
    conditional, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.models import Notification

    report, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_share(report=report, user=conditional.administrator)
    from accreditation.services.decisions import provider_contacts

    lead = conditional.application.started_by
    contacts = sorted(user.email for user in provider_contacts(conditional.application))
    assert lead.email in contacts
    assert [sorted(m.to) for m in mailoutbox] == [contacts]
    mail = mailoutbox[0]
    assert "Draft report of application" in mail.subject
    assert "factual accuracy" in mail.body
    assert Notification.objects.filter(user=lead, message__contains="draft report").exists()
    # Sharing again changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.report_share(report=report, user=conditional.administrator)
    assert len(mailoutbox) == 1


# --- the factual-accuracy check and the final report ---------------------------------------------


def _shared_draft(stage, capture):
    report, _ = _request(stage, capture=capture)
    report.refresh_from_db()
    return services.report_share(report=report, user=stage.administrator)


def test_the_final_report_waits_for_the_factual_accuracy_check(
    conditional, django_capture_on_commit_callbacks, settings
):
    with pytest.raises(DomainError, match="Share a draft report with the provider first"):
        _request(conditional, kind=ReportKind.FINAL)
    draft = _shared_draft(conditional, django_capture_on_commit_callbacks)
    from qismet_portal.working_days import add_working_days

    assert draft.comments_until == add_working_days(
        timezone.localdate(), settings.FACTUAL_ACCURACY_WORKING_DAYS
    )
    with pytest.raises(DomainError, match="can comment on the draft until"):
        _request(conditional, kind=ReportKind.FINAL)
    member = conditional.application.started_by
    comment = services.comment_add(
        report=draft,
        user=member,
        section="theme-2",
        comment="Criterion 2.1: the course has 8 sessions, not 6.",
    )
    services.comments_close(report=draft, user=member)
    with pytest.raises(DomainError, match="Answer the provider's 1 comment"):
        _request(conditional, kind=ReportKind.FINAL)
    with pytest.raises(DomainError, match="Write the answer"):
        services.comment_answer(
            comment=comment, user=conditional.administrator, response="corrected", text=" "
        )
    services.comment_answer(
        comment=comment,
        user=conditional.administrator,
        response="corrected",
        text="Thank you: the final report says eight sessions.",
    )
    final, created = _request(
        conditional, kind=ReportKind.FINAL, capture=django_capture_on_commit_callbacks
    )
    final.refresh_from_db()
    assert created and final.number == 1 and final.status == ReportStatus.READY
    text = _text(final)
    assert "Factual-accuracy check" in text
    assert "the course has 8 sessions, not 6" in text
    assert "final report says eight sessions" in text
    assert "Corrected in the final report".lower() in text.lower()
    assert "DRAFT" not in text
    kinds = {e.kind for e in ApplicationEvent.objects.filter(application=conditional.application)}
    assert {
        ApplicationEvent.Kind.REPORT_COMMENTED,
        ApplicationEvent.Kind.REPORT_COMMENTS_CLOSED,
        ApplicationEvent.Kind.REPORT_COMMENT_ANSWERED,
    } <= kinds


def test_comments_close_with_the_window(conditional, django_capture_on_commit_callbacks):
    draft = _shared_draft(conditional, django_capture_on_commit_callbacks)
    member = conditional.application.started_by
    Report.objects.filter(pk=draft.pk).update(
        comments_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    draft.refresh_from_db()
    with pytest.raises(DomainError, match="check of this draft is over"):
        services.comment_add(report=draft, user=member, section="cover", comment="Late.")
    # Over, and nothing to answer: the final report can be made.
    final, created = _request(conditional, kind=ReportKind.FINAL)
    assert created and final.inputs["factual_accuracy"] == []


def test_comments_only_on_a_shared_draft(conditional, django_capture_on_commit_callbacks):
    report, _ = _request(conditional, capture=django_capture_on_commit_callbacks)
    member = conditional.application.started_by
    with pytest.raises(DomainError, match="draft report shared with you"):
        services.comment_add(report=report, user=member, section="cover", comment="Too soon.")
    draft = services.report_share(
        report=Report.objects.get(pk=report.pk), user=conditional.administrator
    )
    with pytest.raises(DomainError, match="Choose the part"):
        services.comment_add(report=draft, user=member, section="nowhere", comment="x")
    with pytest.raises(DomainError, match="Write your comment"):
        services.comment_add(report=draft, user=member, section="cover", comment="   ")


def test_the_comments_page_for_the_provider_and_the_administrator(
    client, conditional, other_provider_user, django_capture_on_commit_callbacks
):
    draft = _shared_draft(conditional, django_capture_on_commit_callbacks)
    pk = conditional.application.pk
    url = reverse("accreditation:report_comments", args=[pk, draft.pk])
    member = conditional.application.started_by
    sign_in(client, member)
    page = client.get(url).content.decode()
    assert "Open until" in page and "Add a comment" in page and "We have no more comments" in page
    refused = client.post(url, {"section": "", "comment": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "There is a problem" in body
    posted = client.post(url, {"section": "conditions", "comment": "Condition 2's date is wrong."})
    assert posted.status_code == 302
    page = client.get(url).content.decode()
    assert "Condition 2&#x27;s date is wrong." in page and "Not answered yet" in page
    # The administrator answers on the same page.
    comment = draft.comments.get()
    sign_in(client, conditional.administrator)
    page = client.get(url).content.decode()
    assert "Answer this comment" in page and "Add a comment" not in page
    answer_url = reverse("accreditation:report_comment_answer", args=[pk, draft.pk, comment.pk])
    prefix = f"answer-{comment.pk}"
    missing = client.post(answer_url, {f"{prefix}-response": "not_changed", f"{prefix}-text": ""})
    assert missing.status_code == 400
    ok = client.post(
        answer_url,
        {
            f"{prefix}-response": "not_changed",
            f"{prefix}-text": "The date is as the decision set it.",
        },
    )
    assert ok.status_code == 302
    comment.refresh_from_db()
    assert comment.response == "not_changed" and comment.responded_by == conditional.administrator
    # A member cannot answer; another organisation cannot even see the check.
    sign_in(client, member)
    assert client.post(answer_url, {}).status_code == 403
    sign_in(client, other_provider_user)
    assert client.get(url).status_code == 404
    close = reverse("accreditation:report_comments_close", args=[pk, draft.pk])
    assert client.post(close).status_code == 404


def test_an_ended_window_is_flagged_once(
    conditional, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.models import Notification
    from accreditation.tasks import factual_accuracy_windows_ended

    draft = _shared_draft(conditional, django_capture_on_commit_callbacks)
    services.comment_add(
        report=draft, user=conditional.application.started_by, section="cover", comment="A fact."
    )
    mailoutbox.clear()
    assert factual_accuracy_windows_ended() == 0  # still open
    Report.objects.filter(pk=draft.pk).update(
        comments_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert factual_accuracy_windows_ended() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert factual_accuracy_windows_ended() == 0
    assert len(mailoutbox) == 1
    assert "Factual-accuracy check ended" in mailoutbox[0].subject
    assert "1 comment still needs an answer" in mailoutbox[0].body
    assert Notification.objects.filter(
        user=conditional.administrator, message__contains="1 comment(s) to answer"
    ).exists()


def test_a_render_that_keeps_killing_its_worker_fails_in_the_end(conditional, settings):
    """Each attempt died without a word (the worker was killed); after REPORT_MAX_ATTEMPTS the
    report fails with a plain message instead of being tried for ever, and asking again starts
    the count afresh."""
    report, _ = _request(conditional)
    stale = timezone.now() - datetime.timedelta(
        seconds=settings.REPORT_HEARTBEAT_TIMEOUT_SECONDS + 5
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RENDERING, heartbeat_at=stale, attempts=settings.REPORT_MAX_ATTEMPTS
    )
    assert services.report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert f"stopped {settings.REPORT_MAX_ATTEMPTS} times" in report.error
    services.report_retry(report=report, user=conditional.administrator)
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.attempts == 0
    assert services.report_render(report_id=report.pk) is not None
