"""Forms for managing standards. They validate and lay out; the services act."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .models import (
    CRITERION_CODE_PATTERN,
    LONG_TEXT,
    VERSION_NUMBER_PATTERN,
    ScaleMeaning,
    StandardVersion,
)
from .scoring import SCALE_CODE_RE, SCALE_MAX_LEVELS, scale_problems


def _helper(
    *, submit: str | None = None, form_tag: bool = True, warn: bool = True
) -> PortalFormHelper:
    helper = PortalFormHelper()
    helper.form_tag = form_tag
    if warn:
        helper.attrs = {"data-warn-unsaved": ""}
    if submit:
        helper.add_input(Submit("save", submit))
    return helper


class StandardImportForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label="Standard file",
        error_messages={"required": "Choose a standard file to import"},
        help_text="A YAML file in the qismet-standard/1 format, for example one exported from "
        "this portal.",
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,text/yaml"}),
    )
    publish = forms.BooleanField(
        label="Publish it straight away",
        required=False,
        help_text="Leave this unticked to check the new version as a draft first. Publishing "
        "retires the standard's current version.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Import", warn=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MAX_STANDARD_FILE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is too large ({upload.size / 1024:,.0f} KB); the largest accepted is "
                f"{limit / 1024:,.0f} KB."
            )
        return upload

    def file_bytes(self) -> bytes:
        return b"".join(self.cleaned_data["file"].chunks())


class VersionCopyForm(PortalFormMixin, forms.Form):
    number = forms.CharField(
        label="Number of the new version",
        max_length=20,
        help_text="For example 2027.1. Letters, digits, dots, dashes and underscores.",
        error_messages={"required": "Enter the new version's number, like 2027.1"},
        validators=[
            RegexValidator(
                VERSION_NUMBER_PATTERN,
                "Use letters, digits, dots, dashes and underscores only, e.g. 2027.1.",
            )
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Make the draft", warn=False)


class VersionSettingsForm(PortalFormMixin, forms.Form):
    notes = forms.CharField(
        label="What changed in this version",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    certificate_validity_months = forms.IntegerField(
        label="Certificate validity (months)",
        min_value=1,
        max_value=120,
        error_messages={
            "required": "Enter how many months a certificate stays valid",
            "invalid": "Certificate validity must be a whole number of months, like 36",
            "min_value": "Certificate validity must be at least %(limit_value)s month",
            "max_value": "Certificate validity must be %(limit_value)s months or fewer",
        },
    )
    not_applicable_label = forms.CharField(
        label="Label for “not applicable”",
        max_length=60,
        error_messages={"required": "Enter the words providers choose for “not applicable”"},
    )
    accredited_all_mandatory_met = forms.BooleanField(
        label="Accreditation needs every mandatory criterion to be met", required=False
    )
    accredited_max_not_met = forms.IntegerField(
        label="Most criteria that may be not met for accreditation",
        min_value=0,
        max_value=999,
        required=False,
        help_text="Leave empty for no limit.",
    )
    conditional_max_mandatory_not_met = forms.IntegerField(
        label="Most mandatory criteria that may be not met for accreditation with conditions",
        min_value=0,
        max_value=999,
        required=False,
        help_text="Leave empty for no limit. Above this, the outcome is not accredited.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(form_tag=False)
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("About this version", "notes", "certificate_validity_months"),
            Fieldset(
                "Outcome rule",
                "accredited_all_mandatory_met",
                "accredited_max_not_met",
                "conditional_max_mandatory_not_met",
            ),
            Fieldset("Not applicable", "not_applicable_label"),
        )

    @staticmethod
    def initial_for(version: StandardVersion) -> dict[str, Any]:
        rule = version.outcome_rule
        return {
            "notes": version.notes,
            "certificate_validity_months": version.certificate_validity_months,
            "not_applicable_label": version.not_applicable_label,
            "accredited_all_mandatory_met": rule.get("accredited", {}).get("all_mandatory_met"),
            "accredited_max_not_met": rule.get("accredited", {}).get("max_not_met"),
            "conditional_max_mandatory_not_met": rule.get("conditional", {}).get(
                "max_mandatory_not_met"
            ),
        }

    def outcome_rule(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            "accredited": {
                "all_mandatory_met": bool(data["accredited_all_mandatory_met"]),
                "max_not_met": data["accredited_max_not_met"],
            },
            "conditional": {"max_mandatory_not_met": data["conditional_max_mandatory_not_met"]},
        }


class ScaleLevelForm(PortalFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=30,
        help_text="Lower-case letters, digits and underscores, e.g. partially_met.",
        error_messages={"required": "Enter the level's code, like partially_met"},
        validators=[
            RegexValidator(SCALE_CODE_RE, "Use lower-case letters, digits and underscores only.")
        ],
    )
    label = forms.CharField(
        label="Label",
        max_length=60,
        error_messages={"required": "Enter the level's label, like Partially met"},
    )
    # A blank first choice, so that the empty level offered for adding one posts nothing at all
    # and is ignored (a select with no blank choice always posts its first option, which made the
    # empty level look filled in and refused the whole page with "This field is required").
    meaning = forms.ChoiceField(
        label="Counts as",
        choices=[("", "Choose…"), *ScaleMeaning.choices],
        error_messages={"required": "Select what the level counts as"},
        help_text="What this level means for the outcome rule.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(form_tag=False)
        self.helper.disable_csrf = True


class BaseScaleFormSet(forms.BaseFormSet):
    summary_label = "Level {number}"  # in the error summary, as each level's fieldset is headed

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this level"

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        problems = scale_problems(self.levels())
        if problems:
            raise forms.ValidationError(problems)

    def levels(self) -> list[dict[str, str]]:
        """The levels kept, in the order shown (best first), as stored on the version."""
        return [
            {
                "code": form.cleaned_data["code"],
                "label": form.cleaned_data["label"],
                "meaning": form.cleaned_data["meaning"],
                "description": form.cleaned_data.get("description", ""),
            }
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


ScaleFormSet = forms.formset_factory(
    ScaleLevelForm,
    formset=BaseScaleFormSet,
    extra=1,
    can_delete=True,
    max_num=SCALE_MAX_LEVELS,
    validate_max=True,
)


class ThemeForm(PortalFormMixin, forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the theme's title"}
    )
    summary = forms.CharField(
        label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Save theme")


class CriterionForm(PortalFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=10,
        help_text="The theme number, a dot and a number, e.g. 2.3.",
        error_messages={"required": "Enter the criterion's code, like 2.3"},
        validators=[
            RegexValidator(
                CRITERION_CODE_PATTERN, "Use the theme number, a dot and a number, e.g. 2.3."
            )
        ],
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the criterion's title"}
    )
    requirement = forms.CharField(
        label="Requirement",
        error_messages={"required": "Enter what the provider must show"},
        max_length=LONG_TEXT,
        help_text="What the provider must show, in one or two sentences.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    guidance = forms.CharField(
        label="Guidance for providers",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence_examples = forms.CharField(
        label="Examples of acceptable evidence",
        required=False,
        help_text="One example on each line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    mandatory = forms.BooleanField(
        label="Mandatory",
        required=False,
        help_text="Mandatory criteria must be met for accreditation (see the outcome rule).",
    )
    na_allowed = forms.BooleanField(
        label="Providers may answer “not applicable” (with a justification)", required=False
    )
    weight = forms.DecimalField(
        label="Weight",
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0.01,
        help_text="Optional. Leave empty unless this version weights its criteria.",
    )

    def __init__(self, *args: Any, theme_number: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.theme_number = theme_number
        self.helper = _helper(submit="Save criterion")
        self.helper.layout = Layout(
            Div(Div("code", css_class="col-sm-4"), css_class="row"),
            "title",
            "requirement",
            "guidance",
            "evidence_examples",
            Fieldset("Flags", "mandatory", "na_allowed", Div("weight", css_class="col-sm-4")),
        )

    @staticmethod
    def initial_for(criterion) -> dict[str, Any]:
        return {
            "code": criterion.code,
            "title": criterion.title,
            "requirement": criterion.requirement,
            "guidance": criterion.guidance,
            "evidence_examples": "\n".join(criterion.evidence_examples),
            "mandatory": criterion.mandatory,
            "na_allowed": criterion.na_allowed,
            "weight": criterion.weight,
        }

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code.split(".")[0] != str(self.theme_number):
            raise forms.ValidationError(
                f"Criterion code {code} does not start with the theme number {self.theme_number}."
            )
        return code

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["evidence_examples"] = [
            line.strip() for line in data["evidence_examples"].splitlines() if line.strip()
        ]
        return data


class CriterionDeleteForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why is it removed? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the version's history, so people can later see why it went.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(warn=False, form_tag=False)
        self.helper.disable_csrf = True


class CompareForm(PortalFormMixin, forms.Form):
    old = forms.TypedChoiceField(label="Earlier version", coerce=int)
    new = forms.TypedChoiceField(label="Later version", coerce=int)

    def __init__(self, *args: Any, versions: list[StandardVersion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [
            (version.pk, f"{version.number} ({version.get_status_display().lower()})")
            for version in versions
        ]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices
        self.helper = _helper(warn=False, form_tag=False)
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("old", css_class="col-sm-5"),
                Div("new", css_class="col-sm-5"),
                css_class="row",
            )
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise forms.ValidationError("Choose two different versions to compare.")
        return data
