"""Absolute links for emails (and, later, reports and certificates), which leave the request."""

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """``path`` on the portal's public address (PORTAL_BASE_URL)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def absolute_reverse(name: str, *args, **kwargs) -> str:
    """The absolute link to a named URL, as ``reverse`` takes it."""
    return absolute_url(reverse(name, args=args or None, kwargs=kwargs or None))
