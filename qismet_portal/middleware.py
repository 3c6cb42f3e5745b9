"""Response headers that protect people's data once they are signed in.

* ``Permissions-Policy`` on every response: the portal needs no camera, microphone, location,
  payment, USB or ad-topics API, so none may be used by any page or anything injected into one.
  Passkeys (creating one, signing in with one) are allowed for the portal's own pages only.
* ``Cache-Control: no-store`` (with ``private``) and ``X-Robots-Tag: noindex`` on every response
  to a signed-in person, and on any response that sets the session cookie: applications, evidence
  and decisions must not stay in a shared computer's browser cache or in a proxy, and are never
  for search engines. Static files carry no user and keep their long cache lifetime.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def permissions_policy() -> str:
    denied = [f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED]
    own_pages = [f"{feature}=(self)" for feature in settings.PERMISSIONS_POLICY_SELF]
    return ", ".join(denied + own_pages)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = permissions_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        if self._is_personal(request, response):
            add_never_cache_headers(response)
            response.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response

    @staticmethod
    def _is_personal(request: HttpRequest, response: HttpResponse) -> bool:
        if settings.SESSION_COOKIE_NAME in response.cookies:
            return True
        user = getattr(request, "user", None)  # absent for whitenoise's static files
        return bool(user is not None and user.is_authenticated)
