from allauth.mfa.totp.internal.flows import activate_totp as activate_totp_flow
from allauth.mfa.totp.views import ActivateTOTPView as AllauthActivateTOTPView
from allauth.mfa.webauthn.internal import flows as passkey_flows
from allauth.mfa.webauthn.views import AddWebAuthnView as AllauthAddWebAuthnView
from allauth.mfa.webauthn.views import (
    ReauthenticateWebAuthnView as AllauthReauthenticateWebAuthnView,
)
from allauth.mfa.webauthn.views import RemoveWebAuthnView as AllauthRemoveWebAuthnView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from providers.selectors import organisation_for_user
from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

from . import services, throttle
from .forms import AssessorCreateForm, ProfileForm, RemovePasskeyForm, SigninUnlockRequestForm
from .models import Role, User
from .selectors import assessor_list
from .two_step import SECOND_FACTORS, has_second_factor, record_setup_as_authentication


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, "Your profile has been saved.")
        return redirect("profile")
    organisation = organisation_for_user(request.user)
    context = {
        "form": form,
        "organisation": organisation,
        "two_step_on": has_second_factor(request.user),
    }
    return render(request, "accounts/profile.html", context)


class TwoStepActivateView(AllauthActivateTOTPView):
    """allauth's "set up an authenticator app" page, which also records the set-up as this
    session's second factor (accounts/two_step.py), so staff carry on without a second code."""

    def form_valid(self, form) -> HttpResponse:
        totp, recovery_codes = activate_totp_flow(self.request, form)
        self.did_generate_recovery_codes = bool(recovery_codes)
        record_setup_as_authentication(self.request, totp)
        return redirect(self.get_success_url())


two_step_activate = TwoStepActivateView.as_view()


class PasskeyAddView(AllauthAddWebAuthnView):
    """allauth's "add a passkey" page, which also records the new passkey as this session's
    second factor (accounts/two_step.py): the device answered this session's own challenge."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        # allauth's own builds a fresh form, which would lose a refused form's messages.
        if "form" in kwargs:
            context["form"] = kwargs["form"]
        context["has_second_factor"] = has_second_factor(self.request.user)
        return context

    def form_valid(self, form) -> HttpResponse:
        passkey, recovery_codes = passkey_flows.add_authenticator(
            self.request,
            name=form.cleaned_data["name"],
            credential=form.cleaned_data["credential"],
        )
        self.did_generate_recovery_codes = bool(recovery_codes)
        record_setup_as_authentication(self.request, passkey)
        return redirect(self.get_success_url())


passkey_add = PasskeyAddView.as_view()


class PasskeyReauthenticateView(AllauthReauthenticateWebAuthnView):
    """allauth's "use your passkey" page for a signed-in person; a passkey that is not accepted
    is said on the page itself, the page asked for kept, rather than on the sign-in page."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        if "form" in kwargs:
            context["form"] = kwargs["form"]
        return context

    def form_invalid(self, form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form))


passkey_reauthenticate = PasskeyReauthenticateView.as_view()


class PasskeyRemoveView(AllauthRemoveWebAuthnView):
    form_class = RemovePasskeyForm
    success_url = reverse_lazy("mfa_index")

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["authenticator"] = self.object
        # Bound from the start, as for allauth's "turn off the app": a refusal shows before the
        # button is pressed.
        kwargs.setdefault("data", {})
        return kwargs

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        others = self.request.user.authenticator_set.filter(type__in=SECOND_FACTORS).exclude(
            pk=self.object.pk
        )
        context["is_last_second_factor"] = not others.exists()
        return context


passkey_remove = PasskeyRemoveView.as_view()


@permission_required("accounts.manage_assessors")
def assessor_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/assessor_list.html", {"assessors": assessor_list()})


@permission_required("accounts.manage_assessors")
def assessor_create(request: HttpRequest) -> HttpResponse:
    form = AssessorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create_and_invite(
                role=Role.ASSESSOR, created_by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Assessor account created. We have emailed {user.email} a link to set a password.",
            )
            return redirect("assessor_list")
    return render(request, "accounts/assessor_form.html", {"form": form})


@require_POST
@permission_required("accounts.manage_assessors")
def assessor_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    assessor = get_object_or_404(User.objects.assessors(), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=assessor, active=active, changed_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        state = "reactivated" if active else "deactivated: they can no longer sign in"
        messages.success(request, f"{assessor.full_name}'s account has been {state}.")
    return redirect("assessor_list")


@require_POST
@permission_required("accounts.manage_assessors")
def assessor_resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    assessor = get_object_or_404(User.objects.assessors(), pk=pk)
    try:
        services.user_resend_invitation(user=assessor, sent_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"We have emailed {assessor.email} a new link to set a password. Earlier links no "
            "longer work.",
        )
    return redirect("assessor_list")


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


# --- sign-in throttling ------------------------------------------------------------------------


def signin_throttled(request: HttpRequest, *, login: str, wait_seconds: int) -> HttpResponse:
    """The plain 429 page for a paused sign-in, offering an unlock link by email.

    It reads the same whether or not an account has that address: the counters behind it count
    every address typed, known or not.
    """
    form = SigninUnlockRequestForm(initial={"email": throttle.normalise_login(login)})
    context = {"signin": True, "unlock_form": form, "wait_minutes": max(1, wait_seconds // 60)}
    return render(request, "429.html", context, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def signin_unlock_request(request: HttpRequest) -> HttpResponse:
    """Ask for an unlock link. Only the account's own address ever receives it, and the answer
    is the same whether or not an account exists."""
    form = SigninUnlockRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if throttle.allow_unlock_request(request, email):
            services.user_send_signin_unlock_link(email=email)
        return render(request, "accounts/signin_unlock_sent.html", {"email": email})
    return render(request, "accounts/signin_unlock_request.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def signin_unlock(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: confirming lifts the pause on this one account (a GET changes nothing,
    so a mail scanner following the link does no harm)."""
    user = throttle.unlock_token_user(token)
    if user is None:
        return render(request, "accounts/signin_unlock_invalid.html", status=400)
    if request.method == "POST":
        throttle.clear_account(request, user.email)
        messages.success(request, "Signing in to your account is open again.")
        return redirect("account_login")
    return render(request, "accounts/signin_unlock_confirm.html", {"account_email": user.email})


# --- portal notifications -------------------------------------------------------------------

NOTIFICATIONS_PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first. Looking does not mark them read:
    opening one (a POST) or "Mark all as read" does."""
    from django.core.paginator import Paginator

    from .selectors import notifications_for_user

    page = Paginator(notifications_for_user(request.user), NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/notification_list.html",
        {"page": page, "notifications": page.object_list},
    )


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    from django.utils.http import url_has_allowed_host_and_scheme

    notification = services.notification_open(user=request.user, notification_id=pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications")


@require_POST
@login_required
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(
            request, f"{count} notification{'s' if count != 1 else ''} marked as read."
        )
    return redirect("notifications")
