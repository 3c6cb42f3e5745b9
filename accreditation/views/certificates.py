"""An application's certificate: issue it, watch its PDF being made, download it, suspend,
reinstate or withdraw it; and the administrators' list of every certificate, with a CSV export.

Thin views over ``services.certificates``. The PDF is a report row of kind "certificate", made by
the report workers: its progress is polled with htmx like the reports page's, and it is
downloaded only through ``certificate_download``, for the people ``view_certificate`` allows.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accreditation.certificate_lifecycle import TRANSITIONS
from accreditation.forms_certificates import (
    CHANGE_CONSEQUENCES,
    CertificateChangeForm,
    CertificateListFilterForm,
)
from accreditation.models import Application, Certificate
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.certificates import (
    CertificateListFilters,
    certificate_history,
    certificates_for_administrators,
    changes_allowed,
    csv_rows,
    live_certificate,
    verification_url,
)
from accreditation.selectors.reports import pending_publication
from accreditation.services import certificates as services
from qismet_portal.exceptions import DomainError

VIEW = "accreditation.view_certificate"
ISSUE = "accreditation.issue_certificate"
CHANGE = "accreditation.change_certificate"
LIST = "accreditation.list_certificates"
LIST_PAGE_SIZE = 50


def _certificate(
    request: HttpRequest, pk: int, perm: str = VIEW
) -> tuple[Application, Certificate]:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(perm, application):
        raise PermissionDenied
    certificate = live_certificate(application)
    if certificate is None:
        raise Http404("This application has no certificate.")
    return application, certificate


def _document_context(request: HttpRequest, application, certificate) -> dict:
    document = certificate.document
    waiting = (
        pending_publication([document.pk])
        if document is not None and document.is_pending
        else set()
    )
    return {
        "application": application,
        "certificate": certificate,
        "document": document,
        "queue_down": document is not None and document.pk in waiting,
        "can_change": request.user.has_perm(CHANGE, application),
    }


@login_required
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application, certificate = _certificate(request, pk)
    context = _document_context(request, application, certificate)
    context.update(
        {
            "history": certificate_history(certificate),
            "changes": changes_allowed(certificate) if context["can_change"] else [],
            "verification_url": verification_url(certificate.number),
        }
    )
    return render(request, "accreditation/certificate_detail.html", context)


@login_required
@require_GET
def certificate_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF's part of the certificate page, polled while the PDF is being made."""
    application, certificate = _certificate(request, pk)
    return render(
        request,
        "accreditation/_certificate_document.html",
        _document_context(request, application, certificate),
    )


@login_required
@require_GET
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    _application, certificate = _certificate(request, pk)
    document = certificate.document
    if document is None or not document.file:
        raise Http404("The certificate's PDF is not ready yet.")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=certificate.download_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(ISSUE, application):
        raise PermissionDenied
    try:
        certificate = services.certificate_issue(application=application, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("accreditation:application_detail", pk=pk)
    messages.success(
        request,
        f"Certificate {certificate.number} is issued. Its PDF is being made: this page shows "
        "its progress.",
    )
    return redirect("accreditation:certificate_detail", pk=pk)


@login_required
@require_POST
def certificate_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _application, certificate = _certificate(request, pk, perm=CHANGE)
    try:
        services.certificate_document_retry(certificate=certificate, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The PDF of certificate {certificate.number} is being made again."
        )
    return redirect("accreditation:certificate_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_change(request: HttpRequest, pk: int, transition: str) -> HttpResponse:
    """Suspend, reinstate or withdraw: a confirmation page with the reason, then the change."""
    application, certificate = _certificate(request, pk, perm=CHANGE)
    if certificate.status not in TRANSITIONS[transition].sources:
        messages.error(
            request,
            f"Certificate {certificate.number} is {certificate.get_status_display().lower()}, "
            f"so it cannot be {TRANSITIONS[transition].verb}.",
        )
        return redirect("accreditation:certificate_detail", pk=pk)
    form = CertificateChangeForm(
        request.POST if request.method == "POST" else None,
        transition=transition,
        number=certificate.number,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_change(
                certificate=certificate,
                transition=transition,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Certificate {certificate.number} is {TRANSITIONS[transition].verb}. The "
                "provider's leads have been told.",
            )
            return redirect("accreditation:certificate_detail", pk=pk)
    return render(
        request,
        "accreditation/certificate_change.html",
        {
            "application": application,
            "certificate": certificate,
            "form": form,
            "transition": transition,
            "verb": TRANSITIONS[transition].verb,
            "consequence": CHANGE_CONSEQUENCES[transition],
        },
    )


def _list_filters(request: HttpRequest) -> tuple[CertificateListFilterForm, CertificateListFilters]:
    form = CertificateListFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        return form, CertificateListFilters(
            status=data["status"], expiring=data["expiring"], q=data["q"].strip()
        )
    return form, CertificateListFilters()


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(LIST, None):
        raise PermissionDenied
    form, filters = _list_filters(request)
    page = Paginator(certificates_for_administrators(filters), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accreditation/certificate_list.html",
        {
            "form": form,
            "page": page,
            "certificates": page.object_list,
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def certificate_export(request: HttpRequest) -> HttpResponse:
    """Every certificate the list's filters select, as CSV (streamed)."""
    if not request.user.has_perm(LIST, None):
        raise PermissionDenied
    _form, filters = _list_filters(request)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(certificates_for_administrators(filters))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="qismet-certificates-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


@login_required
@require_POST
def renewal_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's lead starts the renewal of the application's active certificate."""
    from accreditation.selectors.certificates import live_certificate
    from accreditation.services.renewals import renewal_start_from_certificate

    application = application_for_user(request.user, pk)
    if not request.user.has_perm("accreditation.renew", application):
        raise PermissionDenied
    certificate = live_certificate(application)
    if certificate is None:
        raise Http404("This application has no certificate to renew.")
    try:
        renewal = renewal_start_from_certificate(certificate=certificate, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("accreditation:application_detail", pk=application.pk)
    messages.success(
        request,
        f"Renewal {renewal.reference} started against version {renewal.version.number}. Check "
        "each answer carried over, choose its self-rating and save it.",
    )
    return redirect("accreditation:application_detail", pk=renewal.pk)
