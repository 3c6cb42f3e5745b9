"""Issuing certificates, changing their status, expiring them and reminding providers.

* ``certificate_issue``: an administrator issues the certificate of an accredited application
  (one per application): a number from the year's counter, the validity of the pinned version,
  the names as they are at that moment, and its PDF queued for the report workers, all in one
  transaction.
* ``certificate_change``: an administrator suspends, reinstates or withdraws it, with a reason;
  ``certificate_supersede`` is for a later certificate of the same programme (renewal).
* ``certificates_expire`` and ``certificate_reminders_send``: the daily jobs, safe to run twice.

Every change goes through ``_transition``: the row is locked, django-fsm-2 is asked whether the
change is allowed from the status the row has *now*, and the certificate's history, the
application's history and the provider's notification are written in the same transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from accounts.models import User
from accounts.permissions import is_administrator
from accounts.services import notify
from accreditation.certificate_lifecycle import LIVE_STATUSES, TRANSITIONS, refusal
from accreditation.lifecycle import ApplicationStatus
from accreditation.models import (
    Application,
    ApplicationEvent,
    Certificate,
    CertificateCounter,
    CertificateEvent,
    CertificateReminder,
    CertificateStatus,
    Report,
    ReportKind,
)
from accreditation.models.certificates import certificate_number
from accreditation.selectors.certificates import certificate_inputs, validity_end
from accreditation.selectors.reports import inputs_digest
from providers.models import Membership, MembershipRole
from qismet_portal.exceptions import DomainError, TransitionNotAllowed
from qismet_portal.outbox import enqueue

from .history import event_record
from .reports import _render_task, report_retry

REASON_MAX = 2000

#: The application history's line for each certificate change.
APPLICATION_EVENT = {
    "issued": ApplicationEvent.Kind.CERTIFICATE_ISSUED,
    "suspend": ApplicationEvent.Kind.CERTIFICATE_SUSPENDED,
    "reinstate": ApplicationEvent.Kind.CERTIFICATE_REINSTATED,
    "withdraw": ApplicationEvent.Kind.CERTIFICATE_WITHDRAWN,
    "expire": ApplicationEvent.Kind.CERTIFICATE_EXPIRED,
    "supersede": ApplicationEvent.Kind.CERTIFICATE_SUPERSEDED,
}


def _tasks():
    from accreditation import certificate_tasks

    return certificate_tasks


def provider_leads(organisation_id: int) -> list[User]:
    """The organisation's current leads with an active account: who hears about certificates."""
    return [
        membership.user
        for membership in Membership.objects.current()
        .filter(organisation_id=organisation_id, role=MembershipRole.LEAD, user__is_active=True)
        .select_related("user")
    ]


def _next_number(year: int) -> tuple[int, str]:
    """The year's next sequence number. The counter row stays locked until the caller's
    transaction ends, so concurrent issues queue here and a rolled-back one leaves no gap."""
    CertificateCounter.objects.bulk_create(
        [CertificateCounter(year=year, last=0)], ignore_conflicts=True
    )
    counter = CertificateCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, certificate_number(year, counter.last)


def _certificate_url(certificate: Certificate) -> str:
    return reverse("accreditation:certificate_detail", args=[certificate.application_id])


