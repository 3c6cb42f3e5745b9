"""What every form of the portal shares: specific error messages, no browser validation bubbles,
and the list of problems the page's error summary shows.

The pattern is the GOV.UK one: when a form is refused, the page title starts "Error:", a box
headed "There is a problem" at the top of the page takes focus and links to each field in
trouble, and each field says what to do beside it ("Enter your full name", not "This field is
required."). The summary is rendered by the shared layout (templates/base.html through the
``portal_forms`` template tags) from whatever bound forms and formsets the page's context holds,
so a new form page gets it without doing anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.forms.formsets import BaseFormSet

_DEFAULT_REQUIRED = str(forms.Field.default_error_messages["required"])
#: Django's generic messages, replaced by ones that name the field; anything a form sets
#: itself is left alone.
_GENERIC = {
    str(message)
    for message in (
        _DEFAULT_REQUIRED,
        forms.EmailField.default_error_messages.get("invalid", ""),
        forms.IntegerField.default_error_messages["invalid"],
        forms.DecimalField.default_error_messages["invalid"],
        forms.ChoiceField.default_error_messages["invalid_choice"],
        forms.ModelChoiceField.default_error_messages["invalid_choice"],
        forms.FileField.default_error_messages["invalid"],
        forms.FileField.default_error_messages["missing"],
        forms.FileField.default_error_messages["empty"],
    )
}
_ACRONYM_OR_NAME = ("NHS", "ODS", "QISMET", "Companies House", "UK")


def label_in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: 'Organisation name' → 'organisation name', but
    'NHS ODS code' and 'Companies House number' keep their capitals."""
    label = str(label or "").strip().rstrip(":?").strip()
    if not label or label.startswith(_ACRONYM_OR_NAME):
        return label
    first_word = label.split(" ", 1)[0]
    if first_word == "I" or (len(first_word) > 1 and first_word[1].isupper()):
        return label
    return label[0].lower() + label[1:]


def _with_article(phrase: str) -> str:
    """'title' → 'the title'; 'your full name' and 'their role' stay as they are."""
    first = phrase.split(" ", 1)[0].lower()
    if first in {"your", "their", "its", "the", "a", "an", "why", "how", "what", "who", "when"}:
        return phrase
    return f"the {phrase}"


def specific_messages(field: forms.Field, label: str) -> dict[str, str]:
    """Messages that name the field and say what to do, by the kind of field."""
    phrase = _with_article(label_in_sentence(label))
    widget = field.widget
    if isinstance(field, forms.FileField):
        return {
            "required": f"Choose {phrase} to upload"
            if phrase.startswith("the ")
            else f"Choose a file: {phrase}",
            "invalid": "The file could not be read: choose it again",
            "missing": "Choose a file to upload",
            "empty": "The file you chose is empty: choose another",
        }
    if isinstance(field, forms.BooleanField):
        return {"required": f"Tick the box: {label_in_sentence(label)}"}
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
        widget, forms.RadioSelect | forms.Select | forms.CheckboxSelectMultiple
    ):
        return {
            "required": f"Select {phrase}",
            "invalid_choice": f"Select {phrase} from the options shown",  # noqa: S608
        }
    messages = {"required": f"Enter {phrase}"}
    if isinstance(field, forms.EmailField):
        messages["invalid"] = (
            f"Enter {phrase} in the correct format, like name@example.com"
            if "email" in phrase
            else "Enter an email address in the correct format, like name@example.com"
        )
    elif isinstance(field, forms.IntegerField | forms.DecimalField):
        upper = phrase[0].upper() + phrase[1:]
        whole = not isinstance(field, forms.DecimalField | forms.FloatField)
        messages["invalid"] = f"{upper} must be a {'whole ' if whole else ''}number"
        messages["min_value"] = f"{upper} must be %(limit_value)s or more"
        messages["max_value"] = f"{upper} must be %(limit_value)s or less"
    if isinstance(field, forms.CharField) and field.max_length is not None:
        upper = phrase[0].upper() + phrase[1:]
        messages["max_length"] = (
            f"{upper} must be %(limit_value)d characters or fewer (it has %(show_value)d)"
        )
    return messages


