"""Evidence pages: the library, one file's page, uploading, reusing, replacing, removing and
downloading. Thin: scope the application → check the rule → call one service → redirect.

Who gets what: anonymous people sign in first; an application outside a person's scope
(another organisation's, or any for an assessor until assignments exist) is a 404, whatever the
ID guessed; administrators may read and download (403 on any change); provider users of the
applicant may change evidence while the application is a draft, and are told plainly when it no
longer is.

Uploads stream through ``EvidenceUploadHandler``, which must be installed before anything reads
the body; so the upload and replace views are ``csrf_exempt`` and check permission first, then
hand over to an inner ``csrf_protect`` view that reads the body (the order Django's
documentation gives for per-view upload handlers). Nobody without the right to change evidence
gets a byte of their upload written to disk.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import is_provider_user
from accreditation.models import Application, ApplicationStatus, EvidenceDocument, Response
from accreditation.permissions import is_member_of_applicant
from accreditation.selectors import evidence as selectors
from accreditation.selectors.applications import applications_for_user, response_problems
from accreditation.selectors.evidence import evidence_used_bytes
from accreditation.selectors.information import criterion_is_open, reopened_criterion_ids
from accreditation.services import evidence as services
from accreditation.services.evidence import EvidenceRefused
from accreditation.uploads import EvidenceUploadHandler, attachment_header
from accreditation.views.applications import criterion_page_with_refused_upload
from accreditation.views.scoring import assessor_revision
from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

VIEW = "accreditation.view_application"
EDIT = "accreditation.edit_application"
DOWNLOAD = "accreditation.download_evidence"
CHANGE_RESPONSE = "accreditation.change_response"
REPLACE = "accreditation.replace_evidence"
VIEW_LIBRARY = "accreditation.view_evidence_library"


def _scoped_application(request: HttpRequest, pk: int, **_kwargs) -> Application:
    """The application if this person may see it at all, else 404 (fetched once per request)."""
    cached = getattr(request, "_evidence_application", None)
    if cached is None or cached.pk != pk:
        cached = get_object_or_404(applications_for_user(request.user), pk=pk)
        request._evidence_application = cached
    return cached


def _library_application(request: HttpRequest, pk: int) -> Application:
    """As ``_scoped_application``, for the evidence library and a file's page: refused (403) to
    assessors, who read what was submitted, not the provider's working files."""
    application = _scoped_application(request, pk)
    if not request.user.has_perm(VIEW_LIBRARY, application):
        raise PermissionDenied
    return application


def _criterion_url(application: Application, criterion_id: int) -> str:
    return reverse(
        "accreditation:response_edit", kwargs={"pk": application.pk, "criterion_pk": criterion_id}
    )


def _detail_url(application: Application, document_id: int) -> str:
    return reverse(
        "accreditation:evidence_detail", kwargs={"pk": application.pk, "document_pk": document_id}
    )


def _refuse_change(
    request: HttpRequest,
    pk: int,
    back: str | None = None,
    refuse_upload=None,
    target=None,
) -> HttpResponse | None:
    """None when this person may change this evidence now; otherwise the answer: sign in, 404
    (out of scope), a message and the way back (their application is no longer a draft, the
    criterion is not one re-opened by a request for more information, or the upload cannot fit
    in what is left of the allowance), or 403 (may look but never change, e.g. administrators).
    ``target(application)`` gives the rule and the object it is asked of (a criterion's
    response, or a file); by default the whole application. ``refuse_upload(application,
    problems)``, when given, answers an upload too big for the allowance in place instead of
    sending people away."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    application = _scoped_application(request, pk)
    perm, obj = target(application) if target is not None else (EDIT, application)
    if request.user.has_perm(perm, obj):
        problem = _over_quota_problem(request, application)
        if problem is None:
            return None
        if refuse_upload is not None:
            return refuse_upload(application, [problem])
        messages.error(request, problem)
        return _go(request, back or reverse("accreditation:evidence_library", args=[pk]))
    if is_provider_user(request.user) and is_member_of_applicant(request.user, application):
        if application.status == ApplicationStatus.INFORMATION_REQUESTED:
            messages.error(request, _not_reopened(application, obj))
            return _go(request, back or reverse("accreditation:evidence_library", args=[pk]))
        if not application.is_editable:
            messages.error(request, _not_editable(application))
            return _go(request, back or reverse("accreditation:evidence_library", args=[pk]))
    raise PermissionDenied


def _response_target(criterion_pk: int):
    """The rule for changing one criterion's evidence, asked of its response."""

    def target(application: Application):
        response = selectors.response_in(application=application, criterion_pk=criterion_pk)
        response.application = application
        return CHANGE_RESPONSE, response

    return target


