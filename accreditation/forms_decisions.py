"""Forms for moderation, the recommendation, the decision and conditions. They validate and lay
out; the services act (and check again)."""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .forms_scoring import LevelOptionsMixin, level_descriptions
from .models import NOT_APPLICABLE, Outcome

TEXT_MAX = 10_000


def _helper(*, submit: str, name: str = "save", form_tag: bool = True) -> PortalFormHelper:
    helper = PortalFormHelper()
    helper.form_tag = form_tag
    if submit:
        helper.add_input(Submit(name, submit))
    return helper


def _button(name: str, value: str, classes: str) -> Submit:
    """A second button in its own colours: crispy's ``css_class`` would add to its default
    ``btn btn-primary`` (white text on the outline button's light background)."""
    button = Submit(name, value)
    button.field_classes = classes
    return button


def _textarea(label: str, *, required: bool = False, rows: int = 4, **kwargs: Any):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class AgreedScoreForm(LevelOptionsMixin, PortalFormMixin, forms.Form):
    """Drawn by hand (``_score_fields.html``), like the assessor's score form."""

    level = forms.ChoiceField(label="Agreed level", widget=forms.RadioSelect)
    rationale = _textarea("Rationale")  # its help names the top level (set in __init__)
    strengths = _textarea("Strengths", rows=3)
    improvements = _textarea("Areas for improvement", rows=3)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, scale: list[dict], na_label: str, na_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(level["code"], level["label"]) for level in scale]
        if na_allowed:
            choices.append((NOT_APPLICABLE, na_label))
        self.fields["level"].choices = choices
        self.top_level = scale[0]["code"]
        self.descriptions = level_descriptions(scale, na_allowed=na_allowed)
        self.fields["rationale"].help_text = (
            f"Needed for every level except “{scale[0]['label']}”. The provider reads it in the "
            "report."
        )

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("level")
        if level and level != self.top_level and not (cleaned.get("rationale") or "").strip():
            self.add_error("rationale", "Write the rationale: it is required below the top level")
        return cleaned


class RecommendationForm(PortalFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Recommended outcome", choices=Outcome.choices, widget=forms.RadioSelect
    )
    summary = _textarea("Summary", required=True, rows=6)
    proposed_conditions = _textarea(
        "Proposed conditions",
        rows=5,
        help_text=(
            "One condition a line, for accreditation with conditions. The administrator who "
            "decides starts from these."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Save as draft")
        self.helper.add_input(_button("send", "Send for a decision", "btn btn-success"))

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == Outcome.CONDITIONAL
            and not (cleaned.get("proposed_conditions") or "").strip()
        ):
            self.add_error(
                "proposed_conditions",
                "Enter the proposed conditions for accreditation with conditions",
            )
        return cleaned


class DecisionForm(PortalFormMixin, forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices, widget=forms.RadioSelect)
    reasons = _textarea("Reasons for the decision", required=True, rows=5)
    override_reason = _textarea(
        "Why the outcome differs from the rule's suggestion",
        rows=3,
        help_text="Required only when you choose an outcome other than the one suggested.",
    )

    def __init__(self, *args: Any, suggested: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.suggested = suggested
        self.helper = _helper(submit="", form_tag=False)
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if (
            outcome
            and outcome != self.suggested
            and not (cleaned.get("override_reason") or "").strip()
        ):
            self.add_error(
                "override_reason",
                f"Say why you chose “{Outcome(outcome).label}” when the rule suggests "
                f"“{Outcome(self.suggested).label}”",
            )
        return cleaned


class ConditionForm(PortalFormMixin, forms.Form):
    """One condition. A row may be left empty (the spare rows are), so neither field is required
    on its own; a row with one of them needs the other."""

    description = forms.CharField(
        label="Condition",
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_on = forms.DateField(
        label="Deadline",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the deadline as a date, like 31/12/2026"},
    )

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on is not None and due_on <= timezone.localdate():
            raise forms.ValidationError("The deadline must be after today")
        return due_on

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        description = (cleaned.get("description") or "").strip()
        if description and not cleaned.get("due_on") and "due_on" not in self.errors:
            self.add_error("due_on", "Enter the condition's deadline")
        if not description and cleaned.get("due_on"):
            self.add_error("description", "Enter the condition, or clear its deadline")
        return cleaned


class BaseConditionFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="", form_tag=False)
        self.helper.disable_csrf = True

    def filled(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.cleaned_data.get("description") or "").strip()
        ]


ConditionFormSet = forms.formset_factory(
    ConditionForm,
    formset=BaseConditionFormSet,
    extra=2,
    max_num=20,
    can_delete=True,
    can_delete_extra=False,  # a spare row is left empty, not deleted
)


def default_deadline() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=90)


class ConditionResponseForm(PortalFormMixin, forms.Form):
    response = _textarea(
        "How the condition has been met",
        required=True,
        rows=6,
        help_text="Say what you have changed, and where in your files QISMET can see it.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="", form_tag=False)
        self.helper.disable_csrf = True


class ConditionReviewForm(PortalFormMixin, forms.Form):
    note = _textarea(
        "Note",
        rows=3,
        help_text="Optional when signing off. Required when sending it back: say what is missing.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Sign off this condition", name="sign_off")
        self.helper.add_input(
            _button("send_back", "Send back to the provider", "btn btn-outline-danger")
        )
