"""Reads behind the evidence panel, the library and a document's page.

Every function takes an application that the caller already fetched through
``applications_for_user`` (so scoping is done once, there) and runs a fixed number of queries
however many files, revisions and links there are.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404

from accreditation.models import (
    Application,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
    Response,
)
from accreditation.uploads import ACCEPT_ATTRIBUTE, ACCEPTED_SUMMARY, DANGEROUS_SEGMENTS
from qismet_portal.links import url_for_each

POINTER_MAX_LENGTH = EvidenceLink._meta.get_field("pointer").max_length


def upload_limits() -> dict:
    """What the upload forms tell people before they choose files (and evidence.js checks)."""
    return {
        "max_file_bytes": settings.EVIDENCE_MAX_FILE_BYTES,
        "max_files": settings.EVIDENCE_MAX_FILES_PER_UPLOAD,
        "accept": ACCEPT_ATTRIBUTE,
        "accepted_summary": ACCEPTED_SUMMARY,
        "dangerous": " ".join(sorted(DANGEROUS_SEGMENTS)),
        "pointer_max_length": POINTER_MAX_LENGTH,
    }


def _links_in_criterion_order() -> QuerySet[EvidenceLink]:
    return EvidenceLink.objects.select_related("response__criterion__theme").order_by(
        "response__criterion__theme__number", "response__criterion__order", "pk"
    )


def evidence_used_bytes(application: Application) -> int:
    """Bytes of every revision in the application: what counts against its quota."""
    return (
        EvidenceRevision.objects.filter(document__application=application).aggregate(
            total=Sum("size")
        )["total"]
        or 0
    )


#: How many recently uploaded files the criterion page offers without a search.
QUICK_PICKS = 5
#: How many matches a search of the application's files shows at most.
SEARCH_LIMIT = 20
#: A search longer than any file name cannot match; longer queries are cut to this.
SEARCH_QUERY_MAX_LENGTH = EvidenceRevision._meta.get_field("original_name").max_length


def _reusable_documents(application: Application, response: Response) -> QuerySet:
    """The application's files (with a current version) not yet evidence for ``response``."""
    return (
        EvidenceDocument.objects.filter(application=application, current__isnull=False)
        .exclude(links__response=response)
        .select_related("current")
    )


# What the panel shows of each link and quick pick (evidence/_panel.html, _reuse_choice.html):
# read nothing else, the page is drawn on every visit to a criterion.
_PANEL_LINK_FIELDS = (
    "pk",
    "pointer",
    "response_id",
    "document_id",
    "document__current_id",
    "document__current__original_name",
    "document__current__size",
    "document__current__number",
    "document__current__content_warnings",
)
_QUICK_PICK_FIELDS = (
    "pk",
    "current_id",
    "current__original_name",
    "current__size",
    "current__uploaded_at",
)


def evidence_panel(*, application: Application, response: Response) -> dict:
    """The evidence of one criterion, for ``accreditation/evidence/_panel.html``.

    ``links``: this criterion's links with each document's current revision. ``recent``: the
    few most recently uploaded files not yet used here, offered as quick picks; every other
    file is found with the search (``evidence_search``), so the page's size and cost stay the
    same however many files the application has (an application may hold hundreds).
    ``quota_left``: bytes still free in the application's allowance, so the page can stop a
    batch that would not fit before it is sent. Three queries, whatever the number of files.
    """
    links = list(
        EvidenceLink.objects.filter(response=response)
        .select_related("document__current")
        .only(*_PANEL_LINK_FIELDS)
        .order_by("created_at", "pk")
    )
    # Each row's links from one ``reverse`` a kind, not three a row.
    detail = url_for_each("accreditation:evidence_detail", application.pk, placeholder="document")
    download = url_for_each(
        "accreditation:evidence_download", application.pk, placeholder="revision"
    )
    unlink = url_for_each("accreditation:evidence_unlink", application.pk, placeholder="link")
    for link in links:
        link.detail_url = detail(link.document_id)
        link.download_url = download(link.document.current_id)
        link.unlink_url = unlink(link.pk)
    recent = list(
        _reusable_documents(application, response)
        .only(*_QUICK_PICK_FIELDS)
        .order_by("-current__uploaded_at", "-pk")[:QUICK_PICKS]
    )
    used = evidence_used_bytes(application)
    quota = settings.EVIDENCE_APPLICATION_QUOTA_BYTES
    return {
        "links": links,
        "recent": recent,
        "limits": upload_limits(),
        "quota_bytes": quota,
        "quota_left": max(quota - used, 0),
    }


def evidence_search(*, application: Application, response: Response, query: str) -> dict:
    """Files of the application whose name contains ``query`` (any case) and that are not yet
    evidence for ``response``: at most ``SEARCH_LIMIT``, by name; ``more`` says whether others
    matched too (so the page can ask for more of the name). One query."""
    query = query.strip()[:SEARCH_QUERY_MAX_LENGTH]
    if not query:
        return {"query": "", "results": [], "more": False}
    matches = list(
        _reusable_documents(application, response)
        .filter(current__original_name__icontains=query)
        .order_by("current__original_name", "pk")[: SEARCH_LIMIT + 1]
    )
    return {
        "query": query,
        "results": matches[:SEARCH_LIMIT],
        "more": len(matches) > SEARCH_LIMIT,
    }


def evidence_library(*, application: Application) -> dict:
    """Every file of the application (a document always has a current revision once its
    upload committed) with its revisions (newest first), the criteria that use
    it and who uploaded what, plus the space used against the quota. Three queries."""
    documents = list(
        EvidenceDocument.objects.filter(application=application)
        .select_related("current__uploaded_by")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=EvidenceRevision.objects.select_related("uploaded_by").order_by("-number"),
            ),
            Prefetch("links", queryset=_links_in_criterion_order()),
        )
        .order_by("created_at", "pk")
    )
    used = sum(revision.size for document in documents for revision in document.revisions.all())
    quota = settings.EVIDENCE_APPLICATION_QUOTA_BYTES
    return {
        "documents": documents,
        "used_bytes": used,
        "quota_bytes": quota,
        "used_percent": min(100, round(100 * used / quota)) if quota else 0,
        "unused_count": sum(1 for document in documents if not document.links.all()),
    }


def evidence_document(*, application: Application, document_pk: int) -> EvidenceDocument:
    """One file of the application with its revisions and links, or 404."""
    return get_object_or_404(
        EvidenceDocument.objects.filter(application=application, current__isnull=False)
        .select_related("current__uploaded_by")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=EvidenceRevision.objects.select_related("uploaded_by").order_by("-number"),
            ),
            Prefetch("links", queryset=_links_in_criterion_order()),
        ),
        pk=document_pk,
    )


def evidence_revision(*, application: Application, revision_pk: int) -> EvidenceRevision:
    """A revision of a file of this application, or 404 (IDs of other applications included)."""
    return get_object_or_404(
        EvidenceRevision.objects.filter(document__application=application).select_related(
            "document"
        ),
        pk=revision_pk,
    )


def evidence_link_in(*, application: Application, link_pk: int) -> EvidenceLink:
    """A link of this application, or 404."""
    return get_object_or_404(
        EvidenceLink.objects.filter(response__application=application).select_related(
            "document__current", "response__criterion"
        ),
        pk=link_pk,
    )


def response_in(*, application: Application, criterion_pk: int) -> Response:
    """The application's response to a criterion, or 404."""
    return get_object_or_404(
        Response.objects.filter(application=application).select_related("criterion__theme"),
        criterion_id=criterion_pk,
    )
