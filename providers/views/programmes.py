"""A provider's programmes: every member reads them, the lead adds, edits and deletes them."""

import copy

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

from .. import services
from ..forms import ProgrammeForm
from ..selectors import (
    organisation_for_user,
    organisation_programmes,
    organisation_programmes_with_applications,
)
from ..services.programmes import programme_can_be_deleted
from ._common import own_organisation


@permission_required("providers.view_programmes", fn=own_organisation)
def programme_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    return render(
        request,
        "providers/programme_list.html",
        {
            "organisation": organisation,
            "programmes": organisation_programmes_with_applications(organisation),
            "can_manage": request.user.has_perm("providers.manage_programmes", organisation),
        },
    )


@permission_required("providers.view_programmes", fn=own_organisation)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    programme = get_object_or_404(organisation_programmes(organisation), pk=pk)
    return render(
        request,
        "providers/programme_detail.html",
        {
            "organisation": organisation,
            "programme": programme,
            "can_manage": request.user.has_perm("providers.manage_programmes", organisation),
            "can_delete": programme_can_be_deleted(programme),
        },
    )


@permission_required("providers.manage_programmes", fn=own_organisation)
def programme_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    form = ProgrammeForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(organisation=organisation, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{programme.name} has been added to your programmes.")
            return redirect("providers:programme_list")
    return render(
        request,
        "providers/programme_form.html",
        {"form": form, "organisation": organisation, "programme": None},
    )


@permission_required("providers.manage_programmes", fn=own_organisation)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    programme = get_object_or_404(organisation_programmes(organisation), pk=pk)
    # The form validates a copy, so the page keeps the saved name while errors show.
    form = ProgrammeForm(
        request.POST or None, instance=copy.copy(programme), organisation=organisation
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            programme = services.programme_update(programme=programme, **changes)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The details of {programme.name} have been saved.")
            return redirect("providers:programme_detail", pk=programme.pk)
    return render(
        request,
        "providers/programme_form.html",
        {"form": form, "organisation": organisation, "programme": programme},
    )


@permission_required("providers.manage_programmes", fn=own_organisation)
def programme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete. A programme with applications is explained, never offered."""
    organisation = organisation_for_user(request.user)
    programme = get_object_or_404(organisation_programmes(organisation), pk=pk)
    if request.method == "POST":
        try:
            services.programme_delete(programme=programme, deleted_by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("providers:programme_detail", pk=programme.pk)
        messages.success(request, f"{programme.name} has been deleted.")
        return redirect("providers:programme_list")
    return render(
        request,
        "providers/programme_delete.html",
        {
            "organisation": organisation,
            "programme": programme,
            "can_delete": programme_can_be_deleted(programme),
        },
    )