def certificate_issue(*, application: Application, user: User) -> Certificate:
    """Issue the certificate of an accredited application and queue its PDF; an older
    certificate of the same programme (a renewal's predecessor) is superseded by it.

    Only an administrator, only once the application is accredited (every condition signed
    off, or an unconditional decision), and only once per application: a certificate that was
    withdrawn or has expired is not replaced here (that takes a new application). The names are
    frozen as they are now; the validity comes from the pinned version.
    """
    if not is_administrator(user):
        raise DomainError("Only a QISMET administrator can issue a certificate.")
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("programme__organisation", "version__standard")
            .get(pk=application.pk)
        )
        if application.status != ApplicationStatus.ACCREDITED:
            raise DomainError(
                f"Application {application.reference} is "
                f"“{application.get_status_display().lower()}”. A certificate is issued once it "
                "is accredited: after an unconditional decision, or when every condition has "
                "been signed off."
            )
        existing = Certificate.objects.filter(application=application).order_by("-pk").first()
        if existing is not None:
            raise DomainError(
                f"Application {application.reference} already has certificate "
                f"{existing.number} ({existing.get_status_display().lower()}). An application "
                "has one certificate; a new one needs a new application."
            )
        now = timezone.now()
        today = timezone.localdate(now)
        sequence, number = _next_number(today.year)
        programme = application.programme
        organisation = programme.organisation
        version = application.version
        certificate = Certificate.objects.create(
            number=number,
            year=today.year,
            sequence=sequence,
            application=application,
            organisation=organisation,
            programme=programme,
            version=version,
            issued_on=today,
            expires_on=validity_end(today, version.certificate_validity_months or 36),
            organisation_name=organisation.name,
            programme_name=programme.name,
            standard_name=version.standard.name,
            version_number=version.number,
            region=organisation.region,
            delivery_mode=programme.delivery_mode,
            conditions=programme.conditions,
            issued_by=user,
            issued_at=now,
            status_changed_at=now,
        )
        CertificateEvent.objects.create(
            certificate=certificate,
            kind=CertificateEvent.Kind.ISSUED,
            actor=user,
            to_status=CertificateStatus.ACTIVE,
        )
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.CERTIFICATE_ISSUED,
            actor=user,
            detail=f"Certificate {number}, valid until {certificate.expires_on:%-d %B %Y}.",
        )
        certificate.document = _document_queue(certificate, user)
        certificate.save(update_fields=["document", "updated_at"])
        # A later accreditation of the same programme (a renewal) replaces its older certificate.
        for older in Certificate.objects.filter(
            programme=programme, status__in=TRANSITIONS["supersede"].sources
        ).exclude(pk=certificate.pk):
            certificate_supersede(certificate=older, by=certificate, actor=user)
        notify(
            users=provider_leads(organisation.pk),
            message=f"Certificate {number} has been issued for {programme.name}.",
            url=_certificate_url(certificate),
        )
        enqueue(_tasks().notify_certificate_issued, certificate.pk)
    return certificate


def _document_queue(certificate: Certificate, user: User) -> Report:
    """The certificate's PDF as a report row of kind "certificate", queued for the workers."""
    inputs = certificate_inputs(certificate)
    last = Report.objects.filter(
        application_id=certificate.application_id, kind=ReportKind.CERTIFICATE
    ).aggregate(n=Max("number"))
    report = Report.objects.create(
        application_id=certificate.application_id,
        kind=ReportKind.CERTIFICATE,
        number=(last["n"] or 0) + 1,
        inputs=inputs,
        inputs_digest=inputs_digest(inputs),
        requested_by=user,
        requested_at=timezone.now(),
    )
    enqueue(_render_task(), report.pk)
    return report


def certificate_document_retry(*, certificate: Certificate, user: User) -> Report:
    """Make the certificate's PDF again after it could not be made (same inputs, same row)."""
    if not is_administrator(user):
        raise DomainError("Only a QISMET administrator can ask for the certificate again.")
    if certificate.document_id is None:
        raise DomainError("This certificate has no PDF to make.")
    return report_retry(report=Report(pk=certificate.document_id), user=user)


def _transition(
    *, certificate: Certificate, transition: str, actor: User | None, reason: str = ""
) -> Certificate:
    """Lock, check, change and record (both histories). Callers hold a transaction."""
    locked = (
        Certificate.objects.select_for_update().select_related("application").get(pk=certificate.pk)
    )
    method = getattr(locked, transition)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            refusal(number=locked.number, status=locked.status, transition=transition)
        )
    from_status = locked.status
    method()
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    CertificateEvent.objects.create(
        certificate=locked,
        kind=CertificateEvent.Kind(transition),
        actor=actor,
        from_status=from_status,
        to_status=locked.status,
        reason=reason,
    )
    event_record(
        application=locked.application,
        kind=APPLICATION_EVENT[transition],
        actor=actor,
        reason=reason,
        detail=f"Certificate {locked.number}: {CertificateStatus(from_status).label.lower()} → "
        f"{locked.get_status_display().lower()}.",
    )
    return locked


