from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse

from qismet_portal.client_ip import client_bucket

from . import throttle


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by public sign-up.

    Sign-in throttling is the portal's own (accounts/throttle.py) rather than allauth's
    `login_failed` limit, which counts per account alone and so lets anyone lock a known account.
    """

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_password_change_redirect_url(self, request) -> str:
        """After changing a password, go back to the profile rather than an empty form."""
        from django.urls import reverse

        return reverse("profile")

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
