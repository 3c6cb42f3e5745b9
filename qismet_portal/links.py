"""Links and labels the pages and emails build: absolute links for emails (which leave the request),
and cheap per-row URLs and times for long tables."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone


def absolute_url(path: str) -> str:
    """``path`` on the portal's public address (PORTAL_BASE_URL)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def absolute_reverse(name: str, *args, **kwargs) -> str:
    """The absolute link to a named URL, as ``reverse`` takes it."""
    return absolute_url(reverse(name, args=args or None, kwargs=kwargs or None))


def url_for_each(name: str, *args, placeholder: str):
    """A function giving the URL of ``name`` for each value of its last argument, reversing the
    pattern once: a page that links every one of forty rows pays for one ``reverse``, not forty.
    The last argument must be an ``int`` path converter (``<int:...>``)."""
    marker = 999_999_999
    template = reverse(name, args=[*args, marker])
    head, _, tail = template.rpartition(str(marker))

    def url(value: int) -> str:
        return f"{head}{int(value)}{tail}"

    url.__doc__ = f"URL of {name} ({placeholder})"
    return url


def saved_at_label(moment) -> str:
    """ "5 Dec 2026, 14:05" in the portal's time zone, as the row tables show when a thing was
    saved (the same as the template filter ``date:"j M Y, H:i"``, without its cost per row)."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y, %H:%M}"
