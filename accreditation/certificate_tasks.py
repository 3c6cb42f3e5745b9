"""Celery tasks about certificates: emails to the provider's leads (each through the outbox, so
at most once per message), and the two daily jobs run by Celery beat. The logic is in
``services.certificates``; each email re-reads the certificate and says nothing that is no
longer true."""

from celery import shared_task

from qismet_portal.links import absolute_reverse
from qismet_portal.outbox.tasks import OutboxTask

from .tasks import RETRY, _send


def _context(certificate) -> dict:
    return {
        "certificate": certificate,
        "link": absolute_reverse("accreditation:certificate_detail", certificate.application_id),
        "verification_url": absolute_reverse("register:verify_number", number=certificate.number),
    }


def _leads(certificate) -> list[str]:
    from accreditation.services.certificates import provider_leads

    return [user.email for user in provider_leads(certificate.organisation_id)]


@shared_task(base=OutboxTask, **RETRY)
def notify_certificate_issued(certificate_id: int) -> int:
    """Tell the provider's leads their certificate is issued, with its verification link."""
    from accreditation.models import Certificate, CertificateStatus

    certificate = Certificate.objects.filter(
        pk=certificate_id, status=CertificateStatus.ACTIVE
    ).first()
    if certificate is None:
        return 0
    return _send(
        subject=f"[QISMET] Certificate {certificate.number} issued",
        template="certificate_issued.txt",
        context=_context(certificate),
        recipients=_leads(certificate),
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_certificate_changed(event_id: int) -> int:
    """Tell the provider's leads that their certificate was suspended, reinstated or
    withdrawn, and why, if that is still its status."""
    from accreditation.models import CertificateEvent

    event = CertificateEvent.objects.select_related("certificate").filter(pk=event_id).first()
    if event is None or event.certificate.status != event.to_status:
        return 0
    certificate = event.certificate
    return _send(
        subject=f"[QISMET] Certificate {certificate.number} {event.get_kind_display().split()[-1]}",
        template="certificate_changed.txt",
        context={**_context(certificate), "event": event},
        recipients=_leads(certificate),
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_certificate_expiring(reminder_id: int) -> int:
    """Remind the provider's leads that their certificate expires soon, while it still
    stands."""
    from accreditation.models import CertificateReminder

    reminder = (
        CertificateReminder.objects.select_related("certificate").filter(pk=reminder_id).first()
    )
    if reminder is None or not reminder.certificate.is_live:
        return 0
    certificate = reminder.certificate
    return _send(
        subject=(
            f"[QISMET] Certificate {certificate.number} expires on "
            f"{certificate.expires_on:%-d %B %Y}"
        ),
        template="certificate_expiring.txt",
        context={**_context(certificate), "reminder": reminder},
        recipients=_leads(certificate),
    )


@shared_task
def certificates_expire() -> int:
    """Celery beat, daily: certificates past their last valid day become expired, once."""
    from accreditation.services.certificates import certificates_expire as expire

    return expire()


@shared_task
def certificate_reminders() -> int:
    """Celery beat, daily: the expiry reminders due today, each once per certificate."""
    from accreditation.services.certificates import certificate_reminders_send

    return certificate_reminders_send()
