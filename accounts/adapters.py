from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter

from qismet_portal.client_ip import client_bucket

from . import throttle


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by public sign-up.

    Sign-in throttling is the portal's own (accounts/throttle.py) rather than allauth's
    `login_failed` limit, which counts per account alone and so lets anyone lock a known account.
    """

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Only two-step codes are counted under allauth's "login_failed" limit here.
        "too_many_login_attempts": (
            "Too many wrong codes. Wait 5 minutes, then enter the code your app shows."
        ),
        "rate_limited": "Too many wrong codes. Wait 5 minutes, then try again.",
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_password_change_redirect_url(self, request) -> str:
        """After changing a password, go back to the profile rather than an empty form."""
        from django.urls import reverse

        return reverse("profile")

    def get_reauthentication_methods(self, user) -> list[dict]:
        """allauth's ways to confirm it is you, in the portal's words."""
        wording = {
            "reauthenticate": "Use your password",
            "mfa_reauthenticate": "Use a code from your authenticator app or a recovery code",
            "mfa_reauthenticate:webauthn": "Use your passkey",
        }
        return [
            {**method, "description": wording.get(method["id"], method["description"])}
            for method in super().get_reauthentication_methods(user)
        ]

    def get_client_ip(self, request) -> str:
        """The client behind our own reverse proxy only (a forged X-Forwarded-For is ignored),
        counted by its /64 network for IPv6: allauth's own limits key on this."""
        return client_bucket(request)

    @staticmethod
    def _login_of(credentials: dict) -> str:
        return credentials.get("email") or credentials.get("username") or ""

    def pre_authenticate(self, request, **credentials) -> None:
        login = self._login_of(credentials)
        self._signin_attempt = throttle.attempt(request, login)
        if self._signin_attempt.refused:
            from .views import signin_throttled

            limit = throttle.limits()[self._signin_attempt.refused]
            raise ImmediateHttpResponse(
                signin_throttled(request, login=login, wait_seconds=limit.seconds)
            )

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        attempt = getattr(self, "_signin_attempt", None)
        if user and attempt:
            attempt.hand_back()
        return user

    def authentication_failed(self, request, **credentials) -> None:
        """At the account ceiling, email the owner (once) a link that lifts it."""
        attempt = getattr(self, "_signin_attempt", None)
        login = self._login_of(credentials)
        if (
            attempt
            and attempt.reached_account_ceiling
            and throttle.should_notify_owner(request, login)
        ):
            from .services import user_send_signin_unlock_link

            user_send_signin_unlock_link(email=login)


class MFAAdapter(DefaultMFAAdapter):
    """Two-step verification in the portal's words; staff cannot remove their last second factor.

    Administrators and assessors must sign in with a second factor (accounts/two_step.py), so
    removing their only one (an authenticator app or a passkey) would just send them straight back
    to set up another. With both, or with two passkeys, either may go.
    """

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Administrators and assessors must use two-step verification, so it cannot be "
            "turned off. Add another passkey or an authenticator app first, then remove this one."
        ),
        "cannot_generate_recovery_codes": (
            "Set up an authenticator app or a passkey before you make recovery codes."
        ),
        "incorrect_code": (
            "The code is not right. Enter the 6-digit code your authenticator app shows now, "
            "or one of your recovery codes"
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        from .two_step import SECOND_FACTORS, two_step_required

        if not two_step_required(authenticator.user):
            return True
        others = authenticator.user.authenticator_set.filter(type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return authenticator.type not in SECOND_FACTORS or others.exists()

    def generate_authenticator_name(self, user, authenticator_type) -> str:
        """The name a new passkey is offered: "Passkey", then "Passkey 2" and so on."""
        from allauth.mfa.models import Authenticator

        count = Authenticator.objects.filter(user_id=user.pk, type=authenticator_type).count()
        return "Passkey" if count == 0 else f"Passkey {count + 1}"
