"""The assessor's score form. Validates and lays out; ``services.scoring.score_save`` acts."""

from __future__ import annotations

from typing import Any

from django import forms

from qismet_portal.forms import PortalFormMixin
from standards.models import Criterion, StandardVersion

from .models import NOT_APPLICABLE
from .services.scoring import RATIONALE_MAX, level_choices, top_level


class LevelOptionsMixin:
    """For a form with a ``level`` choice and ``descriptions`` (level code → what it means): the
    radio options as ``_score_fields.html`` draws them."""

    descriptions: dict[str, str]

    def level_options(self) -> list[dict[str, Any]]:
        current = self["level"].value() or ""
        return [
            {
                "value": code,
                "label": label,
                "description": self.descriptions.get(code, ""),
                "checked": code == current,
                "id": f"id_level_{index}",
            }
            for index, (code, label) in enumerate(self.fields["level"].choices)
        ]


def level_descriptions(scale: list[dict], *, na_allowed: bool) -> dict[str, str]:
    descriptions = {level["code"]: level.get("description", "") for level in scale}
    if na_allowed:
        descriptions[NOT_APPLICABLE] = "The requirement does not apply to this programme."
    return descriptions


class ScoreForm(LevelOptionsMixin, PortalFormMixin, forms.Form):
    """One criterion's score. Rendered by hand in the template so each level can show what it
    means beside it. ``revision`` is the score's revision when the page was loaded."""

    level = forms.ChoiceField(
        label="Level",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a score for this criterion.",
            "invalid_choice": "Choose one of the scores offered for this criterion.",
        },
    )
    rationale = forms.CharField(
        label="Rationale",
        required=False,
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "Keep the rationale under %(limit_value)s characters."},
    )
    strengths = forms.CharField(
        label="Strengths",
        required=False,
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    improvements = forms.CharField(
        label="Areas for improvement",
        required=False,
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, criterion: Criterion, version: StandardVersion, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = level_choices(version, criterion)
        self.top = top_level(version)
        self.labels = dict(self.fields["level"].choices)
        self.descriptions = level_descriptions(version.scale, na_allowed=criterion.na_allowed)
        top_label = self.labels.get(self.top, "")
        self.fields["rationale"].help_text = (
            f"Needed for every score except “{top_label}”: say what the evidence shows and "
            "what is missing."
        )

    def clean_revision(self) -> int:
        return self.cleaned_data.get("revision") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        level = data.get("level")
        if level and level != self.top and not (data.get("rationale") or "").strip():
            self.add_error(
                "rationale",
                f"Give your rationale for “{self.labels.get(level, level)}”: it is needed for "
                f"every score below “{self.labels.get(self.top, '')}”.",
            )
        return data