def certificate_change(
    *, certificate: Certificate, transition: str, user: User, reason: str
) -> Certificate:
    """An administrator suspends, reinstates or withdraws a certificate, saying why.

    The reason goes into both histories and to the provider's leads (by email and in the
    portal). A certificate past its last valid day is not reinstated: it has expired.
    """
    entry = TRANSITIONS.get(transition)
    if entry is None or not entry.by_administrator:
        raise DomainError("Choose whether to suspend, reinstate or withdraw the certificate.")
    if not is_administrator(user):
        raise DomainError("Only a QISMET administrator can change a certificate.")
    reason = reason.strip()
    if not reason:
        raise DomainError(f"Say why the certificate is being {entry.verb}.")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason to {REASON_MAX} characters or fewer.")
    with transaction.atomic():
        if transition == "reinstate":
            current = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if current.expires_on < timezone.localdate():
                raise DomainError(
                    f"Certificate {current.number} was valid until "
                    f"{current.expires_on:%-d %B %Y}, so it cannot be reinstated: it has expired."
                )
        changed = _transition(
            certificate=certificate, transition=transition, actor=user, reason=reason
        )
        event = changed.events.order_by("-pk").first()
        notify(
            users=provider_leads(changed.organisation_id),
            message=f"Certificate {changed.number} has been {entry.verb}.",
            url=_certificate_url(changed),
        )
        enqueue(_tasks().notify_certificate_changed, event.pk)
    return changed


def certificate_supersede(
    *, certificate: Certificate, by: Certificate, actor: User | None
) -> Certificate:
    """Record that ``by``, a later certificate for the same programme, replaces ``certificate``
    (renewal). The verification page of the old number then names the new one."""
    if by.pk == certificate.pk or by.programme_id != certificate.programme_id:
        raise DomainError("A certificate is replaced only by a later one for the same programme.")
    if by.issued_at < certificate.issued_at:
        raise DomainError("A certificate is replaced only by a later one for the same programme.")
    with transaction.atomic():
        Certificate.objects.select_for_update().filter(pk=certificate.pk).first()
        Certificate.objects.filter(pk=certificate.pk).update(superseded_by=by)
        return _transition(
            certificate=certificate,
            transition="supersede",
            actor=actor,
            reason=f"Replaced by certificate {by.number}.",
        )


# --- the daily jobs ---------------------------------------------------------------------------


def certificates_expire(*, today: datetime.date | None = None) -> int:
    """Expire every live certificate whose last valid day has passed; returns how many.
    Running it again finds nothing more to do."""
    today = today or timezone.localdate()
    expired = 0
    for pk in Certificate.objects.filter(
        status__in=LIVE_STATUSES, expires_on__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            )
            if (
                certificate is None
                or certificate.status not in LIVE_STATUSES
                or certificate.expires_on >= today
            ):
                continue
            _transition(
                certificate=certificate,
                transition="expire",
                actor=None,
                reason=f"Valid until {certificate.expires_on:%-d %B %Y}.",
            )
            expired += 1
    return expired


def reminder_due(days_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The reminder that fits ``days_left``: the smallest threshold not below it (25 days
    left: the 30-day one). A reminder missed while the job did not run is not sent late, as a
    90-day reminder with 25 days left would mislead."""
    due = [days for days in thresholds if days_left <= days]
    return min(due) if due and days_left >= 0 else None


def certificate_reminders_send(*, today: datetime.date | None = None) -> int:
    """Queue the expiry reminders due today (``CERTIFICATE_REMINDER_DAYS`` days before the last
    valid day, 90, 30 and 7 by default), each at most once per certificate: the reminder's row
    and its email (through the outbox) are written together, and the row is unique. Returns
    how many were queued."""
    today = today or timezone.localdate()
    thresholds = tuple(settings.CERTIFICATE_REMINDER_DAYS)
    horizon = today + datetime.timedelta(days=max(thresholds))
    candidates = (
        Certificate.objects.filter(status__in=LIVE_STATUSES, expires_on__gte=today)
        .filter(expires_on__lte=horizon)
        .values_list("pk", "expires_on")
    )
    queued = 0
    for pk, expires_on in candidates:
        days = reminder_due((expires_on - today).days, thresholds)
        if days is None:
            continue
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().filter(pk=pk).first()
            if certificate is None or certificate.status not in LIVE_STATUSES:
                continue
            if CertificateReminder.objects.filter(
                certificate=certificate, days_before=days
            ).exists():
                continue
            reminder = CertificateReminder.objects.create(
                certificate=certificate, days_before=days, sent_on=today
            )
            notify(
                users=provider_leads(certificate.organisation_id),
                message=(
                    f"Certificate {certificate.number} for {certificate.programme_name} is "
                    f"valid until {certificate.expires_on:%-d %B %Y}."
                ),
                url=_certificate_url(certificate),
            )
            enqueue(_tasks().notify_certificate_expiring, reminder.pk)
            queued += 1
    return queued
