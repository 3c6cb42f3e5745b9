"""Reads of certificates: the frozen inputs of a certificate's PDF, the public register and the
verification page (one shape of public data for the page and its JSON), and the staff pages.

Everything public is built from the certificate row alone: the names frozen at issue, the
number, the dates, the status and the number of a newer certificate. Nothing here reads
evidence, scores, narratives or people, so nothing of theirs can reach a public page.
"""

from __future__ import annotations

import calendar
import datetime
import io
from dataclasses import dataclass

import segno
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import escape

from accreditation.certificate_lifecycle import (
    ADMINISTRATOR_CHANGES,
    LIVE_STATUSES,
    TRANSITIONS,
    CertificateStatus,
)
from accreditation.lifecycle import ApplicationStatus
from accreditation.models import (
    Application,
    Certificate,
    CertificateEvent,
    Report,
    ReportKind,
)
from providers.models import DeliveryMode, Region
from qismet_portal.links import absolute_reverse, absolute_url

#: Bump when the certificate template changes what the same inputs render to.
CERTIFICATE_LAYOUT_VERSION = 1
REGISTER_PAGE_SIZE = 25
#: Where the verification JSON's schema is published (a static file).
SCHEMA_PATH = "schemas/certificate-verification.schema.json"
EXPIRING_WITHIN_DAYS = 90


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved on by ``months`` calendar months (31 January + 1 month = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def validity_end(issued_on: datetime.date, months: int) -> datetime.date:
    """The last valid day of a certificate issued on ``issued_on`` for ``months`` months."""
    return add_months(issued_on, months) - datetime.timedelta(days=1)


def verification_url(number: str) -> str:
    return absolute_reverse("register:verify_number", number=number)


# --- the PDF ----------------------------------------------------------------------------------


def certificate_inputs(certificate: Certificate) -> dict:
    """What the certificate's PDF shows, frozen as JSON when it is issued."""
    return {
        "layout": CERTIFICATE_LAYOUT_VERSION,
        "kind": ReportKind.CERTIFICATE.value,
        "application": {
            "id": certificate.application_id,
            "reference": certificate.application.reference,
        },
        "certificate": {
            "number": certificate.number,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
        },
        "organisation": certificate.organisation_name,
        "programme": certificate.programme_name,
        "conditions": certificate.conditions,
        "region": certificate.get_region_display(),
        "delivery_mode": certificate.get_delivery_mode_display(),
        "standard": {"name": certificate.standard_name, "version": certificate.version_number},
        "verification_url": verification_url(certificate.number),
    }


def qr_svg(url: str, *, label: str) -> str:
    """``url`` as a QR code, an inline SVG element (no file, nothing fetched)."""
    qr = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, scale=4, border=4, title=label)
    svg = out.getvalue().decode()
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def certificate_pdf_context(report: Report) -> dict:
    """The context of ``templates/pdf/certificate.html``, from the frozen inputs only."""
    inputs = report.inputs
    certificate = dict(
        inputs["certificate"],
        issued_on=parse_date(inputs["certificate"]["issued_on"]),
        expires_on=parse_date(inputs["certificate"]["expires_on"]),
    )
    return {
        "inputs": inputs,
        "certificate": certificate,
        "title": (
            f"Certificate of accreditation {certificate['number']}: {inputs['organisation']}, "
            f"{inputs['programme']}"
        ),
        "qr": qr_svg(
            inputs["verification_url"],
            label=f"QR code linking to the verification page of {certificate['number']}",
        ),
    }


# --- public data ------------------------------------------------------------------------------

#: The certificate fields the public pages read; nothing else is loaded.
PUBLIC_FIELDS = (
    "number",
    "organisation_name",
    "programme_name",
    "standard_name",
    "version_number",
    "region",
    "delivery_mode",
    "conditions",
    "issued_on",
    "expires_on",
    "status",
    "status_changed_at",
    "superseded_by__number",
    "updated_at",
)


def _public_queryset() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("superseded_by").only(
        *PUBLIC_FIELDS, "superseded_by_id"
    )