def _not_reopened(application: Application, obj) -> str:
    if isinstance(obj, Response):
        return (
            f"Criterion {obj.criterion.code} is not one of the criteria the assessors asked "
            "about, so its evidence cannot be changed. Only the criteria named in the request "
            "for more information are open again."
        )
    return (
        "This file is not used by any of the criteria the assessors asked about, so it cannot "
        "be changed. Only the criteria named in the request for more information are open "
        "again."
    )


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``: a whole-page visit even when only a panel asked (htmx)."""
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


#: What multipart framing may add to the files' own bytes in one request.
_FRAMING_ALLOWANCE = 64 * 1024


def _over_quota_problem(request: HttpRequest, application: Application) -> str | None:
    """Why a request body cannot fit in what is left of the application's allowance (judged
    before reading it, so no request fills the disk with files that would be refused)."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    quota = settings.EVIDENCE_APPLICATION_QUOTA_BYTES
    left = max(quota - evidence_used_bytes(application), 0)
    if length <= left + _FRAMING_ALLOWANCE:
        return None
    return (
        f"Nothing was uploaded: the files come to about {filesizeformat(length)}, and this "
        f"application has {filesizeformat(left)} of its {filesizeformat(quota)} evidence "
        "allowance left. Upload smaller files, or contact QISMET if you need more space."
    )


def _not_editable(application: Application) -> str:
    return (
        f"Application {application.reference} is {application.get_status_display().lower()}, "
        "so its evidence can no longer be changed."
    )


