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
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accreditation.models import REPORT_KINDS, FactualAccuracyComment, Report, ReportKind
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.reports import draft_window_open, pending_publication, reports_for
from accreditation.services import reports as services
from accreditation.services.reports import final_report_refusal
from qismet_portal.exceptions import DomainError

VIEW = "accreditation.view_reports"
REQUEST = "accreditation.request_report"
READ = "accreditation.read_report"
SHARE = "accreditation.share_report"
COMMENT = "accreditation.comment_on_report"


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


# --- the factual-accuracy check of a shared draft -----------------------------------------------


def _comments_page(request, report, *, comment_form=None, answer_forms=None, status=200):
    from accreditation.forms_reports import CommentAnswerForm, ReportCommentForm

    application = report.application
    can_comment = request.user.has_perm(COMMENT, report) and draft_window_open(report)
    can_answer = request.user.has_perm(SHARE, report)
    comments = list(
        report.comments.select_related("written_by", "responded_by").order_by("created_at", "pk")
    )
    answer_forms = answer_forms or {}
    if can_answer:
        for comment in comments:
            if not comment.is_answered:
                form = answer_forms.get(comment.pk) or CommentAnswerForm(prefix_pk=comment.pk)
                form.helper.form_action = reverse(
                    "accreditation:report_comment_answer",
                    args=[application.pk, report.pk, comment.pk],
                )
                comment.answer_form = form
    if comment_form is None and can_comment:
        comment_form = ReportCommentForm()
    return render(
        request,
        "accreditation/report_comments.html",
        {
            "application": application,
            "report": report,
            "comments": comments,
            "comment_form": comment_form if can_comment else None,
            "can_comment": can_comment,
            "can_answer": can_answer,
            "window_open": draft_window_open(report),
            "final_refusal": final_report_refusal(application) if can_answer else "",
        },
        status=status,
    )


def _shared_draft(request, pk: int, report_pk: int) -> Report:
    report = _report(request, pk, report_pk)
    if report.kind != ReportKind.DRAFT or report.shared_at is None:
        raise Http404("Only a shared draft report has a factual-accuracy check.")
    return report


@login_required
@require_http_methods(["GET", "POST"])
def report_comments(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    from accreditation.forms_reports import ReportCommentForm

    report = _shared_draft(request, pk, report_pk)
    if request.method == "GET":
        return _comments_page(request, report)
    if not request.user.has_perm(COMMENT, report):
        raise PermissionDenied
    form = ReportCommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                report=report,
                user=request.user,
                section=form.cleaned_data["section"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your comment has been sent to QISMET.")
            return redirect("accreditation:report_comments", pk=pk, report_pk=report.pk)
    return _comments_page(request, report, comment_form=form, status=400)


@login_required
@require_POST
def report_comments_close(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    report = _shared_draft(request, pk, report_pk)
    if not request.user.has_perm(COMMENT, report):
        raise PermissionDenied
    try:
        services.comments_close(report=report, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Thank you. QISMET has been told that you have no more comments on the draft."
        )
    return redirect("accreditation:report_comments", pk=pk, report_pk=report.pk)


@login_required
@require_POST
def report_comment_answer(
    request: HttpRequest, pk: int, report_pk: int, comment_pk: int
) -> HttpResponse:
    from accreditation.forms_reports import CommentAnswerForm

    report = _shared_draft(request, pk, report_pk)
    if not request.user.has_perm(SHARE, report):
        raise PermissionDenied
    comment = get_object_or_404(FactualAccuracyComment, pk=comment_pk, report=report)
    form = CommentAnswerForm(request.POST, prefix_pk=comment.pk)
    if form.is_valid():
        try:
            services.comment_answer(
                comment=comment,
                user=request.user,
                response=form.cleaned_data["response"],
                text=form.cleaned_data["text"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Answer to the comment on {comment.get_section_display().lower()} saved."
            )
            return redirect("accreditation:report_comments", pk=pk, report_pk=report.pk)
    return _comments_page(request, report, answer_forms={comment.pk: form}, status=400)
