"""The allauth pages and emails people meet: plain UK English, our frame, nothing inline."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts.forms import password_rules_help_text
from tests.factories import TEST_PASSWORD, AssessorFactory

pytestmark = pytest.mark.django_db

# allauth's own wording, which must not reach people.
BOILERPLATE = [
    "Hello from",
    "Thank you for using",
    "testserver!",
    "You're receiving this",
    "sign up for an account",
]
TITLE_CASE = [
    b"Password Reset",
    b"Change Password",
    b"Set Password",
    b"Sign Out",
    b"Bad Token",
    b"Sign Up Closed",
    b"Account Inactive",
    b"Confirm Access",
    b"Email Addresses",
    b"Successfully",
]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _path_from(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, f"no link in email: {message.body}"
    return match.group(1)


def _text(response) -> str:
    """The page's visible words, tags removed and whitespace squeezed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([.,:;!?])", r"\1", text)


def _h1(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert match, "page has no h1"
    return " ".join(match.group(1).split())


def _assert_clean_page(response) -> None:
    content = response.content
    assert b'style="' not in content, "inline style attribute"
    assert not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", content), "inline script"
    assert not re.search(rb"\son[a-z]+=", content), "inline event handler"
    assert b"placeholder=" not in content
    for phrase in TITLE_CASE:
        assert phrase not in content, phrase
    assert b'class="card shadow-sm"' in content, "page is not in the portal's card frame"


def _reset_form_url(client, user) -> str:
    client.post(reverse("account_reset_password"), {"email": user.email})
    response = client.get(_path_from(mail.outbox[-1]))
    assert response.status_code == 302
    return response["Location"]


# Pages anyone can reach --------------------------------------------------------------------------


def test_reset_request_page_asks_for_the_sign_in_address(client):
    response = client.get(reverse("account_reset_password"))
    assert _h1(response) == "Reset your password"
    text = _text(response)
    assert "Enter the email address you use to sign in" in text
    assert "Email address" in text
    assert "Email me a reset link" in text
    assert reverse("account_login") in response.content.decode()
    assert "Reset your password – QISMET accreditation portal" in text
    _assert_clean_page(response)


def test_reset_request_with_a_bad_address_says_so_in_the_title(client):
    response = client.post(reverse("account_reset_password"), {"email": "not an address"})
    assert response.status_code == 200
    assert "<title>Error: Reset your password" in response.content.decode()
    assert "in the correct format, like name@example.com" in _text(response)


def test_reset_request_leads_to_check_your_email(client, assessor):
    response = client.post(
        reverse("account_reset_password"), {"email": assessor.email}, follow=True
    )
    assert _h1(response) == "Check your email"
    text = _text(response)
    assert "we have sent it an email with a link to choose a new password" in text
    assert "Check your spam or junk folder" in text
    _assert_clean_page(response)


def test_reset_email_has_the_link_and_none_of_the_boilerplate(client, assessor):
    client.post(reverse("account_reset_password"), {"email": assessor.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [assessor.email]
    assert message.subject == "[QISMET] Reset your password"
    body = message.body
    assert re.search(r"https?://\S+/accounts/password/reset/key/\S+-\S+/", body)
    assert body.startswith("Dear Asha Assessor,")
    assert "To choose a new password, open this link:" in body
    assert "If you did not ask to reset your password, you can ignore this email." in body
    assert body.rstrip().endswith("The QISMET team")
    for phrase in BOILERPLATE:
        assert phrase not in body, phrase


def test_unknown_address_gets_an_explanation_without_a_sign_up_link(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nobody@example.org"]
    assert message.subject == "[QISMET] Password reset request"
    assert "There is no portal account with this email address" in message.body
    assert "Accounts are set up by QISMET" in message.body
    assert "/accounts/signup/" not in message.body
    assert message.body.rstrip().endswith("The QISMET team")
    for phrase in BOILERPLATE:
        assert phrase not in message.body, phrase


def test_choose_new_password_page_then_sign_in(client, assessor):
    form_url = _reset_form_url(client, assessor)
    response = client.get(form_url)
    assert _h1(response) == "Choose a new password"
    text = _text(response)
    assert f"You are choosing a password for {assessor.email}" in text
    assert "New password again" in text
    assert "Use at least 10 characters." in text
    assert "Save password" in text
    # Nobody needs the "Cancel" sign-out-of-this-stage button here.
    assert "logout-from-stage" not in response.content.decode()
    assert "Cancel" not in text
    _assert_clean_page(response)

    response = client.post(
        form_url,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
        follow=True,
    )
    assert _h1(response) == "You can now sign in"
    assert "Your new password has been saved." in _text(response)
    _assert_clean_page(response)

    response = client.post(
        reverse("account_login"),
        {"login": assessor.email, "password": "a-brand-new-passphrase"},
        follow=True,
    )
    # Signed in; an assessor with no authenticator app yet is sent to set one up first (allauth
    # asks for the password once more before an authenticator is added).
    assert [url.split("?")[0] for url, _ in response.redirect_chain[-2:]] == [
        reverse("mfa_activate_totp"),
        reverse("account_reauthenticate"),
    ]
    assert "You are signed in as Asha Assessor." in _text(response)


def test_mismatched_new_passwords_are_explained(client, assessor):
    form_url = _reset_form_url(client, assessor)
    response = client.post(
        form_url, {"password1": "a-brand-new-passphrase", "password2": "a-different-one-here"}
    )
    assert response.status_code == 200
    assert "<title>Error: Choose a new password" in response.content.decode()
    assert "You must type the same password each time." in _text(response)
    assessor.refresh_from_db()
    assert assessor.check_password(TEST_PASSWORD)


def test_invalid_reset_link_says_so_and_offers_a_new_one(client, assessor):
    response = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "not-a-real-key"})
    )
    assert response.status_code == 200
    assert _h1(response) == "This link has expired"
    text = _text(response)
    assert "has expired or has already been used" in text
    assert "Send me a new link" in text
    assert f'href="{reverse("account_reset_password")}"' in response.content.decode()
    _assert_clean_page(response)


def test_used_reset_link_says_it_has_expired(client, assessor):
    client.post(reverse("account_reset_password"), {"email": assessor.email})
    link = _path_from(mail.outbox[0])
    form_url = client.get(link)["Location"]
    client.post(
        form_url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    response = client.get(link)
    assert _h1(response) == "This link has expired"
    assert "Send me a new link" in _text(response)


def test_invited_person_chooses_their_first_password(client):
    from accounts.tasks import send_account_invitation

    newcomer = AssessorFactory(full_name="Nia Newcomer", email="nia@example.org")
    newcomer.set_unusable_password()
    newcomer.save()
    assert send_account_invitation(newcomer.pk, None)
    response = client.get(_path_from(mail.outbox[0]), follow=True)
    assert _h1(response) == "Choose a new password"
    assert "You are choosing a password for nia@example.org" in _text(response)


def test_closed_sign_up_explains_who_sets_up_accounts(client):
    response = client.get(reverse("account_signup"))
    assert _h1(response) == "Accounts are set up by QISMET"
    text = _text(response)
    assert "you cannot create an account yourself" in text
    html = response.content.decode()
    # an organisation that wants accrediting is led to the public request form, not told to
    # find a way of contacting QISMET
    request_form = reverse("providers:account_request")
    assert f'<a href="{request_form}">ask for an account for your organisation</a>' in html
    assert reverse("account_login") in html
    _assert_clean_page(response)


def test_sign_in_page_links_to_the_account_request_form(client):
    response = client.get(reverse("account_login"))
    assert _h1(response) == "Sign in"
    request_form = reverse("providers:account_request")
    assert f'<a href="{request_form}">ask for an account for your organisation</a>' in (
        response.content.decode()
    )
    # the footer leads the public to a page they can read without signing in
    assert f'href="{reverse("standards:about")}">About the standard</a>' in (
        response.content.decode()
    )
    assert f'href="{reverse("standards:index")}"' not in response.content.decode()


def test_deactivated_account_page_says_to_contact_qismet(client):
    response = client.get(reverse("account_inactive"))
    assert _h1(response) == "Your account has been deactivated"
    assert "contact QISMET" in _text(response)
    _assert_clean_page(response)


def test_invalid_email_confirmation_link_is_explained(client):
    response = client.get(reverse("account_confirm_email", kwargs={"key": "nonsense"}))
    assert _h1(response) == "Confirm your email address"
    assert "This link has expired or is not valid." in _text(response)
    _assert_clean_page(response)


# Pages for people who are signed in ----------------------------------------------------------------


def test_change_password_page_and_success_message(login, provider_user):
    client = login(provider_user)
    response = client.get(reverse("account_change_password"))
    assert _h1(response) == "Change your password"
    text = _text(response)
    for label in ("Current password", "New password", "New password again"):
        assert label in text
    assert "Forgotten your current password?" in text
    assert "Change password" in text
    _assert_clean_page(response)

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "another-good-passphrase",
            "password2": "another-good-passphrase",
        },
        follow=True,
    )
    assert "Your new password has been saved." in _text(response)


