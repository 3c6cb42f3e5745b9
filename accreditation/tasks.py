"""Emails about applications, sent by Celery workers after the change has committed.

Each task takes an application id, re-reads it and sends only if the application is still in the
state the email talks about: a task that runs late (or twice, after a retry) never announces
something that is no longer true. One message per task, so a retry after an SMTP failure resends
at most that message. SMTP errors are OSErrors; they are retried with bounded, growing delays.
"""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string

from qismet_portal.links import absolute_reverse
from qismet_portal.outbox.tasks import OutboxTask

RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 6,
}


def _submitted_application(application_id: int):
    from accreditation.models import Application, ApplicationStatus

    return (
        Application.objects.select_related(
            "programme__organisation", "version__standard", "declaration_signed_by"
        )
        .filter(pk=application_id, status=ApplicationStatus.SUBMITTED)
        .first()
    )


def _context(application) -> dict:
    return {
        "application": application,
        "organisation": application.programme.organisation,
        "link": absolute_reverse("accreditation:application_detail", application.pk),
    }


@shared_task(base=OutboxTask, **RETRY)
def notify_application_submitted(application_id: int) -> int:
    """Tell every active administrator that an application is waiting for screening.

    Returns the number of people emailed (0 when there is nothing to say any more).
    """
    from accounts.models import User

    application = _submitted_application(application_id)
    if application is None:
        return 0
    recipients = sorted(User.objects.administrators().active().values_list("email", flat=True))
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] Application {application.reference} submitted for screening",
        message=render_to_string(
            "accreditation/emails/application_submitted_admin.txt", _context(application)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def confirm_application_submitted(application_id: int) -> int:
    """Confirm the submission to the organisation's leads and the person who signed, with what
    happens next."""
    from providers.models import Membership, MembershipRole

    application = _submitted_application(application_id)
    if application is None:
        return 0
    organisation = application.programme.organisation
    leads = Membership.objects.filter(
        organisation=organisation, role=MembershipRole.LEAD, user__is_active=True
    ).values_list("user__email", flat=True)
    recipients = set(leads)
    signer = application.declaration_signed_by
    if signer is not None and signer.is_active:
        recipients.add(signer.email)
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] We have received application {application.reference}",
        message=render_to_string(
            "accreditation/emails/application_submitted_provider.txt", _context(application)
        ),
        from_email=None,
        recipient_list=sorted(recipients),
    )
    return len(recipients)


# --- screening and assignment ----------------------------------------------------------------