def status_sentence(certificate: Certificate) -> str:
    """The status in plain words, with its date (and the newer number when superseded)."""
    status = certificate.public_status
    changed = timezone.localdate(certificate.status_changed_at)
    if status == CertificateStatus.ACTIVE:
        return (
            f"{certificate.programme_name} of {certificate.organisation_name} is accredited by "
            f"QISMET until {certificate.expires_on:%-d %B %Y}."
        )
    if status == CertificateStatus.SUSPENDED:
        return (
            f"Suspended on {changed:%-d %B %Y}. The programme is not accredited while the "
            "certificate is suspended."
        )
    if status == CertificateStatus.WITHDRAWN:
        return (
            f"Withdrawn on {changed:%-d %B %Y}. The programme is no longer accredited under this "
            "certificate."
        )
    if status == CertificateStatus.EXPIRED:
        return (
            f"Expired: it was valid until {certificate.expires_on:%-d %B %Y}. The programme is no "
            "longer accredited under this certificate."
        )
    newer = certificate.superseded_by.number if certificate.superseded_by else "a newer one"
    return f"Replaced on {changed:%-d %B %Y} by certificate {newer}, which is the one to check."


def public_record(certificate: Certificate) -> dict:
    """The public facts of one certificate, as the verification page and its JSON give them.
    The JSON Schema in ``static/schemas/certificate-verification.schema.json`` describes it."""
    status = certificate.public_status
    changed = (
        certificate.expires_on + datetime.timedelta(days=1)
        if status == CertificateStatus.EXPIRED and certificate.is_live
        else timezone.localdate(certificate.status_changed_at)
    )
    return {
        "number": certificate.number,
        "status": status,
        "status_label": CertificateStatus(status).label,
        "status_text": status_sentence(certificate),
        "valid": status == CertificateStatus.ACTIVE,
        "status_since": None if status == CertificateStatus.ACTIVE else changed.isoformat(),
        "superseded_by": certificate.superseded_by.number if certificate.superseded_by else None,
        "organisation": certificate.organisation_name,
        "programme": certificate.programme_name,
        "conditions": certificate.conditions,
        "delivery_model": certificate.get_delivery_mode_display(),
        "region": certificate.get_region_display(),
        "standard": {"name": certificate.standard_name, "version": certificate.version_number},
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "verification_url": verification_url(certificate.number),
        "schema": absolute_url(f"/static/{SCHEMA_PATH}"),
    }


def certificate_by_number(number: str) -> Certificate | None:
    """The certificate with this number, with only its public fields loaded. One query."""
    return _public_queryset().filter(number=number.strip().upper()).first()


@dataclass(frozen=True)
class RegisterFilters:
    q: str = ""
    condition: str = ""
    delivery_model: str = ""
    region: str = ""
    #: A status, "current" (active or suspended: the default) or "all".
    status: str = "current"


REGISTER_STATUS_CHOICES = [
    ("current", "Active or suspended"),
    *CertificateStatus.choices,
    ("all", "Any status"),
]


def register_conditions() -> list[str]:
    """The long-term conditions named on certificates, each once, for the register's filter.
    One query, whatever the number of certificates."""
    seen: dict[str, str] = {}
    for text in Certificate.objects.values_list("conditions", flat=True).distinct():
        for part in text.replace(",", ";").split(";"):
            name = " ".join(part.split())
            if name:
                seen.setdefault(name.lower(), name[:1].upper() + name[1:])
    return sorted(seen.values(), key=str.lower)


def register_page(filters: RegisterFilters, page_number) -> Page:
    """One page of the public register: two queries (count and rows), whatever the data."""
    certificates = _public_queryset()
    if filters.status == "current":
        certificates = certificates.filter(
            status__in=LIVE_STATUSES, expires_on__gte=timezone.localdate()
        )
    elif filters.status == CertificateStatus.EXPIRED:
        certificates = certificates.filter(
            Q(status=CertificateStatus.EXPIRED)
            | Q(status__in=LIVE_STATUSES, expires_on__lt=timezone.localdate())
        )
    elif filters.status in LIVE_STATUSES:
        certificates = certificates.filter(
            status=filters.status, expires_on__gte=timezone.localdate()
        )
    elif filters.status in CertificateStatus.values:
        certificates = certificates.filter(status=filters.status)
    if filters.q:
        for word in filters.q.split()[:8]:
            certificates = certificates.filter(
                Q(organisation_name__icontains=word)
                | Q(programme_name__icontains=word)
                | Q(number__iexact=word)
            )
    if filters.condition:
        certificates = certificates.filter(conditions__icontains=filters.condition)
    if filters.delivery_model in DeliveryMode.values:
        certificates = certificates.filter(delivery_mode=filters.delivery_model)
    if filters.region in Region.values:
        certificates = certificates.filter(region=filters.region)
    certificates = certificates.order_by("organisation_name", "programme_name", "-issued_on")
    return Paginator(certificates, REGISTER_PAGE_SIZE).get_page(page_number)


