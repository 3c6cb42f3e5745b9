"""The reports of an application: ask for one, watch it being made, download it, share it.

Thin views over ``services.reports``. The page polls each unfinished report's row with htmx
(``report_progress``, every second) until it is ready or has failed; without JavaScript the page
says to check again and has a link for it. Downloads go through ``report_download`` only (never a
media URL), as an attachment, for the people ``accreditation.read_report`` allows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accreditation.models import REPORT_KINDS, Report
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.reports import pending_publication, reports_for
from accreditation.services import reports as services
from qismet_portal.exceptions import DomainError

VIEW = "accreditation.view_reports"
REQUEST = "accreditation.request_report"
READ = "accreditation.read_report"
SHARE = "accreditation.share_report"


def _report(request: HttpRequest, pk: int, report_pk: int, perm: str = READ) -> Report:
    application = application_for_user(request.user, pk)
    report = get_object_or_404(
        Report.objects.defer("inputs"),
        pk=report_pk,
        application=application,
        kind__in=REPORT_KINDS,  # a certificate's PDF has its own pages
    )
    report.application = application
    if not request.user.has_perm(perm, report):
        # A provider asking for a report not shared with them: it does not exist for them.
        raise Http404("No such report.")
    return report


def _row_context(request: HttpRequest, report: Report, waiting_for_queue: set[int]) -> dict:
    return {
        "report": report,
        "application": report.application,
        "can_share": request.user.has_perm(SHARE, report),
        "can_request": request.user.has_perm(REQUEST, report.application),
        "queue_down": report.pk in waiting_for_queue,
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(VIEW, application):
        raise PermissionDenied
    can_request = request.user.has_perm(REQUEST, application)
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied
        kind = request.POST.get("kind", "")
        try:
            report, created = services.report_request(
                application=application, kind=kind, user=request.user
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            if created:
                messages.success(
                    request,
                    f"{report.get_kind_display()} version {report.number} is being made. "
                    "This page shows its progress.",
                )
            else:
                messages.info(
                    request,
                    f"Nothing has changed since {report.get_kind_display().lower()} version "
                    f"{report.number} was asked for, so that report is shown below rather than "
                    "a new one made.",
                )
        return redirect("accreditation:report_list", pk=application.pk)
    shared_only = not request.user.has_perm(SHARE, None)
    reports = reports_for(application, shared_only=shared_only)
    waiting = pending_publication([r.pk for r in reports if r.is_pending])
    for report in reports:
        report.application = application
    return render(
        request,
        "accreditation/reports.html",
        {
            "application": application,
            "rows": [_row_context(request, report, waiting) for report in reports],
            "can_request": can_request,
            "kinds": [(kind.value, kind.label) for kind in REPORT_KINDS],
        },
    )


@login_required
@require_GET
def report_progress(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """One report's row, polled by the reports page while the report is being made."""
    report = _report(request, pk, report_pk)
    waiting = pending_publication([report.pk]) if report.is_pending else set()
    return render(request, "accreditation/_report_row.html", _row_context(request, report, waiting))


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    report = _report(request, pk, report_pk)
    if not report.file:
        raise Http404("This report has no file yet.")
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.download_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def report_retry(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    report = _report(request, pk, report_pk, perm=SHARE)
    try:
        services.report_retry(report=report, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{report.get_kind_display()} version {report.number} is being made again."
        )
    return redirect("accreditation:report_list", pk=pk)


@login_required
@require_POST
def report_share(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    report = _report(request, pk, report_pk, perm=SHARE)
    try:
        services.report_share(report=report, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{report.get_kind_display()} version {report.number} "
            f"({filesizeformat(report.size)}) is now shown to the provider.",
        )
    return redirect("accreditation:report_list", pk=pk)
