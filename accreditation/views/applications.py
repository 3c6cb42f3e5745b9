"""Applications and the self-assessment workspace.

Thin views: find the application through ``applications_for_user`` (anything outside a person's
reach is a 404, whatever the ID), ask the rule for the action (403 for a role that may not do it
on an application it can see), validate the form, call one service, redirect or render.
Anonymous people are sent to sign in first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_htmx.http import trigger_client_event

from accounts.permissions import is_administrator, is_provider_user
from accreditation.forms import (
    ApplicationStartForm,
    NarrativeAutosaveForm,
    ResponseForm,
    ResponseSubmitForm,
    SubmitForm,
    WithdrawForm,
)
from accreditation.kept_pages import kept_page
from accreditation.lifecycle import TRANSITIONS, refusal
from accreditation.models import Application, ApplicationStatus
from accreditation.permissions import (
    is_member_of_applicant,
    is_provider_lead,
    is_provider_signatory,
)
from accreditation.selectors import (
    appeals,
    certificates,
    decisions,
    information,
    reports,
    scoring,
    screening,
)
from accreditation.selectors.applications import (
    application_events,
    application_for_user,
    application_list_for_user,
    application_status_counts,
    application_workspace,
    next_to_answer,
    organisation_signatories,
    response_page,
    response_problems,
    start_choices,
    submission_gaps,
)
from accreditation.selectors.evidence import evidence_panel, evidence_search
from accreditation.selectors.information import criterion_is_open, open_information_request
from accreditation.selectors.renewals import renewal_revisions
from accreditation.services import applications as services
from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required
from standards.selectors import published_versions

#: The parts of the assessment that add to the application page (each returns context).
DETAIL_PANELS = (
    screening.detail_panel,
    scoring.detail_panel,
    information.detail_panel,
    decisions.detail_panel,
    appeals.detail_panel,
    reports.detail_panel,
    certificates.detail_panel,
)

VIEW = "accreditation.view_application"
EDIT = "accreditation.edit_application"
START = "accreditation.start_application"
SUBMIT = "accreditation.submit_application"
WITHDRAW = "accreditation.withdraw_application"
CHANGE_RESPONSE = "accreditation.change_response"

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50


def _application(request: HttpRequest, pk: int, perm: str = VIEW) -> Application:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(perm, application):
        raise PermissionDenied
    return application


def _saved_at(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


# --- lists and starting ---------------------------------------------------------------------


@permission_required("accreditation.list_applications")
def application_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    status = status if status in ApplicationStatus.values else ""
    page = Paginator(application_list_for_user(user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "applications": page.object_list,
        "status": status,
        "is_administrator": is_administrator(user),
        "can_start": user.has_perm(START),
    }
    if context["is_administrator"]:
        counts = application_status_counts()
        context["total_count"] = sum(counts.values())
        # Only the statuses in use (and the one chosen), so twelve statuses do not make twelve
        # buttons when three are in use.
        context["status_filters"] = [
            (value, label, counts[value])
            for value, label in ApplicationStatus.choices
            if counts[value] or value == status
        ]
    return render(request, "accreditation/application_list.html", context)


@login_required
def application_start(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(START):
        raise PermissionDenied
    programmes, busy = start_choices(request.user)
    versions = list(published_versions())
    free = [programme.pk for programme in programmes if programme.pk not in busy]
    chosen = request.GET.get("programme") or (free[0] if len(free) == 1 else None)
    form = ApplicationStartForm(
        request.POST or None,
        initial={"programme": chosen},
        programmes=programmes,
        versions=versions,
        busy=busy,
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_start(
                programme=form.cleaned_data["programme"],
                version=form.cleaned_data["version"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error("programme", str(error))
        else:
            messages.success(
                request,
                f"Application {application.reference} started. Work through the criteria in any "
                "order: your answers are saved as you go.",
            )
            return redirect("accreditation:application_detail", pk=application.pk)
    return render(
        request,
        "accreditation/application_start.html",
        {
            "form": form,
            "has_programmes": bool(programmes),
            "has_versions": bool(versions),
            "single_version": versions[0] if len(versions) == 1 else None,
        },
    )


# --- the workspace --------------------------------------------------------------------------


@login_required
@kept_page
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    workspace = application_workspace(application)
    user = request.user
    can_submit = user.has_perm(SUBMIT, application)
    context = {
        "application": application,
        "workspace": workspace,
        "can_edit": user.has_perm(EDIT, application),
        "can_submit": can_submit,
        "can_see_library": user.has_perm("accreditation.view_evidence_library", application),
        "can_withdraw": (
            application.status in TRANSITIONS["withdraw"].sources
            and user.has_perm(WITHDRAW, application)
        ),
    }
    context["is_provider_view"] = is_provider_user(user)
    context["renewal"] = renewal_revisions(application)
    # Each part of the assessment adds what it has to show on this page.
    for panel in DETAIL_PANELS:
        context.update(panel(application, user))
    if application.is_editable:
        # Said from the start, not only once the application is ready: a provider with nobody
        # able to sign should find out while there is time to put it right.
        context["signatories"] = organisation_signatories(application)
        context["can_manage_members"] = is_provider_lead(user) and is_member_of_applicant(
            user, application
        )
    return render(request, "accreditation/application_detail.html", context)


@login_required
def application_history(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    page = Paginator(application_events(application), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accreditation/application_history.html",
        {
            "application": application,
            "page": page,
            "events": page.object_list,
            "can_see_library": request.user.has_perm(
                "accreditation.view_evidence_library", application
            ),
        },
    )


def _locked_meanwhile(request: HttpRequest, application: Application) -> bool:
    """A provider of this application whose save arrived after it was locked (a stale tab)."""
    return (
        not application.is_editable
        and is_provider_user(request.user)
        and is_member_of_applicant(request.user, application)
    )


def _saved_by(response, user) -> str:
    """Who saved ``response`` and when, as the conflict messages say it."""
    moment = timezone.localtime(response.updated_at)
    when = f"at {moment:%H:%M} on {moment.day} {moment:%B %Y}"
    if response.updated_by_id == user.pk:
        return f"You saved this criterion in another window {when}"
    who = response.updated_by.full_name if response.updated_by else "Someone else"
    return f"{who} saved this criterion {when}"


def _autosave(request: HttpRequest, application: Application, response) -> HttpResponse:
    """Save the narrative alone and answer with a one-line status for the page, and the new
    revision for the form (out of band), so the next save from the page is not mistaken for a
    stale one. On a conflict nothing is written and the page is told to stop autosaving."""
    form = NarrativeAutosaveForm(request.POST)
    context: dict = {"ok": False}
    stop = False
    if not form.is_valid():
        context["message"] = (
            form.errors["narrative"][0]
            if "narrative" in form.errors
            else "Not saved: this page is out of date. Reload it to carry on."
        )
    else:
        try:
            services.response_save_narrative(
                response=response,
                user=request.user,
                narrative=form.cleaned_data["narrative"],
                revision=form.cleaned_data["revision"],
            )
        except services.AnswerConflict:
            stop = True
            context["message"] = (
                f"Not saved: {_saved_by(response, request.user)} while you were editing. "
                "Autosave has stopped so that neither answer is lost. Press Save to see the "
                "saved answer beside yours."
            )
        except DomainError as error:
            stop = True
            context["message"] = f"Not saved: {error} Copy your text before leaving this page."
        else:
            context = {
                "ok": True,
                "message": f"Draft saved at {_saved_at(response.updated_at)}.",
                "revision": response.revision,
            }
    result = render(request, "accreditation/_autosave_status.html", context)
    return trigger_client_event(result, "autosave-stopped") if stop else result


@login_required
@kept_page
def response_edit(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    application = _application(request, pk)
    page = response_page(application, criterion_pk)
    response, criterion = page.response, page.criterion
    can_edit = request.user.has_perm(CHANGE_RESPONSE, response)
    status = 200
    conflict = ""
    form_kwargs = {"criterion": criterion, "version": application.version}

    if request.method == "POST":
        if not can_edit and not _locked_meanwhile(request, application):
            raise PermissionDenied
        if request.htmx and request.POST.get("autosave"):
            if not can_edit:
                return trigger_client_event(
                    render(
                        request,
                        "accreditation/_autosave_status.html",
                        {"message": "Not saved: this application can no longer be changed."},
                    ),
                    "autosave-stopped",
                )
            return _autosave(request, application, response)
        form = ResponseForm(request.POST, **form_kwargs)
        if not can_edit:
            # Keep what they typed on screen, read-only, so nothing is lost.
            form.is_valid()
            form.add_error(
                None,
                (
                    f"Not saved: criterion {criterion.code} is not one of the criteria the "
                    "assessors asked about, so its answer cannot be changed."
                    if application.status == ApplicationStatus.INFORMATION_REQUESTED
                    else f"Not saved: application {application.reference} is "
                    f"{application.get_status_display().lower()}, so its answers can no longer "
                    "be changed."
                )
                + " What you typed is shown below so that you can copy it.",
            )
            status = 409
        elif form.is_valid():
            try:
                services.response_save(response=response, user=request.user, **form.cleaned_data)
            except services.AnswerConflict:
                # Keep what they typed; the form now carries the revision they have seen, so
                # saving again (after combining the two) goes through.
                data = request.POST.copy()
                data["revision"] = response.revision
                form = ResponseForm(data, **form_kwargs)
                form.is_valid()
                conflict = _saved_by(response, request.user)
                status = 409
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Saved at {_saved_at(response.updated_at)}.")
                if "save_next" in request.POST:
                    following = next_to_answer(application, page)
                    if following:
                        return redirect(
                            "accreditation:response_edit",
                            pk=application.pk,
                            criterion_pk=following.criterion_id,
                        )
                    messages.info(
                        request,
                        "That was the last criterion the assessors asked about."
                        if application.status == ApplicationStatus.INFORMATION_REQUESTED
                        else "That was the last criterion.",
                    )
                    return redirect("accreditation:application_detail", pk=application.pk)
                return redirect(
                    "accreditation:response_edit", pk=application.pk, criterion_pk=criterion.pk
                )
    else:
        form = _saved_answer_form(application, response)
    return _render_criterion_page(
        request,
        application=application,
        page=page,
        form=form,
        can_edit=can_edit,
        status=status,
        conflict=conflict,
    )


def _saved_answer_form(application: Application, response) -> ResponseForm:
    return ResponseForm(
        initial={
            "narrative": response.narrative,
            "rating": response.rating,
            "na_justification": response.na_justification,
            "revision": response.revision,
        },
        criterion=response.criterion,
        version=application.version,
    )


def criterion_page_with_refused_upload(
    request: HttpRequest,
    *,
    application: Application,
    criterion_pk: int,
    errors: list[str],
    pointer: str = "",
) -> HttpResponse:
    """The criterion page itself (same heading, breadcrumb and answer) with a refused upload's
    problems at the top of its evidence panel: what a browser without JavaScript gets back when
    an upload is refused. (With JavaScript the panel alone is replaced and the page never left.)
    """
    page = response_page(application, criterion_pk)
    return _render_criterion_page(
        request,
        application=application,
        page=page,
        form=_saved_answer_form(application, page.response),
        can_edit=request.user.has_perm(CHANGE_RESPONSE, page.response),
        status=400,
        evidence_errors=errors,
        evidence_pointer=pointer,
    )


def _revision_of(application, criterion):
    """For a renewal: what changed in this criterion since the version before (or None)."""
    revisions = renewal_revisions(application)
    if revisions is None:
        return None
    revision = revisions.by_criterion.get(criterion.pk)
    return {"item": revision, "previous_version": revisions.previous_version} if revision else None


def _render_criterion_page(
    request: HttpRequest,
    *,
    application: Application,
    page,
    form: ResponseForm,
    can_edit: bool,
    status: int = 200,
    **extra,
) -> HttpResponse:
    response, criterion = page.response, page.criterion
    panel = evidence_panel(application=application, response=response)
    # Without JavaScript the file search is a plain GET form on this page (?q=...).
    search = (
        evidence_search(application=application, response=response, query=request.GET["q"])
        if can_edit and request.method == "GET" and "q" in request.GET
        else None
    )
    context = {
        "application": application,
        "page": page,
        "response": response,
        "criterion": criterion,
        "theme": criterion.theme,
        "version": application.version,
        "form": form,
        "can_edit": can_edit,
        "rating_label": dict(form.fields["rating"].choices).get(response.rating, ""),
        "problems": response_problems(response, evidence_count=len(panel["links"]))
        if criterion_is_open(application, criterion.pk)
        else [],
        "panel": panel,
        "reopened": application.status == ApplicationStatus.INFORMATION_REQUESTED
        and criterion_is_open(application, criterion.pk),
        "revision": _revision_of(application, criterion),
        "next_to_answer": next_to_answer(application, page) if can_edit else None,
        "search": search,
        **extra,
    }
    return render(request, "accreditation/response_edit.html", context, status=status)


# --- submitting and withdrawing -------------------------------------------------------------


@login_required
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    user = request.user
    if not user.has_perm(SUBMIT, application):
        if is_provider_signatory(user) and _locked_meanwhile(request, application):
            messages.info(
                request,
                f"Application {application.reference} is "
                f"{application.get_status_display().lower()}: there is nothing to submit.",
            )
            return redirect("accreditation:application_detail", pk=application.pk)
        if application.is_editable and is_provider_user(user):
            # A colleague without the signing right: say why, and who can.
            return render(
                request,
                "accreditation/application_submit_refused.html",
                {
                    "application": application,
                    "signatories": organisation_signatories(application),
                    "can_manage_members": is_provider_lead(user),
                },
                status=403,
            )
        raise PermissionDenied
    gaps = submission_gaps(application)
    responding = application.status == ApplicationStatus.INFORMATION_REQUESTED
    form = (ResponseSubmitForm if responding else SubmitForm)(
        request.POST or None, initial={"full_name": user.full_name, "role": user.job_title}
    )
    if request.method == "POST" and not gaps and form.is_valid():
        try:
            services.application_submit(
                application=application,
                user=user,
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                confirmed=form.cleaned_data["confirm"],
                note=form.cleaned_data.get("note", ""),
            )
        except services.SubmissionIncomplete as error:
            gaps = error.gaps
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Your response has been sent. The assessors of application "
                f"{application.reference} have been told and can see what changed. Its answers "
                "and evidence are locked again."
                if responding
                else f"Application {application.reference} has been submitted. We have emailed "
                "you and your organisation's leads a confirmation. Its answers and evidence are "
                "now locked.",
            )
            return redirect("accreditation:application_detail", pk=application.pk)
    return render(
        request,
        "accreditation/application_submit.html",
        {
            "application": application,
            "gaps": gaps,
            "form": form,
            "declaration": services.declaration_text(application),
            "responding": responding,
            "information": open_information_request(application) if responding else None,
        },
        status=200 if not gaps or request.method == "GET" else 409,
    )


@login_required
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, WITHDRAW)
    if application.status not in TRANSITIONS["withdraw"].sources:
        messages.info(
            request,
            refusal(
                reference=application.reference, status=application.status, transition="withdraw"
            ),
        )
        return redirect("accreditation:application_detail", pk=application.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Application {application.reference} has been withdrawn.")
        return redirect("accreditation:application_detail", pk=application.pk)
    return render(
        request,
        "accreditation/application_withdraw.html",
        {"application": application, "form": form},
    )
