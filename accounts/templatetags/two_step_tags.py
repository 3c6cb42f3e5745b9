"""Two-step verification pages: whether a second factor may be removed, asked of the same rule
that refuses it (accounts.adapters.MFAAdapter), so no page offers what would be refused."""

from allauth.mfa.adapter import get_adapter
from django import template

register = template.Library()


@register.filter
def can_be_removed(authenticator) -> bool:
    """``authenticator``: an allauth Authenticator, or the wrapper allauth's pages list."""
    if not authenticator:
        return False
    instance = getattr(authenticator, "instance", authenticator)
    return get_adapter().can_delete_authenticator(instance)
