"""The header and footer every page draws, rendered once per distinct input and then reused.

The navigation bar is a pure function of a handful of values (signed in or not, the role, the
section being viewed, the name and role shown, the unread count): thirteen links reversed and
two dozen conditions evaluated on every page for an answer that rarely changes. ``site_header``
works out those values and renders ``components/_navbar.html`` from them alone (it never sees
the request or the user), so the same values always give the same HTML and the result can be
kept per process without ever going stale. With ``DEBUG`` on, templates are re-read on change,
so nothing is kept.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    request = context.get("request")
    user = context.get("user")
    signed_in = _signed_in(user)
    match = getattr(request, "resolver_match", None)
    values = {
        "signed_in": signed_in,
        "url_name": getattr(match, "url_name", None),
        "app_name": getattr(match, "app_name", None),
        "role": context.get("user_role") if signed_in else None,
        "name": (user.full_name or user.email) if signed_in else "",
        "role_label": _role_label(user) if signed_in else "",
        "unread": _count(context.get("unread_notification_count")) if signed_in else 0,
        "prefix": get_script_prefix(),
    }
    return _render("components/_navbar.html", **values)


@register.simple_tag(takes_context=True)
def site_footer(context: template.Context) -> SafeString:
    signed_in = _signed_in(context.get("user"))
    return _render("components/_footer.html", signed_in=signed_in, prefix=get_script_prefix())


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _count(value) -> int:
    """The unread count, whether annotated (an int) or counted lazily (accounts.context_processors
    gives a lazy object when the user was loaded without it)."""
    return int(str(value)) if value else 0


def _role_label(user) -> str:
    from providers.selectors import membership_for_user

    membership = membership_for_user(user) if user.is_provider_user else None
    return membership.roles_label if membership is not None else user.get_role_display()


def _render(template_name: str, **values) -> SafeString:
    if settings.DEBUG:
        return _render_now(template_name, tuple(sorted(values.items())))
    return _render_kept(template_name, tuple(sorted(values.items())))


def _render_now(template_name: str, values: tuple) -> SafeString:
    return render_to_string(template_name, dict(values))  # already safe: a rendered template


# Bounded: the inputs include people's names and unread counts.
_render_kept = lru_cache(maxsize=4096)(_render_now)
