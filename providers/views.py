from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from qismet_portal.permissions import permission_required

from . import services
from .forms import OrganisationCreateForm
from .models import Organisation
from .selectors import organisation_list, organisation_members


@permission_required("providers.manage_organisations")
def organisation_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "providers/organisation_list.html", {"organisations": organisation_list()}
    )


@permission_required("providers.manage_organisations")
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(created_by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"{organisation.name} has been registered. We have emailed "
            f"{form.cleaned_data['lead_email']} a link to set a password.",
        )
        return redirect("providers:organisation_detail", pk=organisation.pk)
    return render(request, "providers/organisation_form.html", {"form": form})


@permission_required("providers.manage_organisations")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    return render(
        request,
        "providers/organisation_detail.html",
        {"organisation": organisation, "members": organisation_members(organisation)},
    )
