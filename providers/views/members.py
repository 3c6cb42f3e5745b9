"""The people of a provider organisation: members, roles, invitations, and joining by link."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

from .. import services
from ..forms import (
    InvitationAcceptForm,
    InvitationForm,
    MembershipRoleForm,
    MembershipSigningForm,
)
from ..models import InvitationStatus, MembershipRole
from ..selectors import (
    invitation_from_token,
    membership_for_user,
    organisation_for_user,
    organisation_invitations,
    organisation_members,
    organisation_removed_members,
)
from ..services.invitations import expiry_days as invitation_expiry_days
from ._common import own_organisation


@permission_required("providers.view_members", fn=own_organisation)
def member_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    can_manage = request.user.has_perm("providers.manage_members", organisation)
    members = list(organisation_members(organisation))
    context = {
        "organisation": organisation,
        "members": members,
        "can_manage": can_manage,
        "roles": MembershipRole.choices,
        # the only lead can be neither demoted nor removed, so those controls are not offered
        "only_lead": sum(m.role == MembershipRole.LEAD for m in members) == 1,
        "signer_count": sum(m.can_sign and m.user.is_active for m in members),
    }
    context["nobody_can_sign"] = context["signer_count"] == 0
    if can_manage:
        context["invitations"] = organisation_invitations(organisation)
        context["removed_members"] = organisation_removed_members(organisation)
    return render(request, "providers/member_list.html", context)


@permission_required("providers.manage_members", fn=own_organisation)
def member_invite(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    form = InvitationForm(request.POST or None, expiry_days=invitation_expiry_days())
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation, invited_by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"We have emailed an invitation to {invitation.email}. The link works until "
                f"{date_format(timezone.localtime(invitation.expires_at), 'j F Y')}.",
            )
            return redirect("providers:member_list")
    return render(
        request, "providers/invitation_form.html", {"form": form, "organisation": organisation}
    )


@require_POST
@permission_required("providers.manage_members", fn=own_organisation)
def member_change_role(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    membership = get_object_or_404(organisation_members(organisation), pk=pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose lead or contributor.")
        return redirect("providers:member_list")
    try:
        membership = services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], changed_by=request.user
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("providers:member_list")
    messages.success(
        request,
        f"{membership.user.full_name} is now a {membership.get_role_display().lower()}.",
    )
    if membership.user_id == request.user.pk and membership.role != MembershipRole.LEAD:
        return redirect("providers:organisation_home")  # they gave up being a lead
    return redirect("providers:member_list")


@require_POST
@permission_required("providers.manage_members", fn=own_organisation)
def member_set_signing(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead grants or takes away a member's right to sign declarations and submit."""
    organisation = organisation_for_user(request.user)
    membership = get_object_or_404(organisation_members(organisation), pk=pk)
    form = MembershipSigningForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether they can sign declarations.")
        return redirect("providers:member_list")
    can_sign = form.cleaned_data["can_sign"]
    try:
        membership = services.membership_set_signing(
            membership=membership, can_sign=can_sign, changed_by=request.user
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("providers:member_list")
    who = "You" if membership.user_id == request.user.pk else membership.user.full_name
    if can_sign:
        messages.success(
            request,
            f"{who} can now sign declarations and submit applications for {organisation.name}.",
        )
    else:
        messages.success(
            request,
            f"{who} can no longer sign declarations or submit applications.",
        )
    return redirect("providers:member_list")


@require_POST
@permission_required("providers.manage_members", fn=own_organisation)
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    membership = get_object_or_404(organisation_members(organisation), pk=pk)
    removing_self = membership.user_id == request.user.pk
    try:
        services.membership_remove(membership=membership, removed_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("providers:member_list")
    if removing_self:
        logout(request)
        messages.info(request, "You have left the organisation and your account has been closed.")
        return redirect("home")
    messages.success(
        request,
        f"{membership.user.full_name} has been removed from {organisation.name}. "
        "Their account has been closed; what they wrote is kept.",
    )
    return redirect("providers:member_list")


@require_POST
@permission_required("providers.manage_members", fn=own_organisation)
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    invitation = get_object_or_404(organisation_invitations(organisation), pk=pk)
    try:
        invitation = services.invitation_resend(invitation=invitation, sent_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"We have emailed a new link to {invitation.email}. Earlier links no longer work.",
        )
    return redirect("providers:member_list")


@require_POST
@permission_required("providers.manage_members", fn=own_organisation)
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user)
    invitation = get_object_or_404(organisation_invitations(organisation), pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, revoked_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"The invitation to {invitation.email} has been withdrawn. Its link no longer works.",
        )
    return redirect("providers:member_list")


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: no sign-in needed, the token is the credential.

    Unknown, used, withdrawn and expired links each get a page saying what happened and what to
    do next, rather than an error.
    """
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(
            request, "providers/invitation_unusable.html", {"reason": "unknown"}, status=404
        )
    status = invitation.status
    if status != InvitationStatus.PENDING:
        return render(
            request,
            "providers/invitation_unusable.html",
            {"reason": status.value, "invitation": invitation},
            status=410,
        )
    if request.user.is_authenticated:
        return render(
            request,
            "providers/invitation_signed_in.html",
            {"invitation": invitation, "membership": membership_for_user(request.user)},
        )
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend="accounts.backends.ModelBackend")
            messages.success(
                request,
                f"Welcome, {user.full_name}. Your account is ready and you are signed in as a "
                f"{user.membership.get_role_display().lower()} of {invitation.organisation.name}"
                + (
                    ", with the right to sign declarations and submit applications."
                    if user.membership.can_sign
                    else "."
                ),
            )
            return redirect("home")
    return render(
        request, "providers/invitation_accept.html", {"form": form, "invitation": invitation}
    )
