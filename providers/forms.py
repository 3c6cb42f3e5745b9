from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import password_validation

from accounts.forms import password_rules_help_text
from accounts.models import Role, User

from .models import AccountRequest, DeliveryMode, MembershipRole, Organisation, Programme
from .selectors import account_request_conflicts
from .services.organisations import EDITABLE_FIELDS as ORGANISATION_EDITABLE_FIELDS

#: What each role may do, in the words shown wherever a role is chosen.
ROLE_DESCRIPTIONS = {
    MembershipRole.LEAD: "Lead: manages the organisation's details, programmes and users, "
    "and starts applications",
    MembershipRole.CONTRIBUTOR: "Contributor: works on self-assessments and uploads evidence",
}
ROLE_CHOICES = [(role.value, ROLE_DESCRIPTIONS[role]) for role in MembershipRole]
#: The signing right, in the same words wherever it is granted.
CAN_SIGN_LABEL = "Can sign declarations and submit applications"
CAN_SIGN_HELP = (
    "The person who signs confirms, on behalf of the organisation, that an application is true "
    "and complete. A lead or a contributor may hold this right; one person may be both lead and "
    "signatory."
)

#: The same details the organisation services accept, so form and service never disagree.
ORGANISATION_FIELDS = list(ORGANISATION_EDITABLE_FIELDS)


def _identifiers_fieldset() -> Fieldset:
    return Fieldset(
        "Identifiers",
        HTML('<p class="form-text mt-0">Give any that apply.</p>'),
        Div(
            Div("charity_number", css_class="col-md-4"),
            Div("company_number", css_class="col-md-4"),
            Div("nhs_ods_code", css_class="col-md-4"),
            css_class="row",
        ),
    )


class OrganisationForm(forms.ModelForm):
    """The organisation's details, as its lead or an administrator corrects them."""

    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
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
            Fieldset(
                "Main contact",
                HTML(
                    '<p class="form-text mt-0">The person QISMET writes to about this '
                    "organisation.</p>"
                ),
                "contact_name",
                "contact_email",
                "contact_phone",
            ),
            _identifiers_fieldset(),
            Submit("save", "Save details"),
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Organisation.objects.filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("An organisation with this name is already registered.")
        return name


class OrganisationCreateForm(OrganisationForm):
    """An administrator registers an organisation and names its lead, who is invited by email."""

    lead_full_name = forms.CharField(label="Lead user's full name", max_length=150)
    lead_email = forms.EmailField(
        label="Lead user's email address",
        help_text="They will receive a link to set a password and can then invite colleagues.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Fieldset("Organisation", "name", "address", "postcode", "region"),
            Fieldset("Main contact", "contact_name", "contact_email", "contact_phone"),
            _identifiers_fieldset(),
            Fieldset("Lead user", "lead_full_name", "lead_email"),
            Submit("create", "Create organisation and invite lead"),
        )

    def clean_lead_email(self) -> str:
        email = self.cleaned_data["lead_email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("There is already an account with this email address.")
        return email


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "conditions", "delivery_mode", "description"]
        labels = {
            "name": "Programme name",
            "conditions": "Long-term conditions covered",
            "delivery_mode": "How is it delivered?",
        }
        help_texts = {
            "description": "In a few sentences: who it is for, how long it runs and who leads it.",
        }
        widgets = {
            "delivery_mode": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["delivery_mode"].choices = DeliveryMode.choices  # no empty "---" radio
        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.add_input(
            Submit("save", "Save changes" if self.instance.pk else "Add programme")
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = self.organisation.programmes.filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Your organisation already has a programme with this name.")
        return name


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(
        label="Their role", choices=ROLE_CHOICES, widget=forms.RadioSelect, initial="contributor"
    )
    can_sign = forms.BooleanField(label=CAN_SIGN_LABEL, required=False, help_text=CAN_SIGN_HELP)

    def __init__(self, *args, expiry_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = (
            f"We email them a link to join. It works once and expires after {expiry_days} "
            f"day{'s' if expiry_days != 1 else ''}."
        )
        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.add_input(Submit("invite", "Send invitation"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "There is already an account with this email address. A person can belong to one "
                "organisation only; if they need to move to yours, ask QISMET."
            )
        return email


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=MembershipRole.choices)


class MembershipSigningForm(forms.Form):
    """Grant ("1") or take away ("0") a member's right to sign declarations."""

    can_sign = forms.TypedChoiceField(
        choices=[("1", "Can sign"), ("0", "Cannot sign")], coerce=lambda value: value == "1"
    )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["password1"].help_text = password_rules_help_text()
        self.helper = FormHelper()
        self.helper.add_input(Submit("accept", "Create my account"))

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords are not the same.")
        elif password1:
            candidate = User(
                email=self.email, full_name=cleaned.get("full_name", ""), role=Role.PROVIDER
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


REQUEST_FIELDS = [
    "organisation_name",
    "address",
    "postcode",
    "region",
    "charity_number",
    "company_number",
    "nhs_ods_code",
    "contact_name",
    "contact_job_title",
    "contact_email",
    "contact_phone",
    "programmes_description",
]


class AccountRequestForm(forms.Form):
    """The public form a new organisation uses to ask for an account.

    A plain form built from the model's fields rather than a ModelForm: the service creates the
    row, and duplicates are explained beside the field concerned instead of by the database
    constraint's generic message.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                AccountRequest,
                fields=REQUEST_FIELDS,
                labels={
                    "organisation_name": "Organisation name",
                    "contact_name": "Your full name",
                    "contact_job_title": "Your job title",
                    "contact_email": "Your email address",
                    "contact_phone": "Your phone number",
                    "programmes_description": "Your self-management programmes",
                },
                help_texts={
                    "contact_email": "If your request is approved, we email you a link to set up "
                    "your account. You will be your organisation's lead on the portal.",
                    "programmes_description": "In a few sentences: what each programme is "
                    "called, the long-term conditions it covers, and how it is delivered.",
                },
                widgets={
                    "address": forms.Textarea(attrs={"rows": 3}),
                    "programmes_description": forms.Textarea(attrs={"rows": 5}),
                },
            )
        )
        autocomplete = {
            "organisation_name": "organization",
            "contact_name": "name",
            "contact_job_title": "organization-title",
            "contact_email": "email",
            "contact_phone": "tel",
            "postcode": "postal-code",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value
        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.layout = Layout(
            Fieldset("Your organisation", "organisation_name", "address", "postcode", "region"),
            _identifiers_fieldset(),
            Fieldset(
                "About you",
                "contact_name",
                "contact_job_title",
                "contact_email",
                "contact_phone",
            ),
            Fieldset("Your programmes", "programmes_description"),
            Submit("send", "Send request"),
        )

    def clean(self):
        cleaned = super().clean()
        conflicts = account_request_conflicts(
            organisation_name=cleaned.get("organisation_name") or "",
            contact_email=cleaned.get("contact_email") or "",
        )
        for field, message in conflicts.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


class AccountRequestRejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="This is emailed to the person who asked, so write it for them.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
