"""Forms for screening, assessor profiles, interests and assignment. They validate and lay out;
the services act (and enforce the rules again, whatever a form offered)."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Submit
from django import forms

from providers.models import DeliveryMode, Organisation
from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .models import AssessorProfile, InterestKind

REASON_MAX = 5_000


def _helper(
    submit: str, *, name: str = "save", classes: str = "", action: str = ""
) -> PortalFormHelper:
    helper = PortalFormHelper()
    if action:
        helper.form_action = action
    button = Submit(name, submit)
    if classes:
        button.field_classes = classes
    helper.add_input(button)
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


# --- screening ------------------------------------------------------------------------------


class ReturnForm(PortalFormMixin, forms.Form):
    reasons = forms.CharField(
        label="What does the provider need to change?",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "The provider sees this word for word at the top of their application and in the "
            "email. Name the criteria and say what is missing."
        ),
        error_messages={
            "required": "Say what the provider needs to change before submitting again."
        },
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, prefix="return", **kwargs)
        self.helper = _helper(
            "Return to the provider", name="return", classes="btn btn-outline-danger"
        )


# --- profiles and interests -----------------------------------------------------------------


class AssessorProfileForm(PortalFormMixin, forms.ModelForm):
    delivery_modes = forms.MultipleChoiceField(
        label="Delivery models they know well",
        choices=DeliveryMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AssessorProfile
        fields = [
            "conditions",
            "delivery_modes",
            "availability",
            "max_active_assignments",
            "is_active",
        ]
        widgets = {
            "conditions": forms.TextInput(),
            "availability": forms.TextInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, prefix="profile", **kwargs)
        self.fields["max_active_assignments"].min_value = 1
        self.fields["max_active_assignments"].widget.attrs["min"] = 1
        self.helper = _helper("Save the profile", name="save_profile")


class InterestForm(PortalFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        help_text="Organisations registered with QISMET.",
    )
    kind = forms.ChoiceField(label="Kind of interest", choices=InterestKind.choices)
    description = forms.CharField(
        label="Description",
        max_length=300,
        required=False,
        help_text="For example: part-time diabetes nurse, 2019 to 2023.",
    )
    started_on = forms.DateField(label="Started on", required=False, widget=DateInput())
    ended_on = forms.DateField(
        label="Ended on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty if it is ongoing.",
    )

    def __init__(self, *args: Any, organisations=None, **kwargs: Any):
        super().__init__(*args, prefix="interest", **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = "Choose an organisation"
        self.helper = _helper("Declare the interest", name="declare")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", "The end date must be the same as or after the start date.")
        return data


class InterestEndForm(PortalFormMixin, forms.Form):
    interest = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = forms.DateField(label="Ended on", widget=DateInput())


# --- assignment -----------------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


class AssignForm(PortalFormMixin, forms.Form):
    """Choose who fills the free places (lead, second) and the due date. Only eligible people
    are offered; the service checks again."""

    due_on = forms.DateField(
        label="Scoring due by",
        widget=DateInput(),
        help_text="20 working days from today unless you change it.",
    )

    def __init__(self, *args: Any, people, free_roles: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, prefix="assign", **kwargs)
        fields = {}
        for role, label in free_roles:
            fields[role] = PersonChoiceField(
                label=label,
                queryset=people,
                required=False,
                empty_label="Choose someone",
            )
        self.fields = {**fields, "due_on": self.fields["due_on"]}
        self.free_roles = [role for role, _label in free_roles]
        self.helper = _helper("Offer the assignment", name="assign")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [data.get(role) for role in self.free_roles if data.get(role)]
        if not chosen and not self.errors:
            self.add_error(self.free_roles[0], "Choose at least one assessor.")
        if len({person.pk for person in chosen}) < len(chosen):
            self.add_error(
                self.free_roles[-1], "One person cannot be both the lead and the second assessor."
            )
        return data


class RemoveForm(PortalFormMixin, forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why are they being replaced?",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the assessor is being replaced."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, prefix="remove", **kwargs)


class AcceptForm(PortalFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label="I have read the declaration above and I confirm it is true",
        error_messages={"required": "Tick the box to confirm the declaration."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, prefix="accept", **kwargs)
        self.helper = _helper("Accept and sign the declaration", name="accept")


class DeclineForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you declining?",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "If you have an interest in this provider, say what it is (and add it to your "
            "declared interests). Otherwise, for example: no time before the due date."
        ),
        error_messages={"required": "Say why you are declining."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, prefix="decline", **kwargs)
        self.helper = _helper(
            "Decline the assignment", name="decline", classes="btn btn-outline-danger"
        )
