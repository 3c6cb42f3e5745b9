"""Forms for applications. They validate and lay out; the services act."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Submit
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from providers.models import Programme
from qismet_portal.forms import PortalFormHelper, PortalFormMixin
from standards.models import Criterion, StandardVersion

from .models import NOT_APPLICABLE
from .services.applications import rating_choices

NARRATIVE_MAX = 20_000
JUSTIFICATION_MAX = 5_000


def _helper(*, submit: str, warn: bool = False) -> PortalFormHelper:
    helper = PortalFormHelper()
    if warn:
        helper.attrs = {"data-warn-unsaved": ""}
    helper.add_input(Submit("save", submit))
    return helper


class ProgrammeChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, busy: set[int], **kwargs: Any):
        self.busy = busy
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Programme) -> str:
        return (
            f"{obj.name} (already has an application in progress)"
            if obj.pk in self.busy
            else obj.name
        )


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StandardVersion) -> str:
        return f"{obj.standard.name}, version {obj.number}"


class ApplicationStartForm(PortalFormMixin, forms.Form):
    """Choose the programme and, when several are published, the standard to apply against.

    Programmes that already have an open application stay in the list, marked, so people see
    why they cannot start another rather than wondering where it went; the service refuses them.
    """

    def __init__(
        self,
        *args: Any,
        programmes: QuerySet[Programme],
        versions: list[StandardVersion],
        busy: set[int],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["programme"] = ProgrammeChoiceField(
            queryset=programmes,
            busy=busy,
            label="Programme",
            empty_label=None,
            widget=forms.RadioSelect,
            help_text="Accreditation is for one programme at a time.",
            error_messages={"required": "Choose the programme this application is for."},
        )
        self.fields["version"] = VersionChoiceField(
            queryset=StandardVersion.objects.filter(pk__in=[v.pk for v in versions]).select_related(
                "standard"
            ),
            label="Standard",
            empty_label=None,
            widget=forms.RadioSelect,
            help_text="The application is assessed against this version for its whole life.",
            error_messages={"required": "Choose the standard to apply against."},
        )
        if len(versions) == 1:
            self.fields["version"].initial = versions[0].pk
            self.fields["version"].widget = forms.HiddenInput()
        self.helper = _helper(submit="Start the application")


class ResponseForm(PortalFormMixin, forms.Form):
    """A provider's answer to one criterion. Rendered by hand in the template, so each rating
    can show what it means beside it.

    ``revision`` is the answer's revision when the page was loaded; the service refuses the save
    if someone has saved since. A page from before revisions existed sends none: it counts as 0.
    """

    narrative = forms.CharField(
        label="Your narrative",
        required=False,
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Describe how your programme meets this requirement, and point to the evidence.",
        error_messages={
            "max_length": "Keep the narrative under %(limit_value)s characters "
            "(it has %(show_value)s). Put long material in an evidence document."
        },
    )
    rating = forms.ChoiceField(
        label="Your self-rating",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the ratings offered for this criterion."},
    )
    na_justification = forms.CharField(
        label="Why it does not apply to your programme",
        required=False,
        max_length=JUSTIFICATION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed only if you choose “not applicable”.",
    )
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, criterion: Criterion, version: StandardVersion, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.fields["rating"].choices = rating_choices(version, criterion)
        self.descriptions = {level["code"]: level.get("description", "") for level in version.scale}
        if not criterion.na_allowed:
            del self.fields["na_justification"]
        else:
            self.descriptions[NOT_APPLICABLE] = (
                "This requirement does not apply to your programme. Say why below."
            )
            self.fields[
                "na_justification"
            ].help_text = f"Needed only if you choose “{version.not_applicable_label}”."

    def rating_options(self) -> list[dict[str, Any]]:
        """Each rating with its meaning, for the template."""
        current = self["rating"].value() or ""
        return [
            {
                "value": code,
                "label": label,
                "description": self.descriptions.get(code, ""),
                "checked": code == current,
                "id": f"id_rating_{index}",
            }
            for index, (code, label) in enumerate(self.fields["rating"].choices)
        ]

    def clean_revision(self) -> int:
        return self.cleaned_data.get("revision") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("rating") == NOT_APPLICABLE and not (data.get("na_justification") or ""):
            self.add_error(
                "na_justification",
                "You chose “not applicable”: say why this criterion does not apply to your "
                "programme.",
            )
        return data


class NarrativeAutosaveForm(PortalFormMixin, forms.Form):
    narrative = ResponseForm.base_fields["narrative"]
    revision = ResponseForm.base_fields["revision"]

    clean_revision = ResponseForm.clean_revision


class SubmitForm(PortalFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        error_messages={"required": "Enter your full name."},
    )
    role = forms.CharField(
        label="Your role or job title",
        max_length=150,
        help_text="For example: Chief Executive, Director of Services.",
        error_messages={"required": "Enter your role or job title."},
    )
    confirm = forms.BooleanField(
        label="I have read the declaration above and I confirm it is true",
        error_messages={"required": "Tick the box to confirm the declaration."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Sign and submit the application")


class WithdrawForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing the application?",
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="This is kept in the application's history.",
        error_messages={"required": "Say why the application is being withdrawn."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Withdraw the application")
        self.helper.inputs[0].field_classes = "btn btn-danger"


class ResponseSubmitForm(SubmitForm):
    """Submitting again in answer to a request for more information: the declaration, and a
    short note to the assessors."""

    note = forms.CharField(
        label="A note to the assessors (optional)",
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, what you changed and where to look. The assessors see it with "
        "your response.",
    )
    field_order = ["note", "full_name", "role", "confirm"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.helper = _helper(submit="Sign and send the response")


# --- requests for more information ----------------------------------------------------------


class InformationRequestForm(PortalFormMixin, forms.Form):
    """An assessor's request: which criteria re-open, what they need, and by when. The page
    lays the criteria out by theme; the service checks them against the pinned version."""

    criteria = forms.ModelMultipleChoiceField(
        label="Criteria to re-open",
        queryset=Criterion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one criterion for the provider to answer again.",
            "invalid_choice": "Choose criteria of the standard this application is assessed "
            "against.",
            "invalid_pk_value": "Choose criteria of the standard this application is assessed "
            "against.",
        },
    )
    message = forms.CharField(
        label="What do you need from the provider?",
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Say what is missing or unclear for each criterion. The provider reads this "
        "exactly as you write it.",
        error_messages={"required": "Say what information you need from the provider."},
    )
    due_on = forms.DateField(
        label="Answer due by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="10 working days from today unless you choose another date.",
        error_messages={
            "required": "Enter the date the answer is due by.",
            "invalid": "Enter the due date as a real date, for example 2025-06-30.",
        },
    )

    def __init__(self, *args: Any, criteria: QuerySet[Criterion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = criteria

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on <= timezone.localdate():
            raise forms.ValidationError("The due date must be in the future.")
        return due_on


class InformationRequestCancelForm(PortalFormMixin, forms.Form):
    """Why an open request is taken back unanswered; the provider and the assessors read it."""

    reason = forms.CharField(
        label="Why is the request cancelled?",
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example “Asked by mistake: the policy was in the evidence already.” The "
        "provider and the assessors read this.",
        error_messages={"required": "Say why the request is cancelled."},
    )
