"""Certificates for tests: an accredited application's certificate issued through the service,
and its PDF rendered as a worker would render it."""

from __future__ import annotations

from accreditation.models import Certificate, CertificateStatus
from accreditation.services.certificates import certificate_issue
from accreditation.services.reports import report_render

from .journey import Stage, decided


def issued(stage: Stage | None = None, *, render: bool = False, **kwargs) -> Certificate:
    """An accredited application (``decided(**kwargs)``) with its certificate issued by the
    stage's administrator; the PDF rendered too when ``render``."""
    stage = stage or decided(outcome="accredited", **kwargs)
    certificate = certificate_issue(application=stage.application, user=stage.administrator)
    if render:
        report_render(report_id=certificate.document_id)
    certificate = Certificate.objects.select_related("document").get(pk=certificate.pk)
    certificate.stage = stage
    return certificate


def with_status(certificate: Certificate, status: str, **fields) -> Certificate:
    """``certificate`` put straight into ``status`` (bypassing the transitions), for tests of
    what the public pages and the rules make of each status."""
    if status == CertificateStatus.SUPERSEDED and "superseded_by" not in fields:
        raise ValueError("a superseded certificate needs superseded_by")
    Certificate.objects.filter(pk=certificate.pk).update(status=status, **fields)
    changed = Certificate.objects.select_related("document").get(pk=certificate.pk)
    changed.stage = getattr(certificate, "stage", None)
    return changed
