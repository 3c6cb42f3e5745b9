"""The assessor's scoring workspace: the overview, one criterion's scoring page, completing,
and the safe preview of evidence.

Who gets what: the scoring pages are for the assessor who accepted the assignment and declared
no conflict of interest. An administrator who is not assigned sees the application elsewhere
but gets 403 here; anyone else who cannot see the application at all gets 404 (providers,
assessors not assigned, offers not yet accepted). Only the viewer's own scores are ever read
(blind double marking: see ``selectors.scoring``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import is_administrator
from accreditation.forms_scoring import ScoreForm
from accreditation.kept_pages import kept_page
from accreditation.models import Application
from accreditation.permissions import is_member_of_applicant
from accreditation.selectors import evidence as evidence_selectors
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.scoring import (
    PREVIEW_TYPES,
    accepted_assignment,
    revision_was_submitted,
    scoring_criterion_page,
)
from accreditation.selectors.scoring import (
    scoring_overview as overview_read,
)
from accreditation.services import scoring as services
from qismet_portal.exceptions import DomainError

SCORE = "accreditation.score_application"
DOWNLOAD = "accreditation.download_evidence"


def _scoring(request: HttpRequest, pk: int):
    """The application and the viewer's accepted assignment on it: 404 when they cannot see
    the application, 403 for an administrator who is not assigned to it."""
    application = application_for_user(request.user, pk)
    assignment = accepted_assignment(request.user, application)
    if assignment is None or not request.user.has_perm(SCORE, application):
        if is_administrator(request.user):
            raise PermissionDenied
        raise Http404("No such assignment.")
    return application, assignment


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages showing someone's scores are never kept by a browser or a shared cache."""
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@kept_page
def scoring_overview(request: HttpRequest, pk: int) -> HttpResponse:
    application, assignment = _scoring(request, pk)
    overview = overview_read(assignment)
    return _no_store(
        render(
            request,
            "accreditation/scoring/scoring_overview.html",
            {"application": application, "assignment": assignment, "overview": overview},
        )
    )


def _saved_by(score, user) -> str:
    moment = timezone.localtime(score.updated_at)
    return (
        f"You saved this score in another window at {moment:%H:%M} on {moment.day} {moment:%B %Y}"
    )


@login_required
@kept_page
def scoring_criterion(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    application, assignment = _scoring(request, pk)
    page = scoring_criterion_page(assignment, criterion_pk)
    criterion = page.criterion
    form_kwargs = {"criterion": criterion, "version": application.version}
    status, conflict = 200, ""
    if request.method == "POST":
        form = ScoreForm(request.POST, **form_kwargs)
        if not page.is_editable:
            form.is_valid()
            form.add_error(
                None,
                "Not saved: your scoring of this application is complete or the application is "
                "no longer being assessed, so scores cannot be changed. What you typed is shown "
                "below so that you can copy it.",
            )
            status = 409
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.score_save(
                    assignment=assignment,
                    criterion=criterion,
                    user=request.user,
                    level=data["level"],
                    rationale=data["rationale"],
                    strengths=data["strengths"],
                    improvements=data["improvements"],
                    revision=data["revision"],
                )
            except services.ScoreConflict as error:
                # Keep what they typed; the form now carries the revision they have seen.
                posted = request.POST.copy()
                posted["revision"] = error.score.revision
                form = ScoreForm(posted, **form_kwargs)
                form.is_valid()
                page.score = error.score
                page.level_label = dict(form.fields["level"].choices).get(error.score.level, "")
                conflict = _saved_by(error.score, request.user)
                status = 409
            except DomainError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                messages.success(request, f"Score for criterion {criterion.code} saved.")
                if "save_next" in request.POST and page.next:
                    return redirect(
                        "accreditation:scoring_criterion",
                        pk=application.pk,
                        criterion_pk=page.next.criterion_id,
                    )
                if "save_next" in request.POST:
                    return redirect("accreditation:scoring_overview", pk=application.pk)
                return redirect(
                    "accreditation:scoring_criterion", pk=application.pk, criterion_pk=criterion.pk
                )
        else:
            status = 400
    else:
        score = page.score
        form = ScoreForm(
            initial={
                "level": score.level if score else "",
                "rationale": score.rationale if score else "",
                "strengths": score.strengths if score else "",
                "improvements": score.improvements if score else "",
                "revision": score.revision if score else 0,
            },
            **form_kwargs,
        )
    return _no_store(
        render(
            request,
            "accreditation/scoring/scoring_criterion.html",
            {
                "application": application,
                "assignment": assignment,
                "page": page,
                "criterion": criterion,
                "theme": criterion.theme,
                "form": form,
                "conflict": conflict,
            },
            status=status,
        )
    )


@login_required
@require_POST
def scoring_complete(request: HttpRequest, pk: int) -> HttpResponse:
    application, assignment = _scoring(request, pk)
    try:
        services.scoring_complete(assignment=assignment, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"You have completed your scoring of application {application.reference}. Your "
            "scores are now read only; QISMET and the lead assessor have been told.",
        )
    return redirect("accreditation:scoring_overview", pk=application.pk)


# --- evidence -------------------------------------------------------------------------------


def assessor_revision(request: HttpRequest, application: Application, revision_pk: int):
    """The revision if this person may open it: the applicant's members and administrators
    may open any revision of the application; an assessor only one that was submitted (never
    an unsubmitted draft). Anything else is a 404."""
    revision = evidence_selectors.evidence_revision(
        application=application, revision_pk=revision_pk
    )
    user = request.user
    outsider = not (is_administrator(user) or is_member_of_applicant(user, application))
    if outsider and not revision_was_submitted(application, revision.pk):
        raise Http404("No such file.")
    return revision


def _inline_header(name: str) -> str:
    from accreditation.uploads import attachment_header

    return attachment_header(name).replace("attachment;", "inline;", 1)


#: The preview's Content-Security-Policy. A sandbox without ``allow-same-origin`` gives the
#: document an opaque origin: nothing in it can read the portal's cookies, pages or storage,
#: submit forms or be framed, and ``default-src 'none'`` stops it fetching anything. Checked in
#: Chromium 156: with a bare ``sandbox`` its PDF viewer never loads (the page hangs blank),
#: because the viewer is itself scripted; with ``sandbox allow-scripts`` and the rest below it
#: renders. That is the strictest set that still shows a PDF: scripts allowed in an opaque,
#: network-less origin (PDF JavaScript runs inside PDFium's own sandbox in any case).
PREVIEW_CSP = (
    "sandbox allow-scripts; default-src 'none'; form-action 'none'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


@login_required
@require_GET
def evidence_preview(request: HttpRequest, pk: int, revision_pk: int) -> HttpResponse:
    """Images and PDFs shown in the browser (inline) from a locked-down response; anything
    else, and any file with content warnings, is download only."""
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(DOWNLOAD, application):
        raise PermissionDenied
    revision = assessor_revision(request, application, revision_pk)
    kind = PREVIEW_TYPES.get(revision.content_type.split(";")[0], "")
    if revision.content_warnings or not kind:
        return render(
            request,
            "accreditation/scoring/evidence_preview_refused.html",
            {"application": application, "revision": revision, "kind": kind},
            status=409 if revision.content_warnings else 415,
        )
    try:
        handle = revision.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(handle, content_type=revision.content_type)
    response["Content-Disposition"] = _inline_header(revision.original_name)
    response["Content-Length"] = str(revision.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
