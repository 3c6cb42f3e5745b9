"""Showing people: email addresses that wrap only where a reader expects them to."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _wrappable(value: str) -> str:
    """The escaped address with a break opportunity after the "@" and before each dot."""
    local, at, domain = value.rpartition("@")
    if not at:
        local, domain = "", value
    return (
        escape(local).replace(".", "<wbr>.")
        + ("@<wbr>" if at else "")
        + escape(domain).replace(".", "<wbr>.")
    )


@register.filter
def email_address(value) -> SafeString:
    """An email address that may wrap after the "@" and before a dot, never mid-word.

    Narrow screens and table cells used to break addresses anywhere ("hannah.oka / for@…").
    ``<wbr>`` offers the sensible break points; the ``text-email`` class stops the browser
    from breaking elsewhere unless a single part is wider than the screen.
    """
    if not value:
        return mark_safe("")
    return mark_safe(f'<span class="text-email">{_wrappable(str(value))}</span>')


@register.filter
def email_link(value) -> SafeString:
    """The same, as a link that starts an email to the address."""
    if not value:
        return mark_safe("")
    href = escape(f"mailto:{value}")
    return mark_safe(f'<a class="text-email" href="{href}">{_wrappable(str(value))}</a>')
