from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.mfa.base.forms import AuthenticateForm as AllauthMFAAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthMFAReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from qismet_portal.forms import PortalFormHelper, PortalFormMixin

from .models import User


class ProfileForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "job_title", "phone"]
        labels = {"full_name": "Full name"}
        error_messages = {"full_name": {"required": "Enter your full name"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = PortalFormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.add_input(Submit("save", "Save changes"))


class AssessorCreateForm(PortalFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={"required": "Enter the assessor's full name"},
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We email a link to this address so they can set a password.",
        error_messages={"required": "Enter the assessor's email address"},
    )
    job_title = forms.CharField(label="Job title or background", max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = PortalFormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.add_input(Submit("create", "Create assessor account"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("There is already an account with this email address.")
        return email


class LoginForm(PortalFormMixin, AllauthLoginForm):
    """allauth's sign-in form with plain labels; the reset link sits under the form instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


def password_rules_help_text() -> str:
    """The password rules in plain words, read from AUTH_PASSWORD_VALIDATORS."""
    rules: list[str] = []
    must_not: dict[int, str] = {}
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            rules.append(f"Use at least {validator.min_length} characters.")
        elif isinstance(validator, password_validation.CommonPasswordValidator):
            must_not[0] = "a commonly used password"
        elif isinstance(validator, password_validation.NumericPasswordValidator):
            must_not[1] = "only numbers"
        elif isinstance(validator, password_validation.UserAttributeSimilarityValidator):
            must_not[2] = "similar to your name or email address"
        else:
            rules.append(str(validator.get_help_text()))
    if must_not:
        words = [must_not[key] for key in sorted(must_not)]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        rules.append(f"It must not be {listed}.")
    rules.append("Three random words together make a strong password that is easy to remember.")
    return " ".join(rules)


#: What to say when one of allauth's fields is left empty, by field name.
REQUIRED_MESSAGES = {
    "email": "Enter your email address",
    "password": "Enter your password",
    "oldpassword": "Enter your current password",
    "password1": "Enter a new password",
    "password2": "Enter the new password again",
}


class PlainPasswordFieldsMixin:
    """Sentence-case labels, no placeholders repeating the labels, readable password rules,
    and messages that say which password is missing."""

    labels: dict[str, str] = {}

    def _plain_fields(self) -> None:
        for name, label in self.labels.items():
            field = self.fields[name]
            field.label = label
            field.widget.attrs.pop("placeholder", None)
        for name, message in REQUIRED_MESSAGES.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message
        if "password1" in self.fields:
            self.fields["password1"].help_text = password_rules_help_text()
        if "password2" in self.fields:
            self.fields["password2"].help_text = ""


class ResetPasswordForm(PortalFormMixin, PlainPasswordFieldsMixin, AllauthResetPasswordForm):
    labels = {"email": "Email address"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_fields()


class ResetPasswordKeyForm(PortalFormMixin, PlainPasswordFieldsMixin, AllauthResetPasswordKeyForm):
    labels = {"password1": "New password", "password2": "New password again"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_fields()


class ChangePasswordForm(PortalFormMixin, PlainPasswordFieldsMixin, AllauthChangePasswordForm):
    labels = {
        "oldpassword": "Current password",
        "password1": "New password",
        "password2": "New password again",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_fields()
        self.fields["oldpassword"].help_text = format_html(
            '<a href="{}">Forgotten your current password?</a>', reverse("account_reset_password")
        )


class SetPasswordForm(PortalFormMixin, PlainPasswordFieldsMixin, AllauthSetPasswordForm):
    labels = {"password1": "New password", "password2": "New password again"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_fields()


class ReauthenticateForm(PortalFormMixin, PlainPasswordFieldsMixin, AllauthReauthenticateForm):
    labels = {"password": "Password"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_fields()


class SigninUnlockRequestForm(forms.Form):
    email = forms.EmailField(label="Email address of your account", max_length=254)


# --- two-step verification (allauth.mfa) -------------------------------------------------------

CODE_HELP = "The 6-digit code your authenticator app shows now. You can also use a recovery code."


def _plain_code_field(form, label: str, help_text: str) -> None:
    field = form.fields["code"]
    field.label = label
    field.help_text = help_text
    field.error_messages["required"] = "Enter the code from your authenticator app"
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(
        {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
    )


class TwoStepAuthenticateForm(PortalFormMixin, AllauthMFAAuthenticateForm):
    """The code step of signing in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_code_field(self, "Code", CODE_HELP)

    @cached_property
    def demo_code(self) -> str | None:
        """Today's code, in the embedded demo only, for a demo account (accounts/two_step.py)."""
        from .two_step import demo_code_for

        return demo_code_for(self.user)


class TwoStepReauthenticateForm(PortalFormMixin, AllauthMFAReauthenticateForm):
    """A code asked for again, in a session that has not used the second factor."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_code_field(self, "Code", CODE_HELP)

    demo_code = TwoStepAuthenticateForm.demo_code


class ActivateTOTPForm(PortalFormMixin, AllauthActivateTOTPForm):
    """Setting up an authenticator app: the first code it shows proves it is set up right."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_code_field(
            self, "Code from your authenticator app", "The 6-digit code the app shows now."
        )

    @property
    def secret_groups(self) -> str:
        """The key in groups of four, easier to copy by hand than one long string."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))
