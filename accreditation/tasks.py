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


@shared_task
def evidence_sweep_stale_uploads() -> int:
    """Run by Celery beat: remove partial uploads abandoned for over a day."""
    from accreditation.uploads import stale_upload_files_remove

    return stale_upload_files_remove(older_than_seconds=24 * 3600)


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
