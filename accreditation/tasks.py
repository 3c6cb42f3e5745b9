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