# --- staff and provider pages -----------------------------------------------------------------


def live_certificate(application: Application) -> Certificate | None:
    """The application's certificate (its latest), with its PDF's row, or None."""
    return (
        Certificate.objects.filter(application=application)
        .select_related("document", "superseded_by")
        .defer("document__inputs")
        .order_by("-issued_at", "-pk")
        .first()
    )


def certificate_history(certificate: Certificate) -> list[CertificateEvent]:
    return list(
        CertificateEvent.objects.filter(certificate=certificate)
        .select_related("actor")
        .order_by("at", "pk")
    )


def changes_allowed(certificate: Certificate) -> list[tuple[str, str]]:
    """The administrator's changes open from the certificate's status: (name, verb)."""
    return [
        (name, TRANSITIONS[name].verb)
        for name in ADMINISTRATOR_CHANGES
        if certificate.status in TRANSITIONS[name].sources
    ]


def detail_panel(application: Application, user) -> dict:
    """The application page's certificate part: the certificate for everyone who may see the
    application; the issue button for administrators once it is accredited."""
    if application.status not in (ApplicationStatus.ACCREDITED, ApplicationStatus.CONDITIONAL):
        return {}
    certificate = live_certificate(application)
    can_issue = certificate is None and user.has_perm(
        "accreditation.issue_certificate", application
    )
    if certificate is None and not can_issue:
        return {}
    return {
        "certificate_panel": {
            "certificate": certificate,
            "renewal": _renewal_panel(certificate, application, user),
            "can_issue": can_issue,
            "can_open": certificate is not None
            and user.has_perm("accreditation.view_certificate", application),
            "verification_url": verification_url(certificate.number) if certificate else "",
        }
    }


def _renewal_panel(certificate, application: Application, user) -> dict | None:
    """What the certificate part says about renewing, to the organisation's lead."""
    from accreditation.services.renewals import renewal_opens_on, renewal_version

    if certificate is None or not user.has_perm("accreditation.renew", application):
        return None
    started = application.renewals.exclude(status=ApplicationStatus.WITHDRAWN).first()
    if started is not None:
        return {"started": started}
    if certificate.status != "active":
        return None
    opens = renewal_opens_on(certificate)
    return {
        "opens_on": opens,
        "open": timezone.localdate() >= opens,
        "version": renewal_version(certificate),
    }


@dataclass(frozen=True)
class CertificateListFilters:
    status: str = ""
    expiring: bool = False
    q: str = ""


def certificates_for_administrators(filters: CertificateListFilters) -> QuerySet[Certificate]:
    """Every certificate for the administrators' list and its CSV export, with what they show
    (the PDF's state included) in one query."""
    certificates = Certificate.objects.select_related("document", "superseded_by").defer(
        "document__inputs"
    )
    if filters.status in CertificateStatus.values:
        certificates = certificates.filter(status=filters.status)
    if filters.expiring:
        today = timezone.localdate()
        certificates = certificates.filter(
            status__in=LIVE_STATUSES,
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        )
    if filters.q:
        certificates = certificates.filter(
            Q(number__icontains=filters.q)
            | Q(organisation_name__icontains=filters.q)
            | Q(programme_name__icontains=filters.q)
        )
    return certificates.order_by("expires_on", "number")


CSV_COLUMNS = (
    "Number",
    "Status",
    "Organisation",
    "Programme",
    "Long-term conditions",
    "Delivery model",
    "Region",
    "Standard",
    "Version",
    "Issued on",
    "Valid until",
    "Status changed on",
    "Superseded by",
    "Application",
    "Verification link",
)


def csv_rows(certificates):
    """The CSV export's rows (frozen names, dates, status), header first."""
    yield CSV_COLUMNS
    rows = (
        certificates.select_related(None)
        .select_related("superseded_by", "application")
        .only(*PUBLIC_FIELDS, "superseded_by_id", "application__reference")
    )
    for c in rows:
        yield (
            c.number,
            c.public_status_label,
            c.organisation_name,
            c.programme_name,
            c.conditions,
            c.get_delivery_mode_display(),
            c.get_region_display(),
            c.standard_name,
            c.version_number,
            c.issued_on.isoformat(),
            c.expires_on.isoformat(),
            timezone.localdate(c.status_changed_at).isoformat(),
            c.superseded_by.number if c.superseded_by else "",
            c.application.reference,
            verification_url(c.number),
        )


def application_certificate_url(certificate: Certificate) -> str:
    return reverse("accreditation:certificate_detail", args=[certificate.application_id])