def _names(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- reading --------------------------------------------------------------------------------


@require_GET
@permission_required(VIEW, _scoped_application)
def evidence_library(request: HttpRequest, pk: int) -> HttpResponse:
    application = _library_application(request, pk)
    return render(
        request,
        "accreditation/evidence/evidence_library.html",
        {
            "application": application,
            "library": selectors.evidence_library(application=application),
            "can_edit": request.user.has_perm(EDIT, application),
        },
    )


def _scoped_replace(application: Application, document: EvidenceDocument) -> dict | None:
    """While more information is requested, which criteria a replacement of ``document`` would
    change (the re-opened ones) and which keep the current version."""
    if application.status != ApplicationStatus.INFORMATION_REQUESTED:
        return None
    reopened = reopened_criterion_ids(application)
    links = list(document.links.all())
    return {
        "moving": [link for link in links if link.response.criterion_id in reopened],
        "staying": [link for link in links if link.response.criterion_id not in reopened],
    }


def _render_detail(
    request: HttpRequest,
    application: Application,
    document: EvidenceDocument,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "accreditation/evidence/evidence_detail.html",
        {
            "application": application,
            "document": document,
            "revisions": document.revisions.all(),
            "links": document.links.all(),
            "can_edit": request.user.has_perm(REPLACE, document),
            "scoped_replace": _scoped_replace(application, document),
            "limits": selectors.upload_limits(),
            "errors": errors or [],
        },
        status=status,
    )


@require_GET
@permission_required(VIEW, _scoped_application)
def evidence_detail(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = _library_application(request, pk)
    document = selectors.evidence_document(application=application, document_pk=document_pk)
    document.application = application
    return _render_detail(request, application, document)


def _render_panel(
    request: HttpRequest,
    application: Application,
    response: Response,
    *,
    errors: list[str] | None = None,
    pointer: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The criterion's evidence panel alone, for the upload form that htmx sends from the
    criterion page: the page is never left, so nothing typed elsewhere on it is lost."""
    panel = selectors.evidence_panel(application=application, response=response)
    response.application = application
    return render(
        request,
        "accreditation/evidence/_panel.html",
        {
            "application": application,
            "response": response,
            "panel": panel,
            "can_edit": request.user.has_perm(CHANGE_RESPONSE, response),
            "evidence_errors": errors or [],
            "evidence_pointer": pointer,
            "evidence_notice": notice,
            "fragment": True,
            # The note above the answer ("Mandatory: no evidence linked yet") follows suit.
            "answer_problems": response_problems(response, evidence_count=len(panel["links"]))
            if criterion_is_open(application, response.criterion_id)
            else None,
        },
        status=status,
    )


def _upload_refused(
    request: HttpRequest,
    application: Application,
    response: Response,
    problems: list[str],
    pointer: str = "",
) -> HttpResponse:
    """A refused upload is answered on the criterion page: the panel in place (htmx, 422), or
    the whole criterion page (400) for a browser without JavaScript."""
    if request.htmx:
        return _render_panel(
            request, application, response, errors=problems, pointer=pointer, status=422
        )
    return criterion_page_with_refused_upload(
        request,
        application=application,
        criterion_pk=response.criterion_id,
        errors=problems,
        pointer=pointer,
    )


@require_GET
@permission_required(
    CHANGE_RESPONSE,
    lambda request, pk, criterion_pk: _response_target(criterion_pk)(
        _scoped_application(request, pk)
    )[1],
)
def evidence_search(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """The application's files whose names contain ``q``, to use for this criterion: the
    results that htmx puts under the search box on the criterion page. Only people who may
    change the evidence now get an answer (the search exists to link files). Visited without
    htmx, it sends the browser to the criterion page, which shows the same results."""
    application = _scoped_application(request, pk)
    response = selectors.response_in(application=application, criterion_pk=criterion_pk)
    query = request.GET.get("q", "")[: selectors.SEARCH_QUERY_MAX_LENGTH]
    if not request.htmx:
        url = _criterion_url(application, response.criterion_id)
        return redirect(f"{url}?{urlencode({'q': query})}#evidence-reuse-{response.pk}")
    return render(
        request,
        "accreditation/evidence/_search_results.html",
        {
            "application": application,
            "response": response,
            "search": selectors.evidence_search(
                application=application, response=response, query=query
            ),
        },
    )


@require_GET
@permission_required(DOWNLOAD, _scoped_application)
def evidence_download(request: HttpRequest, pk: int, revision_pk: int) -> FileResponse:
    """The exact bytes, as an attachment under the cleaned name, typed by what we found in the
    content (never by what the browser said), and never sniffed or cached by the browser."""
    application = _scoped_application(request, pk)
    # Assessors: only revisions that were submitted, never an unsubmitted draft.
    revision = assessor_revision(request, application, revision_pk)
    try:
        handle = revision.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=revision.original_name,
        content_type=revision.content_type,
    )
    response["Content-Disposition"] = attachment_header(revision.original_name)
    response["Content-Length"] = str(revision.size)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever render a file inline, it runs in a sandbox with nothing allowed.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- uploading and replacing (streamed bodies) ------------------------------------------------


@csrf_exempt
def evidence_upload(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """POST: upload files to the criterion, answered on the criterion page. GET: that page."""
    if request.method in {"GET", "HEAD"}:
        return _criterion_evidence(request, pk=pk, criterion_pk=criterion_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    handler = EvidenceUploadHandler(request)
    request.upload_handlers = [handler]  # before anything touches request.POST or FILES

    def refuse(application: Application, problems: list[str]) -> HttpResponse:
        # The body is not read, so the pointer typed with it is not known.
        response = selectors.response_in(application=application, criterion_pk=criterion_pk)
        return _upload_refused(request, application, response, problems)

    back = reverse("accreditation:response_edit", args=[pk, criterion_pk])
    if refusal := _refuse_change(
        request, pk, back=back, refuse_upload=refuse, target=_response_target(criterion_pk)
    ):
        return refusal
    application = _scoped_application(request, pk)
    response = selectors.response_in(application=application, criterion_pk=criterion_pk)
    return _upload_received(request, application=application, response=response, handler=handler)


@csrf_protect
def _upload_received(
    request: HttpRequest,
    *,
    application: Application,
    response: Response,
    handler: EvidenceUploadHandler,
) -> HttpResponse:
    pointer = request.POST.get("pointer", "")
    try:
        links = services.evidence_upload(
            application=application,
            response=response,
            files=request.FILES.getlist("files"),
            pointer=pointer,
            user=request.user,
            refusals=[str(refusal) for refusal in handler.refusals],
        )
    except EvidenceRefused as refused:
        return _upload_refused(request, application, response, refused.problems, pointer)
    except DomainError as error:
        if request.htmx:
            return _upload_refused(request, application, response, [str(error)], pointer)
        messages.error(request, str(error))
        return redirect(_criterion_url(application, response.criterion_id))
    names = [link.document.current.original_name for link in links]
    notice = f"Uploaded {_names(names)} as evidence for criterion {response.criterion.code}."
    if request.htmx:
        return _render_panel(request, application, response, notice=notice)
    messages.success(request, notice)
    return redirect(_criterion_url(application, response.criterion_id))


@permission_required(VIEW, _scoped_application)
def _criterion_evidence(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """The criterion's evidence lives on the criterion page (e.g. after reloading the address
    that a refused upload was answered on)."""
    application = _scoped_application(request, pk)
    response = selectors.response_in(application=application, criterion_pk=criterion_pk)
    return redirect(_criterion_url(application, response.criterion_id))


@csrf_exempt
def evidence_replace(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    handler = EvidenceUploadHandler(request)
    request.upload_handlers = [handler]

    def target(application: Application):
        document = selectors.evidence_document(application=application, document_pk=document_pk)
        document.application = application
        return REPLACE, document

    if refusal := _refuse_change(
        request,
        pk,
        back=reverse("accreditation:evidence_detail", args=[pk, document_pk]),
        target=target,
    ):
        return refusal
    application = _scoped_application(request, pk)
    document = selectors.evidence_document(application=application, document_pk=document_pk)
    document.application = application
    return _replacement_received(
        request, application=application, document=document, handler=handler
    )


@csrf_protect
def _replacement_received(
    request: HttpRequest,
    *,
    application: Application,
    document: EvidenceDocument,
    handler: EvidenceUploadHandler,
) -> HttpResponse:
    files = request.FILES.getlist("file")
    if len(files) > 1:
        return _render_detail(
            request,
            application,
            document,
            errors=["Choose one file: a file is replaced by one new version at a time."],
            status=400,
        )
    try:
        revision = services.evidence_replace(
            application=application,
            document=document,
            file=files[0] if files else None,
            user=request.user,
            refusals=[str(refusal) for refusal in handler.refusals],
        )
    except EvidenceRefused as refused:
        return _render_detail(request, application, document, errors=refused.problems, status=400)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(_detail_url(application, document.pk))
    if revision.document_id != document.pk:
        messages.success(
            request,
            f"“{revision.original_name}” (version {revision.number}) is now the evidence for the "
            "criteria the assessors asked about. The other criteria keep the earlier version.",
        )
    else:
        messages.success(
            request,
            f"“{revision.original_name}” is now the current version (version {revision.number}). "
            "Earlier versions are kept below.",
        )
    return redirect(_detail_url(application, revision.document_id))


# --- linking and unlinking ------------------------------------------------------------------


@require_POST
def evidence_link(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Use a file already in the application as evidence for this criterion too."""
    if refusal := _refuse_change(request, pk, target=_response_target(criterion_pk)):
        return refusal
    application = _scoped_application(request, pk)
    response = selectors.response_in(application=application, criterion_pk=criterion_pk)
    back = _criterion_url(application, response.criterion_id)
    document_id = request.POST.get("document", "")
    document = (
        EvidenceDocument.objects.filter(application=application, current__isnull=False)
        .select_related("current")
        .filter(pk=int(document_id))
        .first()
        if document_id.isdigit()
        else None
    )
    if document is None:
        messages.error(request, "Choose a file from this application to use for this criterion.")
        return redirect(back)
    try:
        services.evidence_link(
            application=application,
            response=response,
            document=document,
            pointer=request.POST.get("pointer", ""),
            user=request.user,
        )
    except EvidenceRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
        return redirect(back)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        f"“{document.current.original_name}” is now also evidence for criterion "
        f"{response.criterion.code}.",
    )
    return redirect(back)


@require_POST
def evidence_unlink(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    """Stop using a file for one criterion; it stays in the application's library."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    application = _scoped_application(request, pk)
    link = selectors.evidence_link_in(application=application, link_pk=link_pk)
    back = _safe_next(request, _criterion_url(application, link.response.criterion_id))
    link.response.application = application

    if refusal := _refuse_change(
        request, pk, back=back, target=lambda _application: (CHANGE_RESPONSE, link.response)
    ):
        return refusal
    name = link.document.current.original_name if link.document.current_id else "The file"
    code = link.response.criterion.code
    try:
        services.evidence_unlink(application=application, link=link, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        f"“{name}” is no longer evidence for criterion {code}. It is still in this "
        "application's evidence library.",
    )
    return redirect(back)
