from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthMFAAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthMFAReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm as AllauthAuthenticateWebAuthnForm
from allauth.mfa.webauthn.forms import EditWebAuthnForm as AllauthEditWebAuthnForm
from allauth.mfa.webauthn.forms import LoginWebAuthnForm as AllauthLoginWebAuthnForm
from allauth.mfa.webauthn.forms import (
    ReauthenticateWebAuthnForm as AllauthReauthenticateWebAuthnForm,
)
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
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


RECOVERY_CODE_HELP = "One of the 8-digit recovery codes you saved. Each works once."


class _SecondFactorsOfUser:
    """The code step, worded for what the person answering has set up: with passkeys only, the
    code can only be a recovery code. The page also offers the passkey when there is one."""

    user: object

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.has_app:
            _plain_code_field(self, "Code", CODE_HELP)
        else:
            _plain_code_field(self, "Recovery code", RECOVERY_CODE_HELP)
            self.fields["code"].error_messages["required"] = "Enter one of your recovery codes"

    def clean_code(self):
        try:
            return super().clean_code()
        except ValidationError as error:
            if getattr(error, "code", None) == "incorrect_code" and not self.has_app:
                raise ValidationError(
                    "The code is not right. Enter one of your recovery codes", code=error.code
                ) from error
            raise

    @cached_property
    def _types(self) -> set[str]:
        return set(Authenticator.objects.filter(user=self.user).values_list("type", flat=True))

    @property
    def has_app(self) -> bool:
        return Authenticator.Type.TOTP in self._types

    @property
    def has_passkey(self) -> bool:
        return Authenticator.Type.WEBAUTHN in self._types


class TwoStepAuthenticateForm(_SecondFactorsOfUser, PortalFormMixin, AllauthMFAAuthenticateForm):
    """The code step of signing in."""

    @cached_property
    def demo_code(self) -> str | None:
        """Today's code, in the embedded demo only, for a demo account (accounts/two_step.py)."""
        from .two_step import demo_code_for

        return demo_code_for(self.user)


class TwoStepReauthenticateForm(
    _SecondFactorsOfUser, PortalFormMixin, AllauthMFAReauthenticateForm
):
    """A code asked for again, in a session that has not used the second factor."""

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


# --- passkeys (allauth.mfa's WebAuthn) ----------------------------------------------------------

PASSKEY_NAME_MAX_LENGTH = 60
PASSKEY_NAME_HELP = "So you can tell your passkeys apart, for example “Work laptop” or “Phone”."
PASSKEY_NOT_SENT = (
    "Your browser did not send a passkey. Choose the passkey button and follow your browser's "
    "steps; passkeys need JavaScript turned on"
)
PASSKEY_NOT_ACCEPTED = (
    "The passkey was not accepted. Try again with a passkey you added to your QISMET portal account"
)
PASSKEY_NOT_ADDED = "The passkey could not be added. Try again"
PASSKEY_TOO_MANY = "Too many tries. Wait 5 minutes, then try again"


def _passkey_name_field(form) -> None:
    field = form.fields["name"]
    field.label = "Name of this passkey"
    field.help_text = PASSKEY_NAME_HELP
    field.max_length = PASSKEY_NAME_MAX_LENGTH
    field.validators.append(MaxLengthValidator(PASSKEY_NAME_MAX_LENGTH))
    field.error_messages["max_length"] = (
        f"The name must be {PASSKEY_NAME_MAX_LENGTH} characters or fewer"
    )
    field.widget.attrs.update({"maxlength": str(PASSKEY_NAME_MAX_LENGTH), "autocomplete": "off"})


def _passkey_credential_field(form) -> None:
    """The hidden field allauth's script fills with what the browser's passkey answered."""
    form.fields["credential"].error_messages.update(
        {"required": PASSKEY_NOT_SENT, "invalid": PASSKEY_NOT_SENT}
    )


class AddPasskeyForm(PortalFormMixin, AllauthAddWebAuthnForm):
    """Adding a passkey: a name for it, and (with passkey sign-in on) whether it may sign in on its
    own. The browser makes the passkey when the button is pressed (allauth's script)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _passkey_name_field(self)
        _passkey_credential_field(self)
        if "passwordless" in self.fields:
            field = self.fields["passwordless"]
            field.label = "Also use this passkey to sign in without your password"
            field.help_text = (
                "Your device will ask for your fingerprint, face, PIN or screen lock each time. "
                "Some security keys cannot do this."
            )

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if getattr(error, "code", None) == "incorrect_code":
                raise ValidationError(PASSKEY_NOT_ADDED, code="passkey_not_added") from error
            raise


class RenamePasskeyForm(PortalFormMixin, AllauthEditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _passkey_name_field(self)
        self.fields["name"].error_messages["required"] = "Enter a name for this passkey"


class _PasskeyAnswer:
    """A passkey given to sign in or to confirm it is you: allauth words every refusal as a
    wrong code; here it says what happened to the passkey."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _passkey_credential_field(self)

    def clean_credential(self):
        try:
            return super().clean_credential()
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code == "incorrect_code":
                raise ValidationError(PASSKEY_NOT_ACCEPTED, code="passkey_not_accepted") from error
            if code == "too_many_login_attempts":
                raise ValidationError(PASSKEY_TOO_MANY, code=code) from error
            raise


class PasskeyAuthenticateForm(_PasskeyAnswer, PortalFormMixin, AllauthAuthenticateWebAuthnForm):
    """The passkey as the second step of signing in."""


class PasskeyReauthenticateForm(_PasskeyAnswer, PortalFormMixin, AllauthReauthenticateWebAuthnForm):
    """The passkey asked for again: to confirm it is you, or in a session without the second
    step (accounts/two_step.py)."""


class PasskeyLoginForm(_PasskeyAnswer, PortalFormMixin, AllauthLoginWebAuthnForm):
    """Signing in with a passkey alone, from the sign-in page."""


class RemovePasskeyForm(forms.Form):
    """Nothing to fill in; refused when the passkey is the last second factor of someone who
    must have one (accounts.adapters.MFAAdapter), which allauth's own removal does not ask."""

    def __init__(self, *args, authenticator, **kwargs):
        self.authenticator = authenticator
        super().__init__(*args, **kwargs)

    def clean(self):
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(self.authenticator):
            raise adapter.validation_error("cannot_delete_authenticator")
        return super().clean()
