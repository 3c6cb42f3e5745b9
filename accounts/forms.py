from allauth.account.forms import LoginForm as AllauthLoginForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "job_title", "phone"]
        labels = {"full_name": "Full name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.add_input(Submit("save", "Save changes"))


class AssessorCreateForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(
        label="Email address",
        help_text="We email a link to this address so they can set a password.",
    )
    job_title = forms.CharField(label="Job title or background", max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"data-warn-unsaved": ""}
        self.helper.add_input(Submit("create", "Create assessor account"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("There is already an account with this email address.")
        return email


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form with plain labels; the reset link sits under the form instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"
