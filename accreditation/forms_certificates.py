"""Forms of the certificate pages, the public register and verification. They validate and lay
out; the services act (and check again)."""

from __future__ import annotations

import re
from typing import Any

from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse

from providers.models import DeliveryMode, Region
from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .certificate_lifecycle import TRANSITIONS, CertificateStatus
from .models.certificates import NUMBER_PATTERN
from .selectors.certificates import REGISTER_STATUS_CHOICES
from .services.certificates import REASON_MAX

#: What a change does, for the confirmation page.
CHANGE_CONSEQUENCES = {
    "suspend": "The public register and the verification page will say the certificate is "
    "suspended, from today, until it is reinstated. The provider's leads are told, with your "
    "reason.",
    "reinstate": "The certificate becomes valid again until its expiry date, and the public "
    "pages say so. The provider's leads are told, with your reason.",
    "withdraw": "The accreditation ends for good: the public pages will say the certificate was "
    "withdrawn, from today. It cannot be reinstated; the provider would need a new "
    "application. The provider's leads are told, with your reason.",
}


class CertificateChangeForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept in the certificate's history and sent to the provider's leads. Not "
        "shown on the public pages.",
    )
    confirm = forms.BooleanField(label="")

    def __init__(self, *args: Any, transition: str, number: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        verb = TRANSITIONS[transition].verb
        self.fields["reason"].label = f"Why is the certificate being {verb}?"
        self.fields["reason"].error_messages["required"] = (
            f"Say why the certificate is being {verb}"
        )
        self.fields["confirm"].label = f"I confirm that certificate {number} is to be {verb}"
        self.fields["confirm"].error_messages["required"] = (
            f"Tick the box to confirm that certificate {number} is to be {verb}"
        )
        self.helper = PortalFormHelper()
        button = Submit("save", f"{transition.capitalize()} certificate {number}")
        button.field_classes = "btn btn-danger" if transition != "reinstate" else "btn btn-primary"
        self.helper.add_input(button)


class VerifyForm(PortalFormMixin, forms.Form):
    number = forms.CharField(
        label="Certificate number",
        max_length=30,
        help_text="As printed on the certificate, for example QSM-2026-0007.",
        error_messages={"required": "Enter the certificate number"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = PortalFormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse("register:verify")
        self.helper.add_input(Submit("", "Check the certificate"))

    def clean_number(self) -> str:
        number = re.sub(r"\s+", "", self.cleaned_data["number"]).upper()
        if not re.fullmatch(NUMBER_PATTERN, number):
            raise forms.ValidationError(
                "Enter a certificate number in the form QSM-2026-0007: the letters QSM, the "
                "year and the number, separated by dashes"
            )
        return number


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class RegisterFilterForm(PortalFormMixin, forms.Form):
    q = forms.CharField(label="Provider or programme name", required=False, max_length=100)
    condition = forms.ChoiceField(label="Long-term condition", required=False)
    delivery_model = forms.ChoiceField(
        label="Delivery model",
        required=False,
        choices=_blank("Any delivery model") + DeliveryMode.choices,
    )
    region = forms.ChoiceField(
        label="Region", required=False, choices=_blank("Any region") + Region.choices
    )
    status = forms.ChoiceField(label="Status", required=False, choices=REGISTER_STATUS_CHOICES)

    def __init__(self, *args: Any, conditions: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = _blank("Any condition") + [(c, c) for c in conditions]


class CertificateListFilterForm(PortalFormMixin, forms.Form):
    q = forms.CharField(label="Number, provider or programme", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=_blank("Any status") + CertificateStatus.choices,
    )
    expiring = forms.BooleanField(label="Expiring within 90 days", required=False)
