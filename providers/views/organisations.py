"""Organisation pages: administrators' register, and each provider's own organisation page."""

import copy

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.services import user_resend_invitation
from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

from .. import services
from ..forms import OrganisationCreateForm, OrganisationForm
from ..models import Organisation
from ..selectors import (
    account_request_pending_count,
    organisation_for_user,
    organisation_invitations,
    organisation_list,
    organisation_members,
    organisation_memberships_all,
    organisation_programmes_with_applications,
)
from ._common import own_organisation


@permission_required("providers.manage_organisations")
def organisation_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "providers/organisation_list.html",
        {
            "organisations": organisation_list(),
            "pending_requests": account_request_pending_count(),
        },
    )


@permission_required("providers.manage_organisations")
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                created_by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{organisation.name} has been registered. We have emailed "
                f"{form.cleaned_data['lead_email']} a link to set a password.",
            )
            return redirect("providers:organisation_detail", pk=organisation.pk)
    return render(request, "providers/organisation_form.html", {"form": form})


def _organisation_context(organisation: Organisation) -> dict:
    return {
        "organisation": organisation,
        "members": organisation_members(organisation),
        "invitations": organisation_invitations(organisation),
        "programmes": organisation_programmes_with_applications(organisation),
    }


@permission_required("providers.manage_organisations")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator's view of one organisation.

    Administrators only: the role check comes before the lookup, so a provider user gets the same
    refusal for every ID and learns nothing about which organisations exist.
    """
    organisation = get_object_or_404(Organisation, pk=pk)
    everyone = list(organisation_memberships_all(organisation))
    context = _organisation_context(organisation)
    context["members"] = [m for m in everyone if m.is_current]
    context["removed_members"] = [m for m in everyone if not m.is_current]
    return render(request, "providers/organisation_detail.html", context)


@require_POST
@permission_required("providers.manage_organisations")
def organisation_member_resend(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Send again the link a member registered by QISMET (usually the lead) uses to set their
    password. Members who joined through their lead's invitation chose a password then."""
    organisation = get_object_or_404(Organisation, pk=pk)
    membership = get_object_or_404(organisation_members(organisation), pk=member_pk)
    try:
        user_resend_invitation(user=membership.user, sent_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"We have emailed {membership.user.email} a new link to set a password. Earlier "
            "links no longer work.",
        )
    return redirect("providers:organisation_detail", pk=organisation.pk)


@permission_required("providers.manage_organisations")
def organisation_edit_admin(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    return _edit(
        request,
        organisation,
        done=redirect("providers:organisation_detail", pk=organisation.pk),
        as_administrator=True,
    )


@permission_required("providers.view_organisation", fn=own_organisation)
def organisation_home(request: HttpRequest) -> HttpResponse:
    """ "Your organisation": details, people, invitations and programmes, with the actions the
    person's role allows."""
    organisation = organisation_for_user(request.user)
    context = _organisation_context(organisation)
    context["can_manage"] = request.user.has_perm("providers.manage_members", organisation)
    return render(request, "providers/organisation_home.html", context)


@permission_required("providers.change_organisation", fn=own_organisation)
def organisation_edit(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    return _edit(request, organisation, done=redirect("providers:organisation_home"))


def _edit(request, organisation, *, done, as_administrator: bool = False) -> HttpResponse:
    # The form validates a copy, so the page heading keeps the saved name while errors show.
    form = OrganisationForm(request.POST or None, instance=copy.copy(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation,
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The organisation's details have been saved.")
            return done
    return render(
        request,
        "providers/organisation_edit.html",
        {"form": form, "organisation": organisation, "as_administrator": as_administrator},
    )