def test_wrong_current_password_is_an_error_in_the_title(login, provider_user):
    response = login(provider_user).post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "another-good-one", "password2": "another-good-one"},
    )
    assert "<title>Error: Change your password" in response.content.decode()
    assert "Please type your current password." in _text(response)


def test_set_password_page_for_an_account_without_one(login):
    user = AssessorFactory()
    user.set_unusable_password()
    user.save()
    client = login(user)
    response = client.get(reverse("account_set_password"))
    assert _h1(response) == "Choose a password"
    assert "New password again" in _text(response)
    _assert_clean_page(response)
    response = client.post(
        reverse("account_set_password"),
        {"password1": "a-first-passphrase", "password2": "a-first-passphrase"},
        follow=True,
    )
    assert "Your password has been saved." in _text(response)
    user.refresh_from_db()
    assert user.check_password("a-first-passphrase")


def test_sign_out_page_asks_and_offers_a_way_back(login, assessor):
    client = login(assessor)
    response = client.get(reverse("account_logout"))
    assert _h1(response) == "Sign out"
    text = _text(response)
    assert "Do you want to sign out of the QISMET accreditation portal?" in text
    assert "Stay signed in" in text
    _assert_clean_page(response)
    response = client.post(reverse("account_logout"), follow=True)
    assert "You have signed out." in _text(response)


