"""Certificates of accreditation, their history and their expiry reminders.

A certificate is issued by an administrator once an application is accredited. It keeps the
names it was issued under (organisation, programme, standard and version, region, delivery
model, conditions covered): a later rename of the organisation changes neither the certificate,
its PDF, the public register nor the verification page. Its statuses and transitions are
declared in ``accreditation.certificate_lifecycle``; every change is written to its own
append-only history (refused by database triggers too, migration 0009) and to the
application's history.

Numbers read ``QSM-<year>-<sequence>`` (e.g. ``QSM-2026-0007``): the sequence comes from one
counter row per year, locked while a certificate is issued, so two administrators issuing at
the same moment get consecutive numbers and a rolled-back issue leaves no gap.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from accreditation.certificate_lifecycle import (
    LIVE_STATUSES,
    STATUS_INFO,
    TRANSITIONS,
    CertificateStatus,
)
from providers.models import DeliveryMode, Region
from qismet_portal.models import TimeStampedModel

from .applications import Application
from .base import AppendOnlyModel
from .reports import Report

NUMBER_PREFIX = "QSM"
#: What a certificate number looks like (upper case, as printed).
NUMBER_PATTERN = r"QSM-\d{4}-\d{4,6}"


def certificate_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:04d}"


def _declared(name: str) -> dict:
    entry = TRANSITIONS[name]
    return {"source": list(entry.sources), "target": entry.target}


class CertificateCounter(models.Model):
    """The last sequence number used in a year. Locked (``select_for_update``) while a
    certificate is issued."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CertificateQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)


class Certificate(FSMModelMixin, TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="certificates"
    )
    organisation = models.ForeignKey(
        "providers.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey("providers.Programme", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        "standards.StandardVersion", on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField()
    expires_on = models.DateField(help_text="The last day the certificate is valid.")
    # Frozen when issued: what the certificate, its PDF, the register and verification show.
    organisation_name = models.CharField(max_length=200)
    programme_name = models.CharField(max_length=200)
    standard_name = models.CharField(max_length=200)
    version_number = models.CharField(max_length=20)
    region = models.CharField(max_length=30, choices=Region.choices)
    delivery_mode = models.CharField("delivery model", max_length=20, choices=DeliveryMode.choices)
    conditions = models.CharField("long-term conditions covered", max_length=300)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    status = FSMField(
        default=CertificateStatus.ACTIVE, choices=CertificateStatus.choices, protected=True
    )
    status_changed_at = models.DateTimeField()
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The PDF, rendered by the report workers (``Report`` of kind "certificate").
    document = models.OneToOneField(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="certificate"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=LIVE_STATUSES),
                name="accreditation_one_live_certificate_per_application",
            ),
            models.UniqueConstraint(
                fields=["year", "sequence"], name="accreditation_certificate_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")),
                name="accreditation_certificate_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status=CertificateStatus.SUPERSEDED) | Q(superseded_by__isnull=False),
                name="accreditation_certificate_superseded_has_successor",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="certificate_status_expiry_idx"),
            models.Index(fields=["organisation_name"], name="certificate_org_name_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def public_status(self) -> str:
        """The status the public sees: a live certificate past its last valid day is expired
        even before the daily job has recorded it."""
        if self.is_live and self.expires_on < timezone.localdate():
            return CertificateStatus.EXPIRED
        return self.status

    @property
    def public_status_label(self) -> str:
        return CertificateStatus(self.public_status).label

    @property
    def status_info(self):
        return STATUS_INFO[self.public_status]

    @property
    def download_name(self) -> str:
        return f"QISMET-certificate-{self.number}.pdf"

    # Transitions: sources and targets from accreditation.certificate_lifecycle; only
    # services.certificates calls them (and records each).
    @transition(field=status, **_declared("suspend"))
    def suspend(self) -> None:
        """An administrator suspends the certificate while something is looked into."""

    @transition(field=status, **_declared("reinstate"))
    def reinstate(self) -> None:
        """The suspension is lifted."""

    @transition(field=status, **_declared("withdraw"))
    def withdraw(self) -> None:
        """QISMET withdraws the accreditation for good."""

    @transition(field=status, **_declared("expire"))
    def expire(self) -> None:
        """The last valid day has passed."""

    @transition(field=status, **_declared("supersede"))
    def supersede(self) -> None:
        """A later certificate for the same programme replaces it (``superseded_by``)."""


class CertificateEvent(AppendOnlyModel):
    """A certificate's history: issue and every change of status, with who and why."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "Certificate issued"
        SUSPENDED = "suspend", "Certificate suspended"
        REINSTATED = "reinstate", "Certificate reinstated"
        WITHDRAWN = "withdraw", "Certificate withdrawn"
        EXPIRED = "expire", "Certificate expired"
        SUPERSEDED = "supersede", "Certificate superseded"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=20, choices=CertificateStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CertificateStatus.choices)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "certificate history line"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["certificate", "at"], name="certificate_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d %b %Y %H:%M})"


class CertificateReminder(models.Model):
    """One expiry reminder queued for a certificate: at most one per certificate and number of
    days before expiry, whatever happens to the daily job."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["certificate", "-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "days_before"], name="accreditation_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder for {self.certificate_id}"
