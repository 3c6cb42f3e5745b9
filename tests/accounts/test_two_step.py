"""Two-step verification: staff cannot reach anything before their second factor; providers may
opt in (accounts/two_step.py)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import URLPattern, get_resolver, reverse

from accounts.demo import DEMO_TOTP_SECRET
from accounts.two_step import demo_code_for
from tests.factories import TEST_PASSWORD, sign_in, totp_authenticator, totp_code
from tests.test_settings import GOOD_SECRET, django_setup

pytestmark = pytest.mark.django_db

STAFF = ["administrator", "assessor"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth counts wrong codes and used codes in the cache, by user id: ids come round again
    from one test to the next."""
    cache.clear()
    yield
    cache.clear()


def _application_urls() -> list[str]:
    """Every URL of the applications area, with made-up ids: the rule applies before any view
    looks its object up."""
    resolver = get_resolver()
    urls = []
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "accreditation":
            continue
        for entry in pattern.url_patterns:
            assert isinstance(entry, URLPattern)
            kwargs = dict.fromkeys(entry.pattern.regex.groupindex, 1)
            urls.append(reverse(f"accreditation:{entry.name}", kwargs=kwargs))
    assert len(urls) > 10
    return urls


def _password_only(user) -> Client:
    """A session signed in with the password alone (as from before two-step verification)."""
    client = Client()
    client.force_login(user)
    return client


