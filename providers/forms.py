from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import password_validation

from accounts.forms import password_rules_help_text
from accounts.models import Role, User
from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .identifiers import NORMALISERS
from .models import (
    AccountRequest,
    AccountRequestEdit,
    DeliveryMode,
    MembershipRole,
    Organisation,
    Programme,
)
from .selectors import account_request_conflicts
from .services.account_requests import STAFF_CONFLICT_MESSAGES
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


#: Hints under the identifier fields, so people see the shape expected before they type.
IDENTIFIER_HELP_TEXTS = {
    "postcode": "For example LS1 4AP.",
    "charity_number": "England and Wales: 6 or 7 digits, like 1123456. Scotland: like SC012345. "
    "Northern Ireland: like NIC100002.",
    "company_number": "8 characters, like 01234567 or SC123456.",
    "nhs_ods_code": "Only if your organisation has one, like RTH or A12345.",
}


class IdentifierFieldsMixin:
    """Postcode, charity number, Companies House number and NHS ODS code, each checked against
    its issuer's format and stored in its one written form ("ls14ap" is kept as "LS1 4AP")."""

    def _identifier_fields(self) -> None:
        for name, help_text in IDENTIFIER_HELP_TEXTS.items():
            if name in self.fields:
                self.fields[name].help_text = help_text
        if "postcode" in self.fields:
            self.fields["postcode"].widget.attrs.setdefault("autocomplete", "postal-code")
        for name in ("charity_number", "company_number", "nhs_ods_code"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"spellcheck": "false"})

    def _clean_identifier(self, name: str) -> str:
        return NORMALISERS[name](self.cleaned_data.get(name) or "")

    def clean_postcode(self) -> str:
        return self._clean_identifier("postcode")

    def clean_charity_number(self) -> str:
        return self._clean_identifier("charity_number")

    def clean_company_number(self) -> str:
        return self._clean_identifier("company_number")

    def clean_nhs_ods_code(self) -> str:
        return self._clean_identifier("nhs_ods_code")


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


class OrganisationForm(IdentifierFieldsMixin, PortalFormMixin, forms.ModelForm):
    """The organisation's details, as its lead or an administrator corrects them."""

    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        labels = {"name": "Organisation name"}
        error_messages = {
            "name": {
                "required": "Enter the organisation's name",
                "unique": "An organisation with this name is already registered.",
            },
            "region": {"required": "Select the region the organisation works in"},
            "contact_name": {"required": "Enter the main contact's full name"},
            "contact_email": {"required": "Enter the main contact's email address"},
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._identifier_fields()
        self.helper = PortalFormHelper()
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

    lead_full_name = forms.CharField(
        label="Lead user's full name",
        max_length=150,
        error_messages={"required": "Enter the full name of the organisation's lead user"},
    )
    lead_email = forms.EmailField(
        label="Lead user's email address",
        help_text="They will receive a link to set a password and can then invite colleagues.",
        error_messages={"required": "Enter the email address of the organisation's lead user"},
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


class ProgrammeForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "conditions", "delivery_mode", "description"]
        labels = {
            "name": "Programme name",
            "conditions": "Long-term conditions covered",
            "delivery_mode": "How is it delivered?",
        }
        error_messages = {
            "name": {"required": "Enter the programme's name"},
            "conditions": {"required": "Enter the long-term conditions the programme covers"},
            "delivery_mode": {"required": "Select how the programme is delivered"},
            "description": {"required": "Describe the programme in a few sentences"},
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
        self.helper = PortalFormHelper()
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


class InvitationForm(PortalFormMixin, forms.Form):
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
        self.helper = PortalFormHelper()
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


class MembershipRoleForm(PortalFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=MembershipRole.choices,
        error_messages={"required": "Select the person's role"},
    )


class MembershipSigningForm(PortalFormMixin, forms.Form):
    """Grant ("1") or take away ("0") a member's right to sign declarations."""

    can_sign = forms.TypedChoiceField(
        choices=[("1", "Can sign"), ("0", "Cannot sign")], coerce=lambda value: value == "1"
    )


class InvitationAcceptForm(PortalFormMixin, forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        error_messages={"required": "Enter a password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        error_messages={"required": "Enter the password again"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["password1"].help_text = password_rules_help_text()
        self.helper = PortalFormHelper()
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


class AccountRequestForm(IdentifierFieldsMixin, PortalFormMixin, forms.Form):
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
        self._identifier_fields()
        for name, message in {
            "organisation_name": "Enter your organisation's name",
            "region": "Select the region your organisation works in",
            "programmes_description": "Describe your self-management programmes",
        }.items():
            self.fields[name].error_messages["required"] = message
        self.helper = PortalFormHelper()
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
        for field, message in self.duplicate_errors(cleaned).items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def duplicate_errors(self, cleaned: dict) -> dict[str, str]:
        """Messages, by field, for an organisation or person who already asked or is registered."""
        return account_request_conflicts(
            organisation_name=cleaned.get("organisation_name") or "",
            contact_email=cleaned.get("contact_email") or "",
        )


class AccountRequestEditForm(AccountRequestForm):
    """An administrator corrects a waiting request's details before deciding it.

    The same fields and checks as the public form, worded for QISMET staff; a changed name or
    email address must not clash with another organisation or request.
    """

    def __init__(self, *args, account_request: AccountRequest, **kwargs):
        kwargs.setdefault(
            "initial", {name: getattr(account_request, name) for name in REQUEST_FIELDS}
        )
        super().__init__(*args, **kwargs)
        self.account_request = account_request
        for name, field in self.fields.items():
            field.label = AccountRequestEdit.LABELS[name]
            field.help_text = ""
            field.widget.attrs.pop("autocomplete", None)
        # Worded for QISMET staff, not for the person who asked ("your organisation's name").
        for name, message in {
            "organisation_name": "Enter the organisation's name",
            "region": "Select the region the organisation works in",
            "programmes_description": "Describe the organisation's programmes",
        }.items():
            self.fields[name].error_messages["required"] = message
        self.fields[
            "contact_email"
        ].help_text = "Approval invites this address to set up the organisation's lead account."
        self.helper.layout = Layout(
            Fieldset("Organisation", "organisation_name", "address", "postcode", "region"),
            _identifiers_fieldset(),
            Fieldset(
                "Person who asked",
                "contact_name",
                "contact_job_title",
                "contact_email",
                "contact_phone",
            ),
            "programmes_description",
            Submit("save", "Save changes"),
        )

    def duplicate_errors(self, cleaned: dict) -> dict[str, str]:
        """Clashes of a changed name or email address with every other organisation or request."""

        def changed(name: str) -> str:
            value = (cleaned.get(name) or "").strip()
            return "" if value.lower() == getattr(self.account_request, name).lower() else value

        conflicts = account_request_conflicts(
            organisation_name=changed("organisation_name"),
            contact_email=changed("contact_email"),
            exclude_pk=self.account_request.pk,
        )
        return {field: STAFF_CONFLICT_MESSAGES[field] for field in conflicts}


class AccountRequestRejectForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="This is emailed to the person who asked, so write it for them.",
        error_messages={"required": "Enter the reason the request is turned down"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = PortalFormHelper()
        self.helper.form_tag = False
