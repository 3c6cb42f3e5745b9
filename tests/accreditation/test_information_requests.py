"""Requests for more information: raising one, only the named criteria re-opening (answers and
every evidence action), a shared file replaced for the re-opened criteria only, the response
and its new submission record, what changed, overdue flags, emails and notifications."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accreditation.models import (
    ApplicationEvent,
    ApplicationStatus,
    EvidenceLink,
    InformationRequest,
    InformationRequestStatus,
    Response,
    SubmittedEvidence,
)
from accreditation.selectors.information import (
    criterion_is_open,
    record_changes,
    word_diff,
)
from accreditation.selectors.submissions import submission_records_for
from accreditation.services import evidence as evidence_services
from accreditation.services.applications import response_save
from accreditation.services.information import (
    information_request_cancel,
    information_request_default_due_on,
    information_request_raise,
    information_requests_overdue_flag,
)
from accreditation.tasks import information_requests_overdue
from qismet_portal.exceptions import DomainError
from tests.factories import AdministratorFactory, AssessorFactory
from tests.standards.factories import published_version

from .factories import started_application
from .hostile import pdf_bytes
from .journey import (
    Stage,
    in_assessment,
    in_moderation,
    information_requested,
    submitted_application,
)
from .test_applications import complete, document_add, evidence_add, responses_of, submit

pytestmark = pytest.mark.django_db

IN_A_FORTNIGHT = timezone.localdate() + datetime.timedelta(days=14)


@pytest.fixture(autouse=True)
def _storage(private_storage):
    return private_storage


def _raise(stage, criteria=None, user=None, **kwargs):
    kwargs.setdefault("message", "Please send the current policy.")
    kwargs.setdefault("due_on", IN_A_FORTNIGHT)
    return information_request_raise(
        application=stage.application,
        user=user or stage.lead.assessor,
        criteria=criteria if criteria is not None else stage.criteria[:1],
        **kwargs,
    )


def _response(stage, criterion) -> Response:
    response = Response.objects.select_related("criterion", "application__version").get(
        application=stage.application, criterion=criterion
    )
    return response


def _pdf(name="new.pdf", text="New"):
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


# --- raising --------------------------------------------------------------------------------


def test_an_assigned_assessor_raises_a_request_on_named_criteria(
    django_capture_on_commit_callbacks,
):
    stage = in_assessment()
    named = stage.criteria[:2]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = _raise(stage, named, message="Send the safeguarding policy.")
    stage.refresh()
    assert stage.application.status == ApplicationStatus.INFORMATION_REQUESTED
    assert request.status == InformationRequestStatus.OPEN
    assert set(request.criteria.all()) == set(named)
    assert request.record == stage.record
    line = stage.application.events.filter(kind=ApplicationEvent.Kind.STATUS).last()
    assert line.to_status == ApplicationStatus.INFORMATION_REQUESTED
    assert line.reason == "Send the safeguarding policy."
    assert named[0].code in line.detail
    # the provider's lead is emailed (plain text, quoting the message) and notified
    lead = stage.application.started_by
    [email] = mail.outbox
    assert lead.email in email.to
    assert "Send the safeguarding policy." in email.body
    assert named[1].code in email.body
    assert Notification.objects.filter(user=lead, url__contains="information-requests").exists()
    assert not Notification.objects.filter(
        user=stage.lead.assessor, url__contains="information-requests"
    ).exists()


def test_provider_supplied_names_are_data_in_the_email(django_capture_on_commit_callbacks):
    stage = in_assessment()
    programme = stage.application.programme
    programme.name = "<b>Living & well</b>"
    programme.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _raise(stage)
    assert '"<b>Living & well</b>"' in mail.outbox[0].body


@pytest.mark.parametrize("who", ["unassigned", "offered", "provider", "administrator"])
def test_only_an_accepted_assigned_assessor_may_raise(who):
    stage = in_assessment()
    if who == "unassigned":
        user = AssessorFactory()
    elif who == "offered":
        from accreditation.models import Assignment

        user = AssessorFactory()
        stage.lead.remove()
        stage.lead.save()
        Assignment.objects.create(
            application=stage.application,
            assessor=user,
            role="lead",
            assigned_by=stage.administrator,
            due_on=IN_A_FORTNIGHT,
        )
    elif who == "provider":
        user = stage.application.started_by
    else:
        user = stage.administrator
    with pytest.raises(DomainError, match="Only an assessor who has accepted"):
        _raise(stage, user=user)
    assert not InformationRequest.objects.exists()
    assert stage.refresh().application.status == ApplicationStatus.IN_ASSESSMENT


def test_refused_in_the_wrong_status():
    stage = submitted_application()
    from accreditation.models import Assignment

    with pytest.raises(DomainError):
        information_request_raise(
            application=stage.application,
            user=AssessorFactory(),
            criteria=stage.criteria[:1],
            message="x",
            due_on=IN_A_FORTNIGHT,
        )
    stage = in_moderation()
    with pytest.raises(DomainError, match="cannot be sent a request"):
        _raise(stage)
    assert not InformationRequest.objects.exists()
    assert Assignment.objects.exists()


def test_criteria_of_another_version_are_refused():
    stage = in_assessment()
    other = published_version(criteria_per_theme=1)
    foreign = other.themes.first().criteria.first()
    with pytest.raises(DomainError, match="must belong to the version"):
        _raise(stage, [stage.criteria[0], foreign])
    assert not InformationRequest.objects.exists()
    assert stage.refresh().application.status == ApplicationStatus.IN_ASSESSMENT


def test_a_second_open_request_is_refused():
    stage = information_requested()
    with pytest.raises(DomainError, match="already has an open request"):
        _raise(stage, user=stage.second.assessor)
    assert InformationRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"criteria": []}, "at least one criterion"),
        ({"message": "   "}, "what information you need"),
        ({"due_on": timezone.localdate()}, "in the future"),
    ],
)
def test_a_request_needs_criteria_a_message_and_a_future_date(kwargs, words):
    stage = in_assessment()
    with pytest.raises(DomainError, match=words):
        _raise(stage, **kwargs)


def test_the_default_due_date_is_ten_working_days_ahead():
    monday = datetime.date(2025, 6, 2)
    assert information_request_default_due_on(monday) == datetime.date(2025, 6, 16)
    # Over Christmas: 25, 26 (observed 28) December 2026 and 1 January 2027 are bank holidays.
    assert information_request_default_due_on(datetime.date(2026, 12, 21)) == datetime.date(
        2027, 1, 7
    )


# --- only the named criteria re-open --------------------------------------------------------


def test_only_named_criteria_reopen_for_answers():
    stage = information_requested()
    named, other = stage.criteria[0], stage.criteria[1]
    assert criterion_is_open(stage.application, named)
    assert not criterion_is_open(stage.application, other)
    provider = stage.application.started_by
    saved = response_save(
        response=_response(stage, named), user=provider, narrative="Better now.", rating="met"
    )
    assert saved.narrative == "Better now."
    with pytest.raises(DomainError, match=f"Criterion {other.code} is not one of the criteria"):
        response_save(
            response=_response(stage, other), user=provider, narrative="Sneaky", rating="met"
        )
    assert _response(stage, other).narrative != "Sneaky"


def test_save_and_next_goes_to_the_next_criterion_asked_about(login):
    """Between the named criteria lie others that cannot be changed: "save and go to the next"
    skips them, and after the last named one goes back to the application."""
    stage = in_assessment()
    first, skipped, last = stage.criteria[0], stage.criteria[1], stage.criteria[3]
    stage = information_requested(stage, criteria=[first, last])
    client = login(stage.application.started_by)
    url = reverse("accreditation:response_edit", args=[stage.application.pk, first.pk])
    page = client.get(url).content.decode()
    assert f"Save and go to the next criterion asked about ({last.code})" in page

    def save_next(criterion):
        response = _response(stage, criterion)
        return client.post(
            reverse("accreditation:response_edit", args=[stage.application.pk, criterion.pk]),
            {
                "narrative": "The approved policy is attached.",
                "rating": "met",
                "revision": response.revision,
                "save_next": "1",
            },
        )

    moved = save_next(first)
    assert moved.status_code == 302
    assert moved["Location"] == reverse(
        "accreditation:response_edit", args=[stage.application.pk, last.pk]
    )
    assert skipped.pk not in {first.pk, last.pk}
    finished = save_next(last)
    assert finished["Location"] == reverse(
        "accreditation:application_detail", args=[stage.application.pk]
    )
    shown = client.get(finished["Location"]).content.decode()
    assert "That was the last criterion the assessors asked about." in shown


def test_an_assessor_cancels_an_open_request(django_capture_on_commit_callbacks):
    stage = information_requested()
    named = stage.criteria[0]
    assert criterion_is_open(stage.application, named)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = information_request_cancel(
            application=stage.application,
            user=stage.lead.assessor,
            reason="Asked by mistake: the policy is in the evidence.",
        )
    stage.refresh()
    assert stage.application.status == ApplicationStatus.IN_ASSESSMENT
    assert cancelled.status == InformationRequestStatus.CANCELLED
    assert cancelled.cancelled_by == stage.lead.assessor and cancelled.cancelled_at
    assert not criterion_is_open(stage.application, named)
    event = ApplicationEvent.objects.filter(application=stage.application).latest("pk")
    assert event.to_status == "in_assessment" and "Asked by mistake" in event.reason
    provider = stage.application.started_by
    assert Notification.objects.filter(user=provider, message__contains="cancelled").exists()
    # The other assessor is told in the portal; whoever cancelled is not.
    assert Notification.objects.filter(
        user=stage.second.assessor, message__contains="cancelled"
    ).exists()
    assert not Notification.objects.filter(
        user=stage.lead.assessor, message__contains="has been cancelled"
    ).exists()
    email = next(m for m in mail.outbox if "cancelled" in m.subject)
    assert provider.email in email.to and stage.second.assessor.email in email.to
    assert "Asked by mistake: the policy is in the evidence." in email.body
    # A new request can be raised afterwards (the one-open-request rule is satisfied).
    assert _raise(stage, criteria=stage.criteria[1:2]).status == InformationRequestStatus.OPEN


def test_cancelling_is_refused_without_a_reason_an_open_request_or_the_right(login):
    stage = information_requested()
    with pytest.raises(DomainError, match="Say why"):
        information_request_cancel(
            application=stage.application, user=stage.lead.assessor, reason="  "
        )
    with pytest.raises(DomainError, match="Only an assessor"):
        information_request_cancel(
            application=stage.application, user=stage.application.started_by, reason="No."
        )
    information_request_cancel(
        application=stage.application, user=stage.administrator, reason="Not needed."
    )
    with pytest.raises(DomainError, match="no open request"):
        information_request_cancel(
            application=stage.application, user=stage.lead.assessor, reason="Again."
        )


def test_the_request_page_offers_cancelling_and_keeps_a_refused_reason(login):
    stage = information_requested()
    request = InformationRequest.objects.get(application=stage.application)
    detail = reverse(
        "accreditation:information_request_detail", args=[stage.application.pk, request.pk]
    )
    cancel = reverse(
        "accreditation:information_request_cancel", args=[stage.application.pk, request.pk]
    )
    assessor = login(stage.lead.assessor)
    assert "Cancel this request" in assessor.get(detail).content.decode()
    assert (
        "Cancel this request"
        not in login(stage.application.started_by).get(detail).content.decode()
    )
    refused = assessor.post(cancel, {"reason": ""})
    assert refused.status_code == 400
    assert "Say why the request is cancelled." in refused.content.decode()
    done = assessor.post(cancel, {"reason": "Asked by mistake."}, follow=True)
    page = done.content.decode()
    assert "Request cancelled." in page
    assert "Asked by mistake." in page and "Cancel this request" not in page
    provider_page = login(stage.application.started_by).get(detail).content.decode()
    assert "Cancelled" in provider_page and "Asked by mistake." in provider_page


def test_nothing_is_open_in_assessment_or_after_the_answer():
    stage = in_assessment()
    assert not criterion_is_open(stage.application, stage.criteria[0])
    with pytest.raises(DomainError, match="can no longer be changed"):
        response_save(
            response=_response(stage, stage.criteria[0]),
            user=stage.application.started_by,
            narrative="x",
            rating="met",
        )


def test_every_evidence_action_is_allowed_on_named_criteria_only():
    stage = information_requested()
    application, user = stage.application, stage.application.started_by
    named, other = _response(stage, stage.criteria[0]), _response(stage, stage.criteria[1])
    # upload
    [link] = evidence_services.evidence_upload(
        application=application, response=named, files=[_pdf()], pointer="p 2", user=user
    )
    with pytest.raises(DomainError, match="not one of the criteria"):
        evidence_services.evidence_upload(
            application=application, response=other, files=[_pdf()], pointer="", user=user
        )
    # link an existing file
    spare = document_add(application, user)
    evidence_services.evidence_link(
        application=application, response=named, document=spare, pointer="", user=user
    )
    with pytest.raises(DomainError, match="not one of the criteria"):
        evidence_services.evidence_link(
            application=application, response=other, document=spare, pointer="", user=user
        )
    # unlink
    other_link = evidence_add(other, user)
    with pytest.raises(DomainError, match="not one of the criteria"):
        evidence_services.evidence_unlink(application=application, link=other_link, user=user)
    evidence_services.evidence_unlink(application=application, link=link, user=user)
    assert EvidenceLink.objects.filter(pk=other_link.pk).exists()
    # replace: a file used only by a criterion that is not open is refused
    with pytest.raises(DomainError, match="not used by any of the criteria"):
        evidence_services.evidence_replace(
            application=application, document=other_link.document, file=_pdf(), user=user
        )
    assert other_link.document.revisions.count() == 1


def test_a_file_used_only_by_named_criteria_gets_a_new_version_in_place():
    stage = information_requested()
    application, user = stage.application, stage.application.started_by
    named = _response(stage, stage.criteria[0])
    link = evidence_add(named, user)
    revision = evidence_services.evidence_replace(
        application=application, document=link.document, file=_pdf(), user=user
    )
    assert revision.document_id == link.document_id
    assert revision.number == 2
    assert revision.previous == link.document.revisions.get(number=1)


def test_a_shared_file_is_replaced_for_the_reopened_criteria_only():
    draft = started_application(criteria_per_theme=1)
    complete(draft)
    user = draft.started_by
    named_response, other_response = responses_of(draft)[:2]
    named, other = named_response.criterion, other_response.criterion
    shared = document_add(draft, user, "policy.pdf")
    for response in (named_response, other_response):
        EvidenceLink.objects.create(response=response, document=shared, added_by=user)
    stage = in_assessment(Stage(application=submit(draft), administrator=AdministratorFactory()))
    application = stage.application
    old_revision = shared.current
    first_record = stage.record
    first_evidence = list(
        SubmittedEvidence.objects.filter(answer__record=first_record).values_list(
            "answer__criterion_id", "revision_id", "sha256"
        )
    )
    _raise(stage, [named])
    application = stage.refresh().application

    revision = evidence_services.evidence_replace(
        application=application, document=shared, file=_pdf(text="Replaced"), user=user
    )
    # the new revision lives in a new document; only the named criterion moved to it
    assert revision.document_id != shared.pk
    assert revision.previous_id == old_revision.pk
    assert EvidenceLink.objects.get(response__criterion=other, document=shared)
    assert EvidenceLink.objects.filter(
        response__criterion=named, document_id=revision.document_id
    ).exists()
    assert not EvidenceLink.objects.filter(response__criterion=named, document=shared).exists()
    shared.refresh_from_db()
    assert shared.current_id == old_revision.pk
    assert shared.revisions.count() == 1
    # the earlier submission record is untouched
    assert (
        list(
            SubmittedEvidence.objects.filter(answer__record=first_record).values_list(
                "answer__criterion_id", "revision_id", "sha256"
            )
        )
        == first_evidence
    )
    line = application.events.filter(kind=ApplicationEvent.Kind.EVIDENCE_REPLACED).last()
    assert f"for criteria {named.code} only" in line.detail

    # answering records the new revision for the named criterion and the old for the other
    _respond(stage)
    latest = stage.record
    assert latest.number == first_record.number + 1
    by_criterion = {
        (e.answer.criterion_id, e.revision_id)
        for e in SubmittedEvidence.objects.filter(answer__record=latest).select_related("answer")
    }
    assert (named.pk, revision.pk) in by_criterion
    assert (other.pk, old_revision.pk) in by_criterion
    changes = record_changes(
        *submission_records_for(application).filter(number__gte=latest.number - 1)
    )
    [change] = changes.changed
    assert change.criterion == named
    assert [item.kind for item in change.evidence] == ["replaced"]


# --- responding -----------------------------------------------------------------------------


def _respond(stage, note="We attach the approved policy."):
    stage.refresh()
    return submit(stage.application, _signer(stage)) if not note else _submit_with_note(stage, note)


def _signer(stage):
    from .test_applications import signatory_of

    return signatory_of(stage.application)


def _submit_with_note(stage, note):
    from accreditation.services.applications import application_submit

    signer = _signer(stage)
    result = application_submit(
        application=stage.application,
        user=signer,
        full_name=signer.full_name,
        role="Director",
        confirmed=True,
        note=note,
    )
    stage.refresh()
    return result


def test_the_response_answers_the_request_and_tells_the_assessors(
    django_capture_on_commit_callbacks,
):
    stage = information_requested()
    request = InformationRequest.objects.get()
    response_save(
        response=_response(stage, stage.criteria[0]),
        user=stage.application.started_by,
        narrative="We now review the policy every year.",
        rating="met",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _respond(stage, note="See the new paragraph.")
    request.refresh_from_db()
    assert stage.application.status == ApplicationStatus.IN_ASSESSMENT
    assert request.status == InformationRequestStatus.ANSWERED
    assert request.answered_record == stage.record
    assert request.answered_at is not None
    assert request.provider_note == "See the new paragraph."
    line = stage.application.events.filter(kind=ApplicationEvent.Kind.STATUS).last()
    assert line.reason == "See the new paragraph."
    assert "Response to the request for more information" in line.detail
    [email] = mail.outbox
    assert "Response received" in email.subject
    assert stage.lead.assessor.email in email.to
    assert stage.second.assessor.email in email.to
    assert stage.administrator.email in email.to
    assert stage.application.started_by.email not in email.to
    for person in (stage.lead.assessor, stage.second.assessor, stage.administrator):
        assert Notification.objects.filter(
            user=person, message__startswith="Response received"
        ).exists()
    # and the criteria are closed again
    assert not criterion_is_open(stage.application, stage.criteria[0])


# --- what changed ---------------------------------------------------------------------------


def test_word_diff_marks_words_added_and_removed():
    assert word_diff("We review it yearly.", "We review it every year.") == [
        ("same", "We review it "),
        ("removed", "yearly."),
        ("added", "every year."),
    ]


def test_record_changes_lists_changed_criteria_and_counts_the_rest():
    stage = information_requested(criteria_per_theme=2)
    named = stage.criteria[0]
    user = stage.application.started_by
    response = _response(stage, named)
    response_save(
        response=response, user=user, narrative="Entirely new words.", rating="partially_met"
    )
    evidence_services.evidence_upload(
        application=stage.application, response=response, files=[_pdf()], pointer="", user=user
    )
    _respond(stage)
    previous, current = submission_records_for(stage.application).order_by("-number")[:2][::-1]
    changes = record_changes(previous, current)
    [change] = changes.changed
    assert change.criterion == named
    assert change.rating_changed
    assert ("added", "Entirely new words.") in change.narrative
    assert [item.kind for item in change.evidence] == ["added"]
    assert changes.unchanged_count == len(stage.criteria) - 1


def test_the_changes_page_escapes_what_the_provider_typed(login):
    stage = information_requested()
    response_save(
        response=_response(stage, stage.criteria[0]),
        user=stage.application.started_by,
        narrative="<script>alert(1)</script>",
        rating="met",
    )
    _respond(stage)
    page = login(stage.lead.assessor).get(
        reverse("accreditation:submission_changes", args=[stage.application.pk, 2])
    )
    assert page.status_code == 200
    assert b"<script>alert(1)" not in page.content
    assert b"&lt;script&gt;alert(1)" in page.content
    assert b"1 other criteri" in page.content or b"unchanged" in page.content


# --- overdue --------------------------------------------------------------------------------


def test_an_overdue_request_is_flagged_once(django_capture_on_commit_callbacks):
    stage = information_requested()
    InformationRequest.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert information_requests_overdue.apply().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert information_requests_overdue.apply().get() == 0
        assert information_requests_overdue_flag() == 0
    lines = stage.application.events.filter(kind=ApplicationEvent.Kind.INFORMATION_OVERDUE)
    assert lines.count() == 1
    assert len(mail.outbox) == 2
    recipients = {address for email in mail.outbox for address in email.to}
    assert stage.application.started_by.email in recipients
    assert stage.lead.assessor.email in recipients
    assert all("overdue" in email.subject for email in mail.outbox)


def test_a_request_not_yet_due_or_answered_is_not_flagged():
    stage = information_requested()
    assert information_requests_overdue_flag() == 0
    InformationRequest.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    _respond(stage)
    assert information_requests_overdue_flag() == 0
    assert not ApplicationEvent.objects.filter(
        kind=ApplicationEvent.Kind.INFORMATION_OVERDUE
    ).exists()


def test_overdue_is_said_on_the_application_and_request_pages(login):
    stage = information_requested()
    InformationRequest.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    request = InformationRequest.objects.get()
    for user in (stage.application.started_by, stage.lead.assessor):
        client = login(user)
        for url in (
            reverse("accreditation:application_detail", args=[stage.application.pk]),
            reverse(
                "accreditation:information_request_detail",
                args=[stage.application.pk, request.pk],
            ),
        ):
            page = client.get(url)
            assert b"This request is overdue" in page.content, url


def test_the_beat_schedule_runs_the_overdue_task_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["information-requests-overdue"]
    assert entry["task"] == "accreditation.tasks.information_requests_overdue"