def _with_next(name: str, url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': url})}"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- staff without an authenticator app --------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_staff_without_a_device_are_sent_to_set_up_from_every_application_url(role, user_of_role):
    client = _password_only(user_of_role(role))
    for url in [reverse("home"), reverse("profile"), *_application_urls()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == _with_next("mfa_activate_totp", url), url
        posted = client.post(url)
        assert posted.status_code == 302 and posted["Location"] == reverse("mfa_activate_totp")


def test_what_staff_may_reach_before_the_second_factor(assessor):
    client = _password_only(assessor)
    assert client.get(reverse("health")).status_code in {200, 503}
    assert client.get(reverse("robots_txt")).status_code == 200
    assert client.get(reverse("standards:about")).status_code == 200
    # Set-up asks for the password again first (allauth), and that page is open too.
    answer = client.get(reverse("mfa_activate_totp"))
    assert answer["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(answer["Location"]).status_code == 200
    # Recovery codes are not: reading them with a password alone would be a way round.
    for name in ("mfa_view_recovery_codes", "mfa_generate_recovery_codes"):
        assert client.get(reverse(name))["Location"].startswith(reverse("mfa_activate_totp"))
    signed_out = client.post(reverse("account_logout"))
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_htmx_requests_are_told_where_to_go(assessor):
    client = _password_only(assessor)
    response = client.get(reverse("accreditation:application_list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def _reauthenticate_with_password(client) -> None:
    answer = client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("mfa_activate_totp"),
        {"password": TEST_PASSWORD},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]


def _activate(client, *, code: str | None = None):
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    html = page.content.decode()
    # The QR code is inline: no image or script is fetched from anywhere else.
    assert 'src="data:image/svg+xml;base64,' in html
    assert not re.search(r'(src|href)="https?://', html)
    secret = client.session["mfa.totp.secret"]
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    return client.post(reverse("mfa_activate_totp"), {"code": code or totp_code(secret)}), secret


def test_staff_set_up_an_authenticator_app_and_carry_on(administrator):
    client = _password_only(administrator)
    _reauthenticate_with_password(client)
    wrong, _ = _activate(client, code="000000")
    assert wrong.status_code == 200
    assert "The code is not right" in _text(wrong)
    assert "There is a problem" in _text(wrong)
    response, _secret = _activate(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    assert len(re.findall(r"<li>\d{8}</li>", codes.content.decode())) == 10
    # Setting up proved the code: the session counts as signed in with the second factor.
    assert client.get(reverse("home")).status_code == 200
    assert Authenticator.objects.filter(user=administrator, type="totp").count() == 1


def test_staff_cannot_turn_the_authenticator_app_off(login, assessor):
    client = login(assessor)
    # Turning it off asks to confirm it is you first (allauth), then refuses.
    asked = client.get(reverse("mfa_deactivate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    _reauthenticate_with_password(client)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert "must use two-step verification, so it cannot be turned off" in _text(page)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=assessor, type="totp").exists()


# --- staff with an authenticator app --------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_a_password_only_session_is_asked_for_the_code(role, user_of_role):
    user = user_of_role(role)
    totp_authenticator(user)
    client = _password_only(user)
    url = reverse("profile")
    response = client.get(url)
    assert response["Location"] == _with_next("mfa_reauthenticate", url)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Two-step verification" in _text(page)
    # Nothing else opens meanwhile, set-up included.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("mfa_reauthenticate")
    )

    wrong = client.post(
        response["Location"], {"code": "123456" if totp_code() != "123456" else "1"}
    )
    assert wrong.status_code == 200
    assert "Error:" in wrong.content.decode().split("</title>")[0]
    assert "The code is not right. Enter the 6-digit code your authenticator app shows now" in (
        _text(wrong)
    )
    assert client.get(url).status_code == 302

    right = client.post(response["Location"], {"code": totp_code()})
    assert right.status_code == 302 and right["Location"] == url
    assert client.get(url).status_code == 200


def _sign_in_through_pages(client, user) -> object:
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return response


def test_staff_sign_in_asks_for_the_code_before_the_session_is_signed_in(assessor):
    totp_authenticator(assessor)
    client = Client()
    response = _sign_in_through_pages(client, assessor)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 200  # the public home page
    assert b"Your assessments" not in client.get(reverse("home")).content
    answer = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert answer.status_code == 302
    assert b"Your assessments" in client.get(reverse("home")).content


def test_recovery_codes_work_once(assessor):
    totp_authenticator(assessor)
    recovery = RecoveryCodes.activate(assessor)
    code = recovery.get_unused_codes()[0]

    first = Client()
    _sign_in_through_pages(first, assessor)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert b"Your assessments" in first.get(reverse("home")).content

    second = Client()
    _sign_in_through_pages(second, assessor)
    refused = second.post(reverse("mfa_authenticate"), {"code": code})
    assert refused.status_code == 200
    assert "The code is not right" in _text(refused)
    assert "_auth_user_id" not in second.session


def test_wrong_codes_are_limited(assessor):
    totp_authenticator(assessor)
    client = Client()
    _sign_in_through_pages(client, assessor)
    wrong = "000001" if totp_code() != "000001" else "000002"
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    refused = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert refused.status_code == 200
    assert "Too many wrong codes" in _text(refused)


def test_a_signed_in_staff_session_costs_no_extra_query(login, assessor, django_assert_num_queries):
    from accounts.two_step import StaffTwoStepMiddleware

    client = login(assessor)
    request = client.get(reverse("profile")).wsgi_request
    with django_assert_num_queries(0):
        assert StaffTwoStepMiddleware(lambda r: None).process_view(request, None, (), {}) is None


# --- providers ----------------------------------------------------------------------------------


def test_providers_are_not_forced(provider_user):
    client = _password_only(provider_user)
    for name in ("home", "profile", "accreditation:application_list"):
        assert client.get(reverse(name)).status_code == 200, name
    profile = client.get(reverse("profile"))
    assert "Set up two-step verification" in _text(profile)


def test_a_provider_can_set_up_two_step_verification(provider_user):
    client = _password_only(provider_user)
    _reauthenticate_with_password(client)
    response, _secret = _activate(client)
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=provider_user, type="totp").exists()
    assert "Manage two-step verification" in _text(client.get(reverse("profile")))
    # From now on their sign-in asks for the code too.
    fresh = Client()
    assert _sign_in_through_pages(fresh, provider_user)["Location"] == reverse("mfa_authenticate")


# --- the demo aid -----------------------------------------------------------------------------


def test_the_demo_code_shows_only_in_the_demo_and_only_for_the_demo_key(assessor, administrator):
    totp_authenticator(assessor, secret=DEMO_TOTP_SECRET)
    totp_authenticator(administrator)
    with override_settings(DEBUG=True, TWO_STEP_DEMO_SHOW_CODE=True):
        shown = demo_code_for(assessor)
        assert shown and shown.replace(" ", "") in {
            totp_code(DEMO_TOTP_SECRET, step=step) for step in (0, 1)
        }
        assert demo_code_for(administrator) is None
        client = Client()
        _sign_in_through_pages(client, assessor)
        assert "Demo account: today's code is" in _text(client.get(reverse("mfa_authenticate")))
    with override_settings(DEBUG=False, TWO_STEP_DEMO_SHOW_CODE=True):
        assert demo_code_for(assessor) is None
    with override_settings(DEBUG=True, TWO_STEP_DEMO_SHOW_CODE=False):
        assert demo_code_for(assessor) is None
    client = Client()
    _sign_in_through_pages(client, assessor)
    assert "Demo account" not in _text(client.get(reverse("mfa_authenticate")))


def test_production_refuses_to_start_with_the_demo_code_aid():
    result = django_setup(
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        QISMET_DEMO_SHOW_TWO_STEP_CODE="true",
    )
    assert result.returncode != 0
    assert "QISMET_DEMO_SHOW_TWO_STEP_CODE shows sign-in codes on screen" in result.stderr


def test_sign_in_helper_marks_the_session_as_allauth_does(administrator):
    client = Client()
    sign_in(client, administrator)
    records = client.session["account_authentication_methods"]
    assert [record["method"] for record in records] == ["password", "mfa"]
