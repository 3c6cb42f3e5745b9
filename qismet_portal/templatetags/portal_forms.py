"""The error summary and the "Error:" title prefix, drawn by the shared layout for any page whose
context holds a refused form or formset (see qismet_portal/forms.py)."""

from __future__ import annotations

from typing import Any

from django import template

from qismet_portal.forms import SummaryError, page_errors

register = template.Library()

_CACHE_KEY = "_portal_page_errors"


def _errors(context: template.Context) -> list[SummaryError]:
    """The page's problems, worked out once per render (the title and the summary both ask)."""
    render_context = context.render_context
    if _CACHE_KEY not in render_context:
        render_context[_CACHE_KEY] = page_errors(context.flatten().values())
    return render_context[_CACHE_KEY]


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    """'Error: ' when the page shows a refused form, so screen readers hear it first."""
    return "Error: " if _errors(context) else ""


@register.inclusion_tag("components/_error_summary.html", takes_context=True)
def error_summary(
    context: template.Context, messages: list[Any] | None = None, target: str = ""
) -> dict[str, Any]:
    """The "There is a problem" box: each problem of the page's refused forms, linked to its
    field. A page whose problems are not a Django form's (a streamed upload, say) passes them
    as ``messages`` with the id of the field they belong to as ``target``."""
    errors = list(_errors(context))
    errors.extend(SummaryError(str(message), target) for message in messages or [])
    return {"errors": errors}
