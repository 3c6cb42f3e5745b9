from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms

from accounts.models import User

from .models import Organisation


class OrganisationCreateForm(forms.ModelForm):
    lead_full_name = forms.CharField(label="Lead user's full name", max_length=150)
    lead_email = forms.EmailField(
        label="Lead user's email address",
        help_text="They will receive a link to set a password and can then invite colleagues.",
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "address",
            "postcode",
            "region",
            "contact_name",
            "contact_email",
            "contact_phone",
            "charity_number",
            "company_number",
            "nhs_ods_code",
        ]
        labels = {"name": "Organisation name"}
        error_messages = {
            "name": {"unique": "An organisation with this name is already registered."}
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.layout = Layout(
            Fieldset("Organisation", "name", "address", "postcode", "region"),
            Fieldset("Main contact", "contact_name", "contact_email", "contact_phone"),
            Fieldset(
                "Identifiers",
                HTML('<p class="form-text mt-0">Give any that apply.</p>'),
                Div(
                    Div("charity_number", css_class="col-md-4"),
                    Div("company_number", css_class="col-md-4"),
                    Div("nhs_ods_code", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset("Lead user", "lead_full_name", "lead_email"),
            Submit("create", "Create organisation and invite lead"),
        )

    def clean_lead_email(self) -> str:
        email = self.cleaned_data["lead_email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("There is already an account with this email address.")
        return email
