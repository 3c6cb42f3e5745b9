"""Requests for more information: raising one, reading one, and what changed between two
submissions. Thin: scope the application (404 outside reach) → check the rule (403) → validate
→ call one service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import is_provider_user
from accreditation.forms import InformationRequestCancelForm, InformationRequestForm
from accreditation.models import Application, ApplicationStatus, InformationRequestStatus
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.information import (
    answered_request_for_record,
    criteria_by_theme,
    information_request_in,
    submission_changes_for,
)
from accreditation.services import information as services
from qismet_portal.exceptions import DomainError
from standards.models import Criterion

VIEW = "accreditation.view_application"
REQUEST = "accreditation.request_information"
CANCEL = "accreditation.cancel_information_request"


def _application(request: HttpRequest, pk: int, perm: str = VIEW) -> Application:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(perm, application):
        raise PermissionDenied
    return application


@login_required
def information_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, REQUEST)
    if application.status != ApplicationStatus.IN_ASSESSMENT:
        messages.info(
            request,
            f"Application {application.reference} is "
            f"{application.get_status_display().lower()}, so more information cannot be "
            "requested now.",
        )
        return redirect("accreditation:application_detail", pk=application.pk)
    themes = criteria_by_theme(application)
    criteria = Criterion.objects.filter(theme__version_id=application.version_id)
    form = InformationRequestForm(
        request.POST or None,
        criteria=criteria,
        initial={"due_on": services.information_request_default_due_on()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            raised = services.information_request_raise(
                application=application, user=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Request sent. The provider has been emailed, and the "
                f"{raised.criteria.count()} criteria you chose are open again for them.",
            )
            return redirect(
                "accreditation:information_request_detail",
                pk=application.pk,
                request_pk=raised.pk,
            )
    chosen = {str(value) for value in (form["criteria"].value() or [])}
    return render(
        request,
        "accreditation/information_request_new.html",
        {"application": application, "form": form, "themes": themes, "chosen": chosen},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def information_request_detail(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    application = _application(request, pk)
    information = information_request_in(application=application, request_pk=request_pk)
    return _detail_page(request, application, information)


def _detail_page(
    request: HttpRequest,
    application: Application,
    information,
    cancel_form: InformationRequestCancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_cancel = information.status == InformationRequestStatus.OPEN and request.user.has_perm(
        CANCEL, application
    )
    return render(
        request,
        "accreditation/information_request_detail.html",
        {
            "application": application,
            "information": information,
            "criteria": list(information.criteria.all()),
            "is_provider_view": is_provider_user(request.user),
            "can_respond": request.user.has_perm("accreditation.submit_application", application),
            "can_cancel": can_cancel,
            "cancel_form": (cancel_form or InformationRequestCancelForm()) if can_cancel else None,
        },
        status=status,
    )


@login_required
@require_POST
def information_request_cancel(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    application = _application(request, pk, CANCEL)
    information = information_request_in(application=application, request_pk=request_pk)
    if information.status != InformationRequestStatus.OPEN:
        messages.info(
            request,
            f"This request is {information.get_status_display().lower()}: there is nothing to "
            "cancel.",
        )
        return redirect(
            "accreditation:information_request_detail", pk=application.pk, request_pk=request_pk
        )
    form = InformationRequestCancelForm(request.POST)
    if form.is_valid():
        try:
            services.information_request_cancel(
                application=application, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Request cancelled. The provider and the assessors have been told, and the "
                "criteria it re-opened are closed again.",
            )
            return redirect(
                "accreditation:information_request_detail",
                pk=application.pk,
                request_pk=request_pk,
            )
    return _detail_page(request, application, information, cancel_form=form, status=400)


@login_required
def submission_changes(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    application = _application(request, pk)
    changes = submission_changes_for(application, number)
    return render(
        request,
        "accreditation/submission_changes.html",
        {
            "application": application,
            "changes": changes,
            "answered": answered_request_for_record(application, changes.current),
        },
    )
