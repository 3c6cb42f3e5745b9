"""Passkeys (allauth's WebAuthn) as a second factor: a passkey counts for staff on its own, staff
with none yet may add one instead of an authenticator app, staff cannot remove their last second
factor, and a passkey made to sign in without a password does so (accounts/two_step.py).

The passkeys here are SoftPasskey (tests/factories.py): real key pairs answering the pages' real
challenges, checked by allauth and fido2 as a browser's answer would be.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.two_step import has_second_factor, session_used_second_factor
from tests.factories import (
    TEST_PASSWORD,
    SoftPasskey,
    passkey_authenticator,
    totp_authenticator,
)

pytestmark = pytest.mark.django_db

STAFF = ["administrator", "assessor"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth counts attempts in the cache, by user id and address: ids come round again."""
    cache.clear()
    yield
    cache.clear()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _title(response) -> str:
    return response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]


def _with_next(name: str, url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': url})}"


def _password_only(user) -> Client:
    """A session signed in with the password alone (as from before two-step verification)."""
    client = Client()
    client.force_login(user)
    return client


def _signed_in_with(user, authenticator) -> Client:
    """A session signed in as the sign-in pages leave it after password and passkey."""
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()
    return client


def _confirm_password(client, next_url: str) -> None:
    """allauth's "confirm it is you" before adding, renaming or removing a second factor."""
    answer = client.post(
        f"{reverse('account_reauthenticate')}?{urlencode({'next': next_url})}",
        {"password": TEST_PASSWORD},
    )
    assert answer.status_code == 302, _text(answer)[:2000]


def _sign_in_with_password(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return response


def _request_options(response) -> dict:
    """The challenge a page handed to allauth's script for the browser."""
    return response.context["js_data"]["request_options"]


# --- a passkey counts as the second factor ------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_staff_with_only_a_passkey_are_asked_for_it_not_sent_to_set_up(role, user_of_role):
    user = user_of_role(role)
    passkey_authenticator(user)
    assert has_second_factor(user)
    client = _password_only(user)
    for url in [reverse("home"), reverse("profile"), reverse("accreditation:application_list")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == _with_next("mfa_reauthenticate_webauthn", url), url
        posted = client.post(url)
        assert posted["Location"] == reverse("mfa_reauthenticate_webauthn")
    htmx = client.get(reverse("accreditation:application_list"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == reverse("mfa_reauthenticate_webauthn")
    # Setting up another factor, or reading recovery codes, waits for the passkey too.
    for name in ("mfa_activate_totp", "mfa_add_webauthn", "mfa_view_recovery_codes", "mfa_index"):
        assert client.get(reverse(name))["Location"].startswith(
            reverse("mfa_reauthenticate_webauthn")
        ), name


def test_the_passkey_page_takes_the_passkey_and_carries_on(assessor):
    authenticator = passkey_authenticator(assessor)
    RecoveryCodes.activate(assessor)
    client = _password_only(assessor)
    url = reverse("profile")
    page = client.get(_with_next("mfa_reauthenticate_webauthn", url))
    assert page.status_code == 200
    assert "Use your passkey" in _text(page)
    # Allowed for this site's own passkeys only, and only this person's.
    options = _request_options(page)["publicKey"]
    assert options["rpId"] == "testserver"
    assert [c["id"] for c in options["allowCredentials"]] == [
        json.loads(json.dumps(authenticator.data["credential"]))["id"]
    ]
    # The recovery codes are offered as the way round a lost passkey, and that page opens too.
    assert "Use a code from your authenticator app or a recovery code" in _text(page)
    codes_page = client.get(_with_next("mfa_reauthenticate", url))
    assert codes_page.status_code == 200
    assert "Recovery code" in _text(codes_page)

    answer = authenticator.passkey.assertion(_request_options(page))
    response = client.post(
        reverse("mfa_reauthenticate_webauthn"), {"credential": json.dumps(answer), "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert session_used_second_factor(response.wsgi_request)
    assert client.get(url).status_code == 200


def test_a_passkey_that_is_not_theirs_is_refused_on_the_page(assessor):
    passkey_authenticator(assessor)
    client = _password_only(assessor)
    page = client.get(reverse("mfa_reauthenticate_webauthn"))
    stranger = SoftPasskey()
    refused = client.post(
        reverse("mfa_reauthenticate_webauthn"),
        {"credential": json.dumps(stranger.assertion(_request_options(page)))},
    )
    assert refused.status_code == 200
    assert _title(refused).startswith("Error:")
    assert "There is a problem" in _text(refused)
    assert "The passkey was not accepted" in _text(refused)
    # Nothing sent at all (no JavaScript) is said as such.
    empty = client.post(reverse("mfa_reauthenticate_webauthn"), {"credential": ""})
    assert "Your browser did not send a passkey" in _text(empty)
    assert client.get(reverse("home")).status_code == 302


def test_staff_sign_in_with_password_then_passkey(assessor):
    authenticator = passkey_authenticator(assessor)
    RecoveryCodes.activate(assessor)
    client = Client()
    assert _sign_in_with_password(client, assessor)["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("mfa_authenticate"))
    text = _text(page)
    assert "Use your passkey" in text
    # With no authenticator app, the code box takes recovery codes only, and says so.
    assert "Cannot use your passkey?" in text and "Recovery code" in text
    assert "authenticator app" not in text

    wrong = client.post(
        reverse("mfa_authenticate"),
        {"credential": json.dumps(SoftPasskey().assertion(_request_options(page)))},
    )
    assert wrong.status_code == 200
    assert "The passkey was not accepted" in _text(wrong)
    assert "_auth_user_id" not in client.session

    page = client.get(reverse("mfa_authenticate"))
    answer = authenticator.passkey.assertion(_request_options(page))
    response = client.post(reverse("mfa_authenticate"), {"credential": json.dumps(answer)})
    assert response.status_code == 302
    assert b"Your assessments" in client.get(reverse("home")).content
    records = client.session["account_authentication_methods"]
    assert [(r["method"], r.get("type")) for r in records] == [
        ("password", None),
        ("mfa", "webauthn"),
    ]


def test_staff_with_app_and_passkey_choose_either(administrator):
    totp_authenticator(administrator)
    passkey_authenticator(administrator)
    client = Client()
    _sign_in_with_password(client, administrator)
    text = _text(client.get(reverse("mfa_authenticate")))
    assert "Use your passkey" in text and "Or enter a code" in text
    # A session without the second factor goes to the code page, which offers the passkey.
    password_only = _password_only(administrator)
    url = reverse("profile")
    sent = password_only.get(url)
    assert sent["Location"] == _with_next("mfa_reauthenticate", url)
    code_page = password_only.get(sent["Location"])
    link = re.search(r'href="([^"]+)">Use your passkey instead', code_page.content.decode())
    assert link and link.group(1).startswith(reverse("mfa_reauthenticate_webauthn"))
    assert password_only.get(link.group(1).replace("&amp;", "&")).status_code == 200


# --- setting up a passkey -----------------------------------------------------------------------


def test_staff_without_a_second_factor_may_add_a_passkey_instead(assessor):
    client = _password_only(assessor)
    set_up = reverse("mfa_add_webauthn")
    asked = client.get(set_up)
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    _confirm_password(client, set_up)
    # The authenticator-app page offers the passkey instead.
    assert (
        f'href="{set_up}">Add a passkey instead'
        in client.get(reverse("mfa_activate_totp")).content.decode()
    )

    page = client.get(set_up)
    assert page.status_code == 200
    html = page.content.decode()
    # allauth's scripts come from the portal's own static files; nothing from elsewhere.
    for script in ("mfa/js/webauthn-json.js", "mfa/js/webauthn.js", "account/js/onload.js"):
        assert f'<script src="/static/{script}"></script>' in html
    assert not re.search(r'(src|href)="https?://', html)
    assert page.context["form"]["name"].value() == "Passkey"

    passkey = SoftPasskey()
    bad = client.post(
        set_up,
        {
            "name": "Work laptop",
            "credential": json.dumps(passkey.registration("bm90LXRoaXMtcGFnZXM")),
        },
    )
    assert bad.status_code == 200
    assert "The passkey could not be added" in _text(bad)
    assert _title(bad).startswith("Error:")
    assert not Authenticator.objects.filter(user=assessor).exists()

    page = client.get(set_up)
    challenge = page.context["js_data"]["creation_options"]["publicKey"]["challenge"]
    response = client.post(
        set_up,
        {"name": "Work laptop", "credential": json.dumps(passkey.registration(challenge))},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    added = Authenticator.objects.get(user=assessor, type=Authenticator.Type.WEBAUTHN)
    assert added.wrap().name == "Work laptop"
    # Adding it proved the passkey: the session counts as signed in with the second factor, and
    # recovery codes came with it.
    assert session_used_second_factor(response.wsgi_request)
    codes = client.get(response["Location"])
    assert len(re.findall(r"<li>\d{8}</li>", codes.content.decode())) == 10
    assert client.get(reverse("home")).status_code == 200
    assert client.get(set_up).context["form"]["name"].value() == "Passkey 2"


# --- removing, renaming -------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_staff_cannot_remove_their_only_passkey(role, user_of_role):
    user = user_of_role(role)
    authenticator = passkey_authenticator(user)
    RecoveryCodes.activate(user)
    client = _signed_in_with(user, authenticator)
    remove = reverse("mfa_remove_webauthn", kwargs={"pk": authenticator.pk})
    assert client.get(remove)["Location"].startswith(reverse("account_reauthenticate"))
    _confirm_password(client, remove)
    page = client.get(remove)
    assert "must use two-step verification, so it cannot be turned off" in _text(page)
    assert "Remove the passkey" not in _text(page)
    refused = client.post(remove)
    assert refused.status_code == 200
    assert "must use two-step verification" in _text(refused)
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    # The overview offers no button that would be refused.
    overview = client.get(reverse("mfa_index"))
    assert "Work laptop" in _text(overview)
    assert remove not in overview.content.decode()


def test_staff_with_an_app_may_remove_a_passkey_and_with_a_passkey_the_app(administrator):
    totp = totp_authenticator(administrator)
    authenticator = passkey_authenticator(administrator)
    client = _signed_in_with(administrator, authenticator)
    overview = client.get(reverse("mfa_index"))
    remove = reverse("mfa_remove_webauthn", kwargs={"pk": authenticator.pk})
    assert f"{remove}?next=" in overview.content.decode()
    assert reverse("mfa_deactivate_totp") in overview.content.decode()

    _confirm_password(client, reverse("mfa_deactivate_totp"))
    assert "cannot be turned off" not in _text(client.get(reverse("mfa_deactivate_totp")))
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    # Now the passkey is the last one, and stays.
    client.post(remove)
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()

    second = passkey_authenticator(administrator, name="Security key")
    response = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": second.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(pk=second.pk).exists()


def test_a_provider_may_remove_their_only_passkey(provider_user):
    authenticator = passkey_authenticator(provider_user)
    RecoveryCodes.activate(provider_user)
    client = _password_only(provider_user)
    remove = reverse("mfa_remove_webauthn", kwargs={"pk": authenticator.pk})
    _confirm_password(client, remove)
    assert "recovery codes will stop working" in _text(client.get(remove))
    assert client.post(remove).status_code == 302
    assert not Authenticator.objects.filter(user=provider_user).exists()


def test_someone_elses_passkey_cannot_be_renamed_or_removed(assessor, administrator):
    theirs = passkey_authenticator(administrator)
    mine = passkey_authenticator(assessor)
    client = _signed_in_with(assessor, mine)
    remove = reverse("mfa_remove_webauthn", kwargs={"pk": theirs.pk})
    _confirm_password(client, remove)
    assert client.post(remove).status_code == 404
    assert client.get(reverse("mfa_edit_webauthn", kwargs={"pk": theirs.pk})).status_code == 404
    assert Authenticator.objects.filter(pk=theirs.pk).exists()


def test_passkeys_are_renamed_from_the_overview(assessor):
    authenticator = passkey_authenticator(assessor)
    client = _signed_in_with(assessor, authenticator)
    overview = client.get(reverse("mfa_index")).content.decode()
    link = re.search(r'href="([^"]+)">Rename<span class="visually-hidden"> passkey', overview)
    assert link
    rename = link.group(1).replace("&amp;", "&")
    _confirm_password(client, rename)
    empty = client.post(rename, {"name": ""})
    assert "Enter a name for this passkey" in _text(empty)
    response = client.post(rename, {"name": "Phone"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    authenticator.refresh_from_db()
    assert authenticator.wrap().name == "Phone"


# --- signing in with a passkey alone ------------------------------------------------------------


def _passkey_sign_in(client, authenticator, **fields):
    """What the sign-in page's "Use a passkey" does: ask for a challenge, answer it, post it."""
    options = client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json")
    assert options.status_code == 200
    answer = authenticator.passkey.assertion(
        options.json()["request_options"],
        user_handle=user_pk_to_url_str(authenticator.user).encode(),
    )
    return client.post(reverse("mfa_login_webauthn"), {"credential": json.dumps(answer), **fields})


def test_the_sign_in_page_offers_a_passkey(client):
    page = client.get(reverse("account_login"))
    assert "Have a passkey?" in _text(page)
    assert re.search(
        r'<button [^>]*id="passkey-login">Use a passkey</button>', page.content.decode()
    )
    assert f'action="{reverse("mfa_login_webauthn")}"' in page.content.decode()


@pytest.mark.parametrize("role", STAFF)
def test_staff_sign_in_with_a_passkey_alone_counts_as_the_second_factor(role, user_of_role):
    user = user_of_role(role)
    authenticator = passkey_authenticator(user, resident=True)
    client = Client()
    response = _passkey_sign_in(client, authenticator, next=reverse("profile"))
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert session_used_second_factor(response.wsgi_request)
    records = client.session["account_authentication_methods"]
    assert [(r["method"], r.get("passwordless")) for r in records] == [("mfa", True)]
    # Past the portal's two-step rule: the profile opens, no code asked for.
    assert client.get(reverse("profile")).status_code == 200


def test_an_inactive_account_cannot_sign_in_with_a_passkey(assessor):
    authenticator = passkey_authenticator(assessor, resident=True)
    assessor.is_active = False
    assessor.save(update_fields=["is_active"])
    client = Client()
    response = _passkey_sign_in(client, authenticator)
    assert "_auth_user_id" not in client.session
    assert response["Location"] == reverse("account_inactive")


def test_a_passkey_not_on_the_account_does_not_sign_in(assessor):
    passkey_authenticator(assessor, resident=True)
    stranger = passkey_authenticator(assessor, resident=True)
    stranger.delete()
    client = Client()
    response = _passkey_sign_in(client, stranger)
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("account_login"))
    assert "The passkey was not accepted" in _text(page)


def test_passkey_sign_in_is_limited_per_address(assessor):
    """There is nothing to guess, but every try costs a signature check: allauth's own limit."""
    authenticator = passkey_authenticator(assessor, resident=True)
    client = Client()
    answers = [
        client.post(reverse("mfa_login_webauthn"), {"credential": "{}"}).status_code
        for _ in range(10)
    ]
    assert answers == [302] * 10
    assert _passkey_sign_in(client, authenticator).status_code == 429
    assert "_auth_user_id" not in client.session
