"""Two-step verification: staff sign in with a second factor before they reach anything.

Administrators and assessors (settings.TWO_STEP_REQUIRED_ROLES) must use a second factor: an
authenticator app (TOTP) with recovery codes, from django-allauth's MFA app. Provider users may turn
it on from their profile; nothing forces them.

How a staff sign-in goes:

* with an authenticator app set up: password, then allauth's "enter the code" step
  (``mfa_authenticate``); only then is the session signed in. allauth records each step in the
  session (``record_authentication``): a record with method "mfa" is what "signed in with the
  second factor" means here;
* with none set up yet (a new assessor, say): the password signs them in, and
  ``StaffTwoStepMiddleware`` sends every request to the set-up page (``mfa_activate_totp``).
  Setting up proves the code works, so it counts as the second factor for that session
  (``record_setup_as_authentication``, from ``accounts.views.two_step_activate``, which takes
  over allauth's ``mfa_activate_totp`` URL) and they go on to their recovery codes;
* a session signed in some other way (one made before two-step verification existed, or by a
  password reset) while an authenticator exists is sent to ``mfa_reauthenticate`` for a code.

What a signed-in administrator or assessor may reach without a second factor in the session:

* always: sign-out, the health report, robots.txt, static files, and the public pages anyone may
  read signed out (``PUBLIC_VIEWS``: the standards' "about" page, asking for a provider account,
  the emailed sign-in unlock link);
* with no authenticator yet: the set-up page and the password confirmation allauth asks for
  before it (``account_reauthenticate``), plus the two-step overview;
* with an authenticator: the page asking for its code (``mfa_reauthenticate``).

Everything else (every application, the home page, the profile, the recovery codes) answers with a
redirect there, the page asked for kept as ``next`` for a GET; htmx requests get an ``HX-Redirect``.
Recovery codes are deliberately not open before the second factor: reading them with a password
alone would be a way round it.

Accepted risk: whoever first signs in with a staff member's password and no authenticator set up
can set one up. Staff accounts are created by an administrator and invited by email, and the
owner finds out when their own set-up is refused.

Once the session holds the "mfa" record the middleware makes no database query at all.
Staff cannot turn their authenticator app off (``accounts.adapters.MFAAdapter``).
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

#: Second factors that count: a passkey would count too once turned on.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

ALWAYS_OPEN = {"account_logout", "health", "robots_txt"}
PUBLIC_VIEWS = {
    "standards:about",
    "providers:account_request",
    "providers:account_request_sent",
    "signin_unlock_request",
    "signin_unlock",
}
OPEN_WITHOUT_DEVICE = {"mfa_activate_totp", "account_reauthenticate", "mfa_index"}
OPEN_WITH_DEVICE = {"mfa_reauthenticate"}


def two_step_required(user) -> bool:
    """Whether this person must sign in with a second factor."""
    return bool(
        user.is_authenticated and getattr(user, "role", None) in settings.TWO_STEP_REQUIRED_ROLES
    )


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def session_used_second_factor(request: HttpRequest) -> bool:
    """True when allauth recorded a second-factor step for this user in this session."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def record_setup_as_authentication(request: HttpRequest, authenticator: Authenticator) -> None:
    """Setting up an authenticator app means typing a code it made: the same proof allauth's
    code step asks for, so it is recorded the same way (method "mfa")."""
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
        if has_second_factor(user):
            if view_name in OPEN_WITH_DEVICE:
                return None
            return self._send_to("mfa_reauthenticate", request)
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
