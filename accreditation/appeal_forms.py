"""Forms for appeals. They validate and lay out; the services in services/appeals.py act (and
enforce the same rules again: a form only offers what the service would accept)."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Hidden, Submit
from django import forms
from django.db.models import QuerySet

from accounts.models import Role, User
from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .models import Outcome
from .services.appeals import GROUNDS_MAX

REASONS_MAX = 20_000


def _helper(*, submit: str, action: str = "") -> PortalFormHelper:
    helper = PortalFormHelper()
    if action:
        helper.add_input(Hidden("action", action))
    helper.add_input(Submit("save", submit))
    return helper


class AppealLodgeForm(PortalFormMixin, forms.Form):
    grounds = forms.CharField(
        label="Your grounds for appeal",
        max_length=GROUNDS_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Say which parts of the decision you disagree with and why. Point to the "
        "criteria and the evidence concerned.",
        error_messages={"required": "Enter your grounds for appeal."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Lodge the appeal")


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        capacity = "administrator" if obj.role == Role.ADMINISTRATOR else "assessor"
        return f"{obj.full_name or obj.email} ({capacity})"


class AppealReviewersForm(PortalFormMixin, forms.Form):
    """Offers only the people who may hear the appeal (``appeal_reviewer_candidates``)."""

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"] = ReviewerChoiceField(
            queryset=candidates,
            label="Reviewers",
            widget=forms.CheckboxSelectMultiple,
            help_text="Only people with no part in the assessment or the decision are listed.",
            error_messages={"required": "Choose at least one reviewer."},
        )
        self.helper = _helper(submit="Assign the reviewers", action="reviewers")


class AppealDecideForm(PortalFormMixin, forms.Form):
    result = forms.ChoiceField(
        label="Outcome of the appeal",
        widget=forms.RadioSelect,
        choices=[
            ("dismissed", "Dismissed: the decision stands"),
            ("upheld", "Upheld: the decision changes"),
        ],
        error_messages={"required": "Choose whether the appeal is upheld or dismissed."},
    )
    outcome = forms.ChoiceField(
        label="New outcome (if upheld)",
        required=False,
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label="Reasons",
        max_length=REASONS_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The provider reads these. Say what you considered and why you reached "
        "this outcome.",
        error_messages={"required": "Enter the reasons for the outcome."},
    )

    def __init__(self, *args: Any, appealed_outcome: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            (value, label) for value, label in Outcome.choices if value != appealed_outcome
        ]
        self.helper = _helper(submit="Record the outcome", action="decide")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("result") == "upheld" and not data.get("outcome"):
            self.add_error("outcome", "Choose the new outcome of an upheld appeal.")
        return data