@shared_task(base=OutboxTask, **RETRY)
def notify_application_returned(application_id: int) -> int:
    """Tell the provider's leads and everyone who can sign that screening returned the
    application, with the reasons, while it is still returned."""
    from accreditation.models import Application, ApplicationEvent, ApplicationStatus
    from accreditation.selectors.screening import provider_contacts

    application = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .filter(pk=application_id, status=ApplicationStatus.RETURNED)
        .first()
    )
    if application is None:
        return 0
    event = (
        application.events.filter(
            kind=ApplicationEvent.Kind.STATUS, to_status=ApplicationStatus.RETURNED
        )
        .order_by("-at", "-pk")
        .first()
    )
    recipients = sorted({person.email for person in provider_contacts(application)})
    if not recipients or event is None:
        return 0
    send_mail(
        subject=f"[QISMET] Application {application.reference} returned: changes needed",
        message=render_to_string(
            "accreditation/emails/application_returned.txt",
            {**_context(application), "reasons": event.reason, "returned_at": event.at},
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def _assignment(assignment_id: int, status: str):
    from accreditation.models import Assignment

    return (
        Assignment.objects.select_related(
            "assessor", "application__programme__organisation", "assigned_by"
        )
        .filter(pk=assignment_id, status=status)
        .first()
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_assessor_assigned(assignment_id: int) -> int:
    """Offer the assignment to the assessor by email, while it is still on offer. The email
    says only what they need to judge a conflict of interest, and links to the offer."""
    from accreditation.models import AssignmentStatus

    assignment = _assignment(assignment_id, AssignmentStatus.OFFERED)
    if assignment is None or not assignment.assessor.is_active:
        return 0
    application = assignment.application
    send_mail(
        subject=f"[QISMET] Assignment offered: application {application.reference}",
        message=render_to_string(
            "accreditation/emails/assignment_offered.txt",
            {
                "assignment": assignment,
                "application": application,
                "organisation": application.programme.organisation,
                "link": absolute_reverse("accreditation:assignment_respond", assignment.pk),
            },
        ),
        from_email=None,
        recipient_list=[assignment.assessor.email],
    )
    return 1


@shared_task(base=OutboxTask, **RETRY)
def notify_assignment_response(assignment_id: int) -> int:
    """Tell every active administrator that an assessor accepted or declined an assignment."""
    from accounts.models import User
    from accreditation.models import Assignment, AssignmentStatus

    status = Assignment.objects.filter(pk=assignment_id).values_list("status", flat=True).first()
    if status not in (AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED):
        return 0
    assignment = _assignment(assignment_id, status)
    recipients = sorted(User.objects.administrators().active().values_list("email", flat=True))
    if not recipients:
        return 0
    application = assignment.application
    accepted = status == AssignmentStatus.ACCEPTED
    send_mail(
        subject=(
            f"[QISMET] {assignment.assessor.full_name} "
            f"{'accepted' if accepted else 'declined'} application {application.reference}"
        ),
        message=render_to_string(
            "accreditation/emails/assignment_response.txt",
            {
                "assignment": assignment,
                "accepted": accepted,
                "application": application,
                "organisation": application.programme.organisation,
                "link": absolute_reverse("accreditation:assignment_manage", application.pk),
            },
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task
def evidence_sweep_stale_uploads() -> int:
    """Run by Celery beat: remove partial uploads abandoned for over a day."""
    from accreditation.uploads import stale_upload_files_remove

    return stale_upload_files_remove(older_than_seconds=24 * 3600)


# --- scoring --------------------------------------------------------------------------------


@shared_task(base=OutboxTask, **RETRY)
def notify_scoring_completed(assignment_id: int) -> int:
    """Tell administrators and the lead assessor (unless it was them) that an assessor has
    completed their scoring. Says nothing of the scores (blind marking)."""
    from accounts.models import User
    from accreditation.models import Assignment, AssignmentRole, AssignmentStatus

    assignment = (
        Assignment.objects.select_related(
            "assessor", "application__programme__organisation", "application__version__standard"
        )
        .filter(pk=assignment_id, completed_at__isnull=False)
        .first()
    )
    if assignment is None:
        return 0
    application = assignment.application
    recipients = set(User.objects.administrators().active().values_list("email", flat=True))
    lead = (
        Assignment.objects.filter(
            application=application, role=AssignmentRole.LEAD, status=AssignmentStatus.ACCEPTED
        )
        .exclude(assessor=assignment.assessor)
        .values_list("assessor__email", flat=True)
        .first()
    )
    if lead:
        recipients.add(lead)
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] Scoring completed on application {application.reference}",
        message=render_to_string(
            "accreditation/emails/scoring_completed.txt",
            {**_context(application), "assignment": assignment},
        ),
        from_email=None,
        recipient_list=sorted(recipients),
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_moderation_ready(application_id: int) -> int:
    """Tell the lead assessor that both assessors have completed and moderation can start
    (only while the application is still in moderation)."""
    from accreditation.models import (
        Application,
        ApplicationStatus,
        Assignment,
        AssignmentRole,
        AssignmentStatus,
    )
    from accreditation.selectors.scoring import url_or_path
    from qismet_portal.links import absolute_url

    application = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .filter(pk=application_id, status=ApplicationStatus.MODERATION)
        .first()
    )
    if application is None:
        return 0
    lead = (
        Assignment.objects.filter(
            application=application, role=AssignmentRole.LEAD, status=AssignmentStatus.ACCEPTED
        )
        .select_related("assessor")
        .first()
    )
    if lead is None or not lead.assessor.is_active:
        return 0
    path = url_or_path(
        "moderation_overview", f"/applications/{application.pk}/moderation/", pk=application.pk
    )
    send_mail(
        subject=f"[QISMET] Application {application.reference} is ready for moderation",
        message=render_to_string(
            "accreditation/emails/moderation_ready.txt",
            {**_context(application), "lead": lead.assessor, "link": absolute_url(path)},
        ),
        from_email=None,
        recipient_list=[lead.assessor.email],
    )
    return 1


# --- requests for more information ------------------------------------------------------------


def _information_request(request_id: int, status: str):
    from django.db.models import Prefetch

    from accreditation.models import InformationRequest
    from standards.models import Criterion

    return (
        InformationRequest.objects.select_related(
            "application__programme__organisation",
            "application__version__standard",
            "raised_by",
            "answered_record",
            "cancelled_by",
        )
        .prefetch_related(
            Prefetch(
                "criteria", queryset=Criterion.objects.order_by("theme__number", "order", "code")
            )
        )
        .filter(pk=request_id, status=status)
        .first()
    )


def _request_context(request) -> dict:
    application = request.application
    criteria = list(request.criteria.all())
    return {
        **_context(application),
        "request": request,
        "criteria": criteria,
        "request_link": absolute_reverse(
            "accreditation:information_request_detail", application.pk, request.pk
        ),
    }


def _emails(users) -> list[str]:
    return sorted({user.email for user in users if user.is_active and user.email})


@shared_task(base=OutboxTask, **RETRY)
def notify_information_requested(request_id: int) -> int:
    """Tell the provider's leads and signatories what the assessors asked, and by when. Sent
    only while the request is still open."""
    from accreditation.services.information import provider_contacts

    request = _information_request(request_id, "open")
    if request is None:
        return 0
    recipients = _emails(provider_contacts(request.application))
    if not recipients:
        return 0
    send_mail(
        subject=(
            f"[QISMET] More information needed for application {request.application.reference}"
        ),
        message=render_to_string(
            "accreditation/emails/information_requested.txt", _request_context(request)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_information_answered(request_id: int) -> int:
    """Tell the assessors and administrators that the provider has answered and submitted
    again, with a link to what changed."""
    from accounts.models import User
    from accreditation.services.information import application_assessors

    request = _information_request(request_id, "answered")
    if request is None or request.answered_record_id is None:
        return 0
    application = request.application
    administrators = User.objects.administrators().active()
    recipients = _emails([*application_assessors(application), *administrators])
    if not recipients:
        return 0
    context = _request_context(request)
    context["changes_link"] = absolute_reverse(
        "accreditation:submission_changes", application.pk, request.answered_record.number
    )
    send_mail(
        subject=f"[QISMET] Response received for application {application.reference}",
        message=render_to_string("accreditation/emails/information_answered.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_information_cancelled(request_id: int) -> int:
    """Tell the provider's leads and signatories, and the assessors, that an open request was
    taken back unanswered, and why."""
    from accreditation.services.information import application_assessors, provider_contacts

    request = _information_request(request_id, "cancelled")
    if request is None:
        return 0
    application = request.application
    recipients = _emails([*provider_contacts(application), *application_assessors(application)])
    if not recipients:
        return 0
    send_mail(
        subject=(
            f"[QISMET] Request for more information cancelled: application {application.reference}"
        ),
        message=render_to_string(
            "accreditation/emails/information_cancelled.txt", _request_context(request)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_information_overdue(request_id: int, audience: str) -> int:
    """Tell the provider (``audience`` "provider") or the assessors ("assessors") that a
    request is past its due date. Sent only while it is still open."""
    from accreditation.services.information import application_assessors, provider_contacts

    request = _information_request(request_id, "open")
    if request is None:
        return 0
    application = request.application
    people = (
        provider_contacts(application)
        if audience == "provider"
        else application_assessors(application)
    )
    recipients = _emails(people)
    if not recipients:
        return 0
    send_mail(
        subject=(
            f"[QISMET] Request for more information overdue: application {application.reference}"
        ),
        message=render_to_string(
            f"accreditation/emails/information_overdue_{audience}.txt", _request_context(request)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task
def information_requests_overdue() -> int:
    """Run daily by Celery beat: flag each request past its due date, once."""
    from accreditation.services.information import information_requests_overdue_flag

    return information_requests_overdue_flag()


# --- moderation, decision and conditions ------------------------------------------------------


def _send(*, subject: str, template: str, context: dict, recipients) -> int:
    recipients = sorted({email for email in recipients if email})
    if not recipients:
        return 0
    send_mail(
        subject=subject,
        message=render_to_string(f"accreditation/emails/{template}", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def _administrator_emails() -> list[str]:
    from accounts.models import User

    return list(User.objects.administrators().active().values_list("email", flat=True))


def _provider_emails(application) -> list[str]:
    from accreditation.services.decisions import provider_contacts

    return [user.email for user in provider_contacts(application)]


def _condition(condition_id: int, status: str):
    from accreditation.models import ApplicationStatus, Condition

    return (
        Condition.objects.select_related(
            "application__programme__organisation", "application__version__standard"
        )
        .filter(pk=condition_id, status=status, application__status=ApplicationStatus.CONDITIONAL)
        .first()
    )


def _condition_context(condition) -> dict:
    return {
        **_context(condition.application),
        "condition": condition,
        "condition_link": absolute_reverse(
            "accreditation:condition_detail", condition.application_id, condition.pk
        ),
    }


@shared_task(base=OutboxTask, **RETRY)
def notify_recommendation_made(application_id: int) -> int:
    """Tell the administrators that an application waits for a decision."""
    from accreditation.models import Application, ApplicationStatus

    application = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .filter(pk=application_id, status=ApplicationStatus.AWAITING_DECISION)
        .first()
    )
    if application is None:
        return 0
    return _send(
        subject=f"[QISMET] Application {application.reference} is waiting for a decision",
        template="recommendation_made_admin.txt",
        context={
            **_context(application),
            "decision_link": absolute_reverse("accreditation:decision", application.pk),
        },
        recipients=_administrator_emails(),
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_decision_made(decision_id: int) -> int:
    """Tell the provider's leads and signers, and both assessors, of a decision (if it is still
    the application's latest)."""
    from accreditation.models import Decision

    decision = (
        Decision.objects.select_related(
            "application__programme__organisation", "application__version__standard"
        )
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return 0
    application = decision.application
    latest = application.decisions.order_by("-decided_at", "-pk").first()
    if latest is None or latest.pk != decision.pk:
        return 0
    assessors = application.assignments.filter(
        status="accepted", declared_at__isnull=False
    ).values_list("assessor__email", flat=True)
    return _send(
        subject=f"[QISMET] Decision on application {application.reference}",
        template="decision_made.txt",
        context={
            **_context(application),
            "decision": decision,
            "conditions": list(decision.conditions.order_by("number")),
        },
        recipients=[*_provider_emails(application), *assessors],
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_condition_evidence_sent(condition_id: int) -> int:
    """Tell the administrators that a condition waits for sign-off."""
    condition = _condition(condition_id, "evidence_sent")
    if condition is None:
        return 0
    return _send(
        subject=(
            f"[QISMET] Application {condition.application.reference}: condition "
            f"{condition.number} waiting for sign-off"
        ),
        template="condition_evidence_sent_admin.txt",
        context=_condition_context(condition),
        recipients=_administrator_emails(),
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_condition_sent_back(condition_id: int) -> int:
    """Tell the provider that a condition needs more evidence, with the note."""
    condition = _condition(condition_id, "open")
    if condition is None:
        return 0
    return _send(
        subject=(
            f"[QISMET] Application {condition.application.reference}: condition "
            f"{condition.number} needs more evidence"
        ),
        template="condition_sent_back_provider.txt",
        context=_condition_context(condition),
        recipients=_provider_emails(condition.application),
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_condition_overdue(condition_id: int) -> int:
    """Tell the provider and the administrators that a condition missed its deadline."""
    condition = _condition(condition_id, "open")
    if condition is None:
        return 0
    return _send(
        subject=(
            f"[QISMET] Application {condition.application.reference}: condition "
            f"{condition.number} is overdue"
        ),
        template="condition_overdue.txt",
        context=_condition_context(condition),
        recipients=[*_provider_emails(condition.application), *_administrator_emails()],
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_conditions_met(application_id: int) -> int:
    """Tell the provider that every condition is signed off and it is fully accredited."""
    from accreditation.models import Application, ApplicationStatus

    application = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .filter(pk=application_id, status=ApplicationStatus.ACCREDITED)
        .first()
    )
    if application is None:
        return 0
    return _send(
        subject=f"[QISMET] Application {application.reference}: every condition is met",
        template="conditions_met_provider.txt",
        context=_context(application),
        recipients=_provider_emails(application),
    )


@shared_task
def conditions_overdue() -> int:
    """Run daily by Celery beat: flag each condition past its deadline, once."""
    from accreditation.services.decisions import conditions_overdue_flag

    return conditions_overdue_flag()


# --- appeals --------------------------------------------------------------------------------


def _appeal(appeal_id: int, statuses: tuple[str, ...]):
    """The appeal with what its emails show, if it is still in one of ``statuses``."""
    from accreditation.models import Appeal

    appeal = (
        Appeal.objects.select_related(
            "application__programme__organisation", "decision", "lodged_by", "outcome_decision"
        )
        .filter(pk=appeal_id, status__in=statuses)
        .first()
    )
    if appeal is not None:
        appeal.link = absolute_reverse(
            "accreditation:appeal_detail", appeal.application_id, appeal.pk
        )
    return appeal


def _appeal_context(appeal) -> dict:
    return {
        "appeal": appeal,
        "application": appeal.application,
        "organisation": appeal.application.programme.organisation,
        "link": appeal.link,
    }


def _administrator_emails() -> list[str]:
    from accounts.models import User

    return sorted(User.objects.administrators().active().values_list("email", flat=True))


@shared_task(base=OutboxTask, **RETRY)
def notify_appeal_lodged(appeal_id: int) -> int:
    """Tell every active administrator that a provider has appealed, while nobody hears it yet."""
    appeal = _appeal(appeal_id, ("lodged",))
    recipients = _administrator_emails()
    if appeal is None or not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] Appeal lodged on application {appeal.application.reference}",
        message=render_to_string("accreditation/emails/appeal_lodged.txt", _appeal_context(appeal)),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_appeal_reviewers_assigned(appeal_id: int, reviewer_ids: list[int]) -> int:
    """Ask the newly chosen reviewers (who are still reviewers) to hear the appeal."""
    appeal = _appeal(appeal_id, ("under_review",))
    if appeal is None:
        return 0
    recipients = sorted(
        appeal.reviewers.filter(pk__in=reviewer_ids, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] Please hear the appeal on application {appeal.application.reference}",
        message=render_to_string(
            "accreditation/emails/appeal_reviewers_assigned.txt", _appeal_context(appeal)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def _appeal_decided(appeal_id: int, recipients_of) -> int:
    appeal = _appeal(appeal_id, ("upheld", "dismissed"))
    if appeal is None:
        return 0
    recipients = recipients_of(appeal)
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] Appeal on application {appeal.application.reference}: "
        f"{appeal.get_status_display().lower()}",
        message=render_to_string(
            "accreditation/emails/appeal_decided.txt", _appeal_context(appeal)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_appeal_decided_provider(appeal_id: int) -> int:
    """Tell the organisation's leads and the person who appealed the outcome, with reasons."""
    from providers.models import Membership, MembershipRole

    def recipients(appeal) -> list[str]:
        emails = set(
            Membership.objects.filter(
                organisation_id=appeal.application.programme.organisation_id,
                role=MembershipRole.LEAD,
                removed_at__isnull=True,
                user__is_active=True,
            ).values_list("user__email", flat=True)
        )
        if appeal.lodged_by.is_active:
            emails.add(appeal.lodged_by.email)
        return sorted(emails)

    return _appeal_decided(appeal_id, recipients)


@shared_task(base=OutboxTask, **RETRY)
def notify_appeal_decided_admin(appeal_id: int) -> int:
    """Tell every active administrator the outcome of an appeal."""
    return _appeal_decided(appeal_id, lambda appeal: _administrator_emails())


@shared_task(base=OutboxTask, **RETRY)
def notify_report_shared(report_id: int) -> int:
    """Tell the provider's leads and signers that a report has been shared with them."""
    from accreditation.models import Report, ReportStatus
    from accreditation.services.decisions import provider_contacts

    report = (
        Report.objects.select_related("application__programme__organisation")
        .defer("inputs")
        .filter(pk=report_id, status=ReportStatus.READY, shared_at__isnull=False)
        .first()
    )
    if report is None:
        return 0
    application = report.application
    return _send(
        subject=f"[QISMET] {report.get_kind_display()} of application {application.reference}",
        template="report_shared_provider.txt",
        context={**_context(application), "report": report},
        recipients=[user.email for user in provider_contacts(application)],
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_factual_accuracy_ended(report_id: int) -> int:
    """Tell the administrators that a draft's factual-accuracy window has ended."""
    from accreditation.models import Report

    report = (
        Report.objects.select_related("application__programme__organisation")
        .defer("inputs")
        .filter(pk=report_id, comments_end_notified_at__isnull=False)
        .first()
    )
    if report is None:
        return 0
    application = report.application
    return _send(
        subject=f"[QISMET] Factual-accuracy check ended: application {application.reference}",
        template="factual_accuracy_ended_admin.txt",
        context={
            **_context(application),
            "report": report,
            "waiting": report.comments.filter(response="").count(),
            "link": absolute_reverse("accreditation:report_comments", application.pk, report.pk),
        },
        recipients=_administrator_emails(),
    )


@shared_task
def factual_accuracy_windows_ended() -> int:
    """Celery beat, daily: flag each draft whose factual-accuracy window has ended (once)."""
    from accreditation.services.reports import factual_accuracy_windows_flag

    return factual_accuracy_windows_flag()


# The PDF renders live in their own module and queue; imported here so every worker knows them.
# Certificate emails and daily jobs live in their own module (which builds on this one).
import accreditation.certificate_tasks  # noqa: E402, F401
from accreditation.report_tasks import report_render, reports_sweep  # noqa: E402, F401