def test_reset_page_when_already_signed_in_points_to_change_password(login, assessor):
    response = login(assessor).get(reverse("account_reset_password"))
    assert "You are already signed in as Asha Assessor." in _text(response)
    assert reverse("account_change_password") in response.content.decode()


def test_reauthenticate_page_is_plain(login, assessor):
    response = login(assessor).get(reverse("account_reauthenticate"))
    assert _h1(response) == "Confirm it is you"
    assert "enter your password again" in _text(response)
    assert re.search(r'<label\s+for="id_password"', response.content.decode())
    assert _text(response).count("Forgotten your password?") == 1
    assert "Forgot your" not in _text(response)
    _assert_clean_page(response)


def test_email_page_shows_the_address_and_who_can_change_it(login, assessor):
    response = login(assessor).get(reverse("account_email"))
    assert _h1(response) == "Your email address"
    text = _text(response)
    assert assessor.email in text
    assert "To change the email address on your account, contact QISMET." in text
    assert "<form" not in response.content.decode().split("<main", 1)[1]
    _assert_clean_page(response)


# Forms and notification emails ---------------------------------------------------------------------


@override_settings(
    AUTH_PASSWORD_VALIDATORS=[
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 14},
        },
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
)
def test_password_rules_follow_the_configured_validators():
    text = password_rules_help_text()
    assert text.startswith("Use at least 14 characters. It must not be only numbers.")
    assert "commonly used" not in text


@override_settings(ACCOUNT_EMAIL_NOTIFICATIONS=True)
def test_password_changed_notification_is_plain_and_signed(login, provider_user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=provider_user, email=provider_user.email, primary=True, verified=True
    )
    login(provider_user).post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "another-good-passphrase",
            "password2": "another-good-passphrase",
        },
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[QISMET] Your password has been changed"
    assert message.body.startswith("Hello,")
    assert "has been changed" in message.body
    assert "Forgotten your password?" in message.body
    assert message.body.rstrip().endswith("The QISMET team")
    for phrase in BOILERPLATE:
        assert phrase not in message.body, phrase