def _apply_specific_messages(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        specific = specific_messages(field, field.label or "")
        for code, message in specific.items():
            current = field.error_messages.get(code)
            if current is None or str(current) in _GENERIC:
                field.error_messages[code] = message


class PortalFormMixin:
    """Every portal form: messages that name the field and say what to do.

    Explicit ``error_messages`` a form sets win; only Django's generic wording is replaced. The
    messages are worked out when the form is validated, from the labels as the form finally
    has them (forms often relabel or add fields in their own ``__init__``).
    """

    def full_clean(self) -> None:
        _apply_specific_messages(self)  # type: ignore[arg-type]
        super().full_clean()  # type: ignore[misc]


class PortalFormHelper(FormHelper):
    """crispy's FormHelper whose form tag always carries ``novalidate``: the browser's own
    bubbles ("Please fill out this field") would otherwise come before the portal's specific
    messages and error summary. Other attributes are added to it, never replace it."""

    def __init__(self, form: forms.BaseForm | None = None):
        self._attrs: dict[str, str] = {"novalidate": ""}
        super().__init__(form)

    @property
    def attrs(self) -> dict[str, str]:
        return self._attrs

    @attrs.setter
    def attrs(self, value: dict[str, str]) -> None:
        self._attrs = {"novalidate": "", **(value or {})}


# --- the error summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryError:
    """One line of the error summary: the message, and the id of the field it links to (empty
    for problems with the form as a whole)."""

    message: str
    target: str = ""


def field_anchor(bound_field: forms.BoundField) -> str:
    """The id the summary links to: the input itself, or the first option of a radio group or
    of a set of checkboxes (GOV.UK links to the first). Hidden fields have no anchor."""
    widget = bound_field.field.widget
    auto_id = bound_field.auto_id
    if not auto_id or widget.is_hidden:
        return ""
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{auto_id}_0"
    return bound_field.id_for_label or auto_id


def form_errors(form: forms.BaseForm) -> Iterator[SummaryError]:
    """A refused form's problems in the order of the page: the form's own, then each field's.

    Only a form the view has already validated counts: asking ``form.errors`` of any other
    bound form would validate it here, and a view may have had its reasons not to."""
    if not form.is_bound or form._errors is None or not form.errors:
        return
    for message in form.non_field_errors():
        yield SummaryError(str(message))
    for name in form.fields:
        if name in form.errors:
            target = field_anchor(form[name])
            for message in form.errors[name]:
                yield SummaryError(str(message), target)


def formset_errors(formset: BaseFormSet) -> Iterator[SummaryError]:
    """A formset's problems; a formset with a ``summary_label`` such as "Level {number}" says
    which of its forms each problem is in ("Level 2: Enter the level's label"). Problems of the
    formset as a whole link to ``#<prefix>-errors``, where a page that shows them gives them."""
    if not formset.is_bound or formset._errors is None:
        return
    for message in formset.non_form_errors():
        yield SummaryError(str(message), f"{formset.prefix}-errors")
    label = getattr(formset, "summary_label", "")
    for number, form in enumerate(formset.forms, start=1):
        for error in form_errors(form):
            if label:
                error = SummaryError(
                    f"{label.format(number=number)}: {error.message}", error.target
                )
            yield error


def page_errors(values: Iterable[Any]) -> list[SummaryError]:
    """Every problem of every refused form or formset among a page's context values, once each."""
    seen: set[int] = set()
    errors: list[SummaryError] = []
    for value in values:
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, BaseFormSet):
            for form in value.forms:
                seen.add(id(form))
            errors.extend(formset_errors(value))
        elif isinstance(value, forms.BaseForm):
            errors.extend(form_errors(value))
    return errors
