"""Two-step verification: staff sign in with a second factor before they reach anything.

Administrators and assessors (settings.TWO_STEP_REQUIRED_ROLES) must use a second factor: an
authenticator app (TOTP) or a passkey (WebAuthn), or both, with recovery codes, from
django-allauth's MFA app. Provider users may turn it on from their profile; nothing forces them.

How a staff sign-in goes:

* with an authenticator app or a passkey set up: password, then allauth's second step
  (``mfa_authenticate``: the app's code, the passkey, or a recovery code); only then is the
  session signed in. allauth records each step in the session (``record_authentication``): a
  record with method "mfa" is what "signed in with the second factor" means here;
* with a passkey they chose to use without a password: the passkey alone, from the sign-in page
  (``mfa_login_webauthn``). The device checks it is its owner (fingerprint, face, PIN or screen
  lock) and allauth records a "mfa" step (``passwordless``), so it satisfies the rule as it is;
* with none set up yet (a new assessor, say): the password signs them in, and
  ``StaffTwoStepMiddleware`` sends every request to the set-up page (``mfa_activate_totp``), which
  also offers a passkey instead (``mfa_add_webauthn``). Setting either up proves the new factor
  works (a code the app made, a passkey the device made for this very request), so it counts as
  the second factor for that session (``record_setup_as_authentication``, from
  ``accounts.views.two_step_activate`` and ``accounts.views.passkey_add``, which take over
  allauth's URLs) and they go on to their recovery codes;
* a session signed in some other way (one made before two-step verification existed, or by a
  password reset) while a second factor exists is sent to ``mfa_reauthenticate`` for a code, or,
  with passkeys only, to ``mfa_reauthenticate_webauthn`` for the passkey (which offers the
  recovery codes in turn).

What a signed-in administrator or assessor may reach without a second factor in the session:

* always: sign-out, the health report, robots.txt, static files (allauth's passkey scripts among
  them), and the public pages anyone may read signed out (``PUBLIC_VIEWS``: the standards'
  "about" page, asking for a provider account, the emailed sign-in unlock link, the public
  register of accredited programmes and certificate verification);
* with no second factor yet: the set-up pages (an authenticator app, or a passkey) and the
  password confirmation allauth asks for before either (``account_reauthenticate``), plus the
  two-step overview;
* with a second factor: the pages asking for it (``mfa_reauthenticate`` for a code,
  ``mfa_reauthenticate_webauthn`` for a passkey).

Everything else (every application, the home page, the profile, the recovery codes) answers with a
redirect there, the page asked for kept as ``next`` for a GET; htmx requests get an ``HX-Redirect``.
Recovery codes are deliberately not open before the second factor: reading them with a password
alone would be a way round it.

Accepted risk: whoever first signs in with a staff member's password and no second factor set up
can set one up. Staff accounts are created by an administrator and invited by email, and the
owner finds out when their own set-up is refused.

Once the session holds the "mfa" record the middleware makes no database query at all.
Staff cannot remove their last second factor, whether an authenticator app or a passkey
(``accounts.adapters.MFAAdapter``; ``accounts.views.passkey_remove`` asks it, as allauth's own
passkey removal does not).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

#: Second factors that count: an authenticator app or a passkey (recovery codes only stand in).
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

ALWAYS_OPEN = {"account_logout", "health", "robots_txt"}
PUBLIC_VIEWS = {
    "standards:about",
    "providers:account_request",
    "providers:account_request_sent",
    "signin_unlock_request",
    "signin_unlock",
    "register:register",
    "register:verify",
    "register:verify_number",
    "register:verify_json",
}
OPEN_WITHOUT_DEVICE = {
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "account_reauthenticate",
    "mfa_index",
}
OPEN_WITH_DEVICE = {"mfa_reauthenticate", "mfa_reauthenticate_webauthn"}


def two_step_required(user) -> bool:
    """Whether this person must sign in with a second factor."""
    return bool(
        user.is_authenticated and getattr(user, "role", None) in settings.TWO_STEP_REQUIRED_ROLES
    )


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def second_factor_page(user) -> str | None:
    """Where this person gives their second factor: the code page when they have an
    authenticator app, the passkey page when they have passkeys only; None with neither."""
    types = set(
        Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).values_list(
            "type", flat=True
        )
    )
    if Authenticator.Type.TOTP in types:
        return "mfa_reauthenticate"
    if Authenticator.Type.WEBAUTHN in types:
        return "mfa_reauthenticate_webauthn"
    return None


def session_used_second_factor(request: HttpRequest) -> bool:
    """True when allauth recorded a second-factor step for this user in this session."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def record_setup_as_authentication(request: HttpRequest, authenticator: Authenticator) -> None:
    """Setting up an authenticator app means typing a code it made, and adding a passkey means
    the device answering this session's own challenge: the same proof allauth's second step asks
    for, so it is recorded the same way (method "mfa")."""
    record_authentication(
        request,
        authenticator.user,
        "mfa",
        id=authenticator.pk,
        type=authenticator.type,
        set_up=True,
    )


class StaffTwoStepMiddleware:
    """Sends a signed-in administrator or assessor to set up or enter their second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not two_step_required(user):
            return None
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if view_name in ALWAYS_OPEN or view_name in PUBLIC_VIEWS:
            return None
        if session_used_second_factor(request):
            return None
        page = second_factor_page(user)
        if page:
            if view_name in OPEN_WITH_DEVICE:
                return None
            return self._send_to(page, request)
        if view_name in OPEN_WITHOUT_DEVICE:
            return None
        return self._send_to("mfa_activate_totp", request)

    @staticmethod
    def _send_to(url_name: str, request: HttpRequest) -> HttpResponse:
        url = reverse(url_name)
        if request.method in {"GET", "HEAD"} and not getattr(request, "htmx", False):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


# --- the demo aid ------------------------------------------------------------------------------


def demo_code_for(user) -> str | None:
    """Today's code for a demo account, for the embedded demo's two-step page; None otherwise.

    Shown only when DEBUG and TWO_STEP_DEMO_SHOW_CODE are both on (production settings refuse
    the latter), and only for an account whose authenticator uses the published demo secret, so
    it can never reveal a code anyone else could not already work out.
    """
    if not (settings.DEBUG and getattr(settings, "TWO_STEP_DEMO_SHOW_CODE", False)):
        return None
    if user is None or user.pk is None:
        return None
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    from .demo import DEMO_TOTP_SECRET

    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None or decrypt(totp.data["secret"]) != DEMO_TOTP_SECRET:
        return None
    code = format_hotp_value(
        hotp_value(DEMO_TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD)
    )
    return f"{code[:3]} {code[3:]}"
