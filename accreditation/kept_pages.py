"""Application pages kept in the cache while nothing they show has changed.

A provider moving between the criteria of an application, or an assessor between the criteria
they score, asks for the same pages again and again while nothing on them changes. ``kept_page``
keeps the whole page the view drew, under a key made of:

* the application's **change count** (``ApplicationChanges``), which database triggers raise
  whenever anything the application's pages show is written, by any code path: so a kept page is
  only ever reused while it is exactly what the view would draw now;
* **who is looking** (the person, what the header shows of them, their unread count), their
  session and their CSRF cookie: a page is only ever served to the session it was drawn for, so
  one assessor's scores never reach the other (blind marking) and the forms' CSRF tokens stay
  valid;
* the page's address with its query, and today's date (pages say "due in 3 days").

A kept page costs one small query (the count) instead of the view's reads and its drawing.
Only successful GET requests of providers and assessors are kept: not htmx fragments, not a
page with a message to show (the message is shown once, by the view), and never a refusal.
Administrators' pages are always drawn afresh: they show the assessor pool (profiles, declared
interests) and queues across applications, which the count does not cover.

The cache is each process's own memory (``CACHES["pages"]``): nothing is ever invalidated, so
nothing needs sharing, and a Redis outage cannot touch it. ``KEPT_PAGE_SECONDS`` bounds how long
a page is kept (0 turns keeping off, as does a ``CACHES`` without "pages"). Pages also show
settings (the upload limits, the portal's name); those change only with a restart, which
empties the cache, except in tests, where ``forget_kept_pages`` drops every kept page when a
setting is overridden.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import Role
from qismet_portal.fragments import fingerprint

#: The roles whose pages are kept (see the module's docstring for administrators).
KEPT_ROLES = frozenset({Role.PROVIDER, Role.ASSESSOR})

#: The cache the pages are kept in (``CACHES``); a configuration without it keeps nothing.
PAGES_CACHE = "pages"


def change_count(application_id: int) -> int:
    """How many times anything application ``application_id``'s pages show has changed.

    One primary-key read, written as SQL: it runs on every request for a kept page, and building
    the same read through the ORM costs several times what the database spends on it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count FROM accreditation_applicationchanges WHERE application_id = %s",
            [application_id],
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def _unread(user) -> int | None:
    value = getattr(user, "unread_notification_count", None)
    return value if isinstance(value, int) else None


def _key(request: HttpRequest, application_id: int) -> str | None:
    """The page's key, or None when this request's page must not be kept or reused."""
    if settings.KEPT_PAGE_SECONDS <= 0 or request.method != "GET" or not _has_cache():
        return None
    user = request.user
    if not user.is_authenticated or user.role not in KEPT_ROLES:
        return None
    csrf_secret = request.META.get("CSRF_COOKIE")
    unread = _unread(user)
    session_key = request.session.session_key
    if not csrf_secret or unread is None or not session_key:
        return None
    if getattr(request, "htmx", False) or len(messages.get_messages(request)):
        return None
    return "kept-page:" + fingerprint(
        request.resolver_match.view_name,
        request.get_full_path(),
        session_key,
        csrf_secret,
        user.pk,
        user.role,
        user.full_name,
        user.email,
        unread,
        timezone.localdate().isoformat(),
        application_id,
        change_count(application_id),
    )


def _keepable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(name.lower().startswith("hx-") for name in response.headers)
    )


def _has_cache() -> bool:
    """Whether ``CACHES`` has the pages' cache (without it, nothing is kept)."""
    return PAGES_CACHE in settings.CACHES


def forget_kept_pages(**_kwargs) -> None:
    """Drop every page this process keeps (connected to ``setting_changed``)."""
    if _has_cache():
        caches[PAGES_CACHE].clear()


def kept_page(view):
    """Keep ``view``'s page (a view of one application, ``pk``) while nothing on it changes."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        key = _key(request, pk)
        if key is None:
            return view(request, pk, *args, **kwargs)
        pages = caches[PAGES_CACHE]
        kept = pages.get(key)
        if kept is not None:
            content, headers = kept
            return HttpResponse(content, headers=headers)
        response = view(request, pk, *args, **kwargs)
        if _keepable(response):
            pages.set(key, (response.content, dict(response.headers)), settings.KEPT_PAGE_SECONDS)
        return response

    return wrapped
