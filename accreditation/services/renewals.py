"""Renewal: a new application for an accredited programme, started from its last accreditation.

The new application is pinned to the current published version, like any other. Each of its
criteria takes the answer of the same criterion in the submission the accreditation was decided
on (followed by its stable key, whatever its code has become; a criterion that merged several
takes all of their narratives, each under its old code) and the evidence files that answer
pointed to. Files are copied into the new application's library (same bytes, name and SHA-256),
so the new cycle can replace them without touching what the last one was decided on. Ratings
are reset, and every carried answer is marked ``carried_over`` until the provider saves it: they
confirm it is still current by choosing a rating and saving. Criteria new or changed in the
version are marked on the pages from the standard's own comparison.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.models import User
from accreditation.models import (
    NOT_APPLICABLE,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
    Response,
    SubmittedAnswer,
    SubmittedEvidence,
)
from accreditation.selectors.reports import latest_decision
from qismet_portal.exceptions import DomainError
from standards.models import StandardVersion
from standards.outline import outline

from .applications import application_start
from .evidence import _stored_files_removed_on_failure
from .history import event_record


def _sources(application: Application):
    """The answers (with their evidence) of the submission the accreditation was decided on."""
    decision = latest_decision(application)
    if decision is None:
        raise DomainError(f"{application.reference} has no decision to renew.")
    return decision.record, list(
        SubmittedAnswer.objects.filter(record=decision.record)
        .select_related("criterion")
        .prefetch_related("evidence__revision")
    )


def renewal_start(*, application: Application, version: StandardVersion, user: User) -> Application:
    """Start the renewal of ``application`` (accredited) against ``version`` (see the module's
    docstring). One transaction: the new application, its answers and its copied files appear
    together or not at all."""
    if application.status != ApplicationStatus.ACCREDITED:
        raise DomainError(
            f"Only an accredited programme can be renewed: {application.reference} is "
            f"{application.get_status_display().lower()}."
        )
    if application.renewals.exclude(status=ApplicationStatus.WITHDRAWN).exists():
        raise DomainError(f"The renewal of {application.reference} has already been started.")
    record, answers = _sources(application)
    files: dict[int, SubmittedEvidence] = {}
    for answer in answers:
        for item in answer.evidence.all():
            files.setdefault(item.revision_id, item)
    total = sum(item.size for item in files.values())
    if total > settings.EVIDENCE_APPLICATION_QUOTA_BYTES:
        raise DomainError(
            f"The last accreditation's evidence ({filesizeformat(total)}) is more than an "
            "application may hold; ask QISMET to raise the allowance before renewing."
        )
    by_key = {answer.criterion.key: answer for answer in answers}
    old_codes = {answer.criterion.key: answer.criterion.code for answer in answers}
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        renewal = application_start(programme=application.programme, version=version, user=user)
        renewal.renewal_of = application
        renewal.save(update_fields=["renewal_of", "updated_at"])
        criteria = outline(version)
        responses = list(Response.objects.filter(application=renewal))
        sources_of: dict[int, list[SubmittedAnswer]] = {}
        for response in responses:
            criterion = criteria.get(response.criterion_id)
            keys = [criterion.key, *criterion.merged_keys]
            sources = [by_key[key] for key in keys if key in by_key]
            if not sources:
                continue
            sources_of[response.pk] = sources
            response.narrative = _narrative(sources, old_codes, merged=len(sources) > 1)
            single = sources[0] if len(sources) == 1 else None
            if single is not None and single.rating == NOT_APPLICABLE:
                response.na_justification = single.na_justification
            response.carried_over = True
            response.updated_by = user
        Response.objects.bulk_update(
            responses, ["narrative", "na_justification", "carried_over", "updated_by"]
        )
        documents = _copy_files(renewal, files, user, stored)
        links = []
        for response in responses:
            seen = set()
            for source in sources_of.get(response.pk, []):
                for item in source.evidence.all():
                    if item.revision_id in seen:
                        continue
                    seen.add(item.revision_id)
                    links.append(
                        EvidenceLink(
                            response=response,
                            document=documents[item.revision_id],
                            pointer=item.pointer,
                            added_by=user,
                        )
                    )
        EvidenceLink.objects.bulk_create(links)
        event_record(
            application=renewal,
            kind=ApplicationEvent.Kind.RENEWAL_STARTED,
            actor=user,
            detail=(
                f"From {application.reference} (submission {record.number}): "
                f"{len(sources_of)} answer(s) and {len(documents)} file(s) carried over to check."
            ),
        )
    return renewal


def _narrative(sources: list[SubmittedAnswer], codes: dict[str, str], *, merged: bool) -> str:
    if not merged:
        return sources[0].narrative
    parts = []
    for source in sources:
        if source.narrative.strip():
            parts.append(
                f"[From criterion {codes[source.criterion.key]} of the last accreditation]\n"
                f"{source.narrative.strip()}"
            )
    return "\n\n".join(parts)


def _copy_files(
    renewal: Application, files: dict[int, SubmittedEvidence], user: User, stored: list
) -> dict[int, EvidenceDocument]:
    """One new document per file the last submission pointed to, with a copy of its bytes."""
    documents: dict[int, EvidenceDocument] = {}
    for revision_id, item in files.items():
        old: EvidenceRevision = item.revision
        document = EvidenceDocument.objects.create(application=renewal)
        with old.file.open("rb") as handle:
            content = handle.read()
        revision = EvidenceRevision(
            document=document,
            number=1,
            original_name=item.original_name,
            content_type=old.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=user,
            content_warnings=list(old.content_warnings),
        )
        revision.file.save(item.original_name, ContentFile(content), save=False)
        stored.append(revision.file)
        revision.save()
        document.current = revision
        document.save(update_fields=["current", "updated_at"])
        documents[revision_id] = document
    return documents


def renewal_opens_on(certificate) -> datetime.date:
    """The first day the renewal of ``certificate`` may be started."""
    return certificate.expires_on - datetime.timedelta(
        days=settings.RENEWAL_OPENS_DAYS_BEFORE_EXPIRY
    )


def renewal_version(certificate) -> StandardVersion | None:
    """The version a renewal starts against: the standard's current published version."""
    return (
        StandardVersion.objects.published()
        .filter(standard_id=certificate.version.standard_id)
        .order_by("-published_at", "-pk")
        .first()
    )


def renewal_start_from_certificate(*, certificate, user: User) -> Application:
    """Start the renewal of an active certificate that is nearing its expiry (from
    ``RENEWAL_OPENS_DAYS_BEFORE_EXPIRY`` days before it), against the current version."""
    from accreditation.models import CertificateStatus

    if certificate.status != CertificateStatus.ACTIVE:
        raise DomainError(
            f"Certificate {certificate.number} is {certificate.get_status_display().lower()}: "
            "only an active certificate can be renewed."
        )
    today = timezone.localdate()
    opens = renewal_opens_on(certificate)
    if today < opens:
        raise DomainError(
            f"The renewal of certificate {certificate.number} can be started from "
            f"{opens:%-d %B %Y}, {settings.RENEWAL_OPENS_DAYS_BEFORE_EXPIRY} days before it expires."
        )
    version = renewal_version(certificate)
    if version is None:
        raise DomainError("There is no published version of the standard to renew against.")
    return renewal_start(application=certificate.application, version=version, user=user)
