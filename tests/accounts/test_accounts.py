"""Signing in, passwords, profiles, role homes and the administrators' account management."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Role, User
from tests.factories import TEST_PASSWORD, AssessorFactory, totp_authenticator, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _link_from(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, f"no link in email: {message.body}"
    return match.group(1)


def test_sign_in_with_email_and_password_lands_on_home(client, assessor):
    totp_authenticator(assessor)
    response = client.post(
        reverse("account_login"), {"login": assessor.email, "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Your assessments" in response.content


def test_wrong_password_is_refused_with_a_clear_message(client, assessor):
    response = client.post(reverse("account_login"), {"login": assessor.email, "password": "nope"})
    assert response.status_code == 200
    assert b"The email address and/or password you specified are not correct." in response.content
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_are_throttled(client, assessor):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": assessor.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": assessor.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_sign_in(client):
    user = AssessorFactory(is_active=False)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_sign_out(login, assessor):
    client = login(assessor)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, assessor):
    client.post(reverse("account_reset_password"), {"email": assessor.email})
    assert len(mail.outbox) == 1
    link = _link_from(mail.outbox[0])
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert response.status_code == 302
    assessor.refresh_from_db()
    assert assessor.check_password("a-brand-new-passphrase")


def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    # allauth tells the unknown address that it has no account, never the person asking
    assert all("nobody@example.org" in m.to for m in mail.outbox)


def test_change_password(login, provider_user):
    client = login(provider_user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "another-good-passphrase",
            "password2": "another-good-passphrase",
        },
    )
    assert response.status_code == 302
    provider_user.refresh_from_db()
    assert provider_user.check_password("another-good-passphrase")


def test_change_password_rejects_a_weak_one_and_keeps_the_old(login, provider_user):
    client = login(provider_user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": "12345", "password2": "12345"},
    )
    assert response.status_code == 200
    assert b"too short" in response.content
    provider_user.refresh_from_db()
    assert provider_user.check_password(TEST_PASSWORD)


def test_profile_shows_and_saves_details(login, provider_user):
    client = login(provider_user)
    page = client.get(reverse("profile"))
    assert provider_user.email.encode() in page.content
    assert provider_user.membership.organisation.name.encode() in page.content
    response = client.post(
        reverse("profile"),
        {"full_name": "Patricia Provider", "job_title": "Programme lead", "phone": "0113 000 0000"},
    )
    assert response.status_code == 302
    provider_user.refresh_from_db()
    assert (provider_user.full_name, provider_user.job_title) == (
        "Patricia Provider",
        "Programme lead",
    )


def test_profile_keeps_typed_text_when_invalid(login, provider_user):
    response = login(provider_user).post(
        reverse("profile"), {"full_name": "", "job_title": "Typed job title", "phone": ""}
    )
    assert response.status_code == 200
    assert b"Enter your full name" in response.content
    assert b'value="Typed job title"' in response.content


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        ("administrator", b"Administration", b"Your assessments"),
        ("assessor", b"Your assessments", b"Register an organisation"),
        ("provider_user", b"Your organisation", b"Register an organisation"),
    ],
)
def test_each_role_lands_on_its_own_home(login, user_of_role, role, expected, absent):
    response = login(user_of_role(role)).get(reverse("home"))
    assert expected in response.content
    assert absent not in response.content


def test_provider_home_names_their_organisation(login, provider_user, other_provider_user):
    response = login(provider_user).get(reverse("home"))
    assert provider_user.membership.organisation.name.encode() in response.content
    assert other_provider_user.membership.organisation.name.encode() not in response.content


def test_navigation_offers_admin_pages_only_to_administrators(login, administrator, assessor):
    assert reverse("assessor_list").encode() in login(administrator).get(reverse("home")).content
    assert reverse("assessor_list").encode() not in login(assessor).get(reverse("home")).content


def test_anonymous_home_invites_sign_in(client):
    response = client.get(reverse("home"))
    assert reverse("account_login").encode() in response.content
    assert reverse("providers:account_request").encode() in response.content
    assert b"Administration" not in response.content


def test_administrator_creates_assessor_who_sets_password_from_email(
    login, administrator, django_capture_on_commit_callbacks
):
    client = login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessor_create"),
            {
                "full_name": "Nia Assessor",
                "email": "Nia@Example.org",
                "job_title": "Diabetes specialist nurse",
            },
            follow=True,
        )
    assert b"We have emailed nia@example.org" in response.content
    user = User.objects.get(email="nia@example.org")
    assert user.role == Role.ASSESSOR
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nia@example.org"]
    assert "Ada Administrator has created an account" in mail.outbox[0].body

    newcomer = login(None)
    response = newcomer.get(_link_from(mail.outbox[0]), follow=True)
    form_url = response.redirect_chain[-1][0]
    newcomer.post(
        form_url, {"password1": "nias-own-passphrase", "password2": "nias-own-passphrase"}
    )
    user.refresh_from_db()
    assert user.check_password("nias-own-passphrase")
    signed_in = newcomer.post(
        reverse("account_login"), {"login": "nia@example.org", "password": "nias-own-passphrase"}
    )
    assert signed_in.status_code == 302


def test_duplicate_assessor_email_is_refused_and_form_keeps_input(login, administrator, assessor):
    response = login(administrator).post(
        reverse("assessor_create"), {"full_name": "Second Try", "email": assessor.email.upper()}
    )
    assert response.status_code == 200
    assert b"There is already an account with this email address." in response.content
    assert b'value="Second Try"' in response.content
    assert len(mail.outbox) == 0


def test_deactivated_assessor_is_listed_and_can_be_reactivated(login, administrator):
    target = AssessorFactory(full_name="Dee Activated")
    client = login(administrator)
    client.post(reverse("assessor_set_active", kwargs={"pk": target.pk}), {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    listing = client.get(reverse("assessor_list"))
    assert b"Deactivated" in listing.content
    client.post(reverse("assessor_set_active", kwargs={"pk": target.pk}), {"active": "1"})
    target.refresh_from_db()
    assert target.is_active


def test_error_pages_help(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert reverse("home").encode() in response.content


def test_health_endpoint_checks_the_database(client):
    response = client.get(reverse("health"))
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.parametrize("count", [2, 30])
def test_admin_lists_use_a_bounded_number_of_queries(
    login, administrator, count, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory

    for _ in range(count):
        AssessorFactory()
        MembershipFactory()
    client = login(administrator)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("assessor_list")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("providers:organisation_list")).status_code == 200


def test_server_error_page_helps_without_touching_the_database(rf, django_assert_num_queries):
    from accounts.views import error_500

    with django_assert_num_queries(0):
        response = error_500(rf.get("/broken/"))
    assert response.status_code == 500
    assert b"Sorry, something went wrong" in response.content
    assert b"Nothing you had already saved has been lost" in response.content


def test_forbidden_page_names_the_account(login, assessor):
    response = login(assessor).get(reverse("assessor_list"))
    assert response.status_code == 403
    assert assessor.email.encode() in response.content
    assert b"Go to your home page" in response.content


def test_too_many_reset_requests_get_a_plain_explanation(client, assessor):
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": assessor.email})
    response = client.post(reverse("account_reset_password"), {"email": assessor.email})
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert len(mail.outbox) == 5


def test_changing_password_returns_to_profile(login, provider_user):
    response = login(provider_user).post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "another-good-passphrase",
            "password2": "another-good-passphrase",
        },
    )
    assert response["Location"] == reverse("profile")


@pytest.mark.parametrize("role", ["administrator", "assessor", "provider_user"])
@pytest.mark.parametrize("extra_versions", [0, 6])
def test_home_and_profile_queries_do_not_grow(
    login, user_of_role, role, extra_versions, django_assert_max_num_queries
):
    from standards.services import version_publish
    from tests.standards.factories import StandardFactory, draft_version

    for _ in range(extra_versions):
        version_publish(version=draft_version(standard=StandardFactory()), user=None)
    client = login(user_of_role(role))
    # The administrator's home reads the most: standards, organisations, assessors, the
    # screening counts and (for one who also assesses) their own assignments.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("profile")).status_code == 200


def test_a_rolled_back_account_creation_sends_no_invitation(
    administrator, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from accounts.services import user_create_and_invite

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        user_create_and_invite(
            email="ghost@example.org",
            full_name="Ghost",
            role=Role.ASSESSOR,
            created_by=administrator,
        )
        raise RuntimeError("something later failed")
    assert callbacks == []
    assert mail.outbox == []
    assert not User.objects.filter(email="ghost@example.org").exists()


def test_invitation_task_skips_accounts_that_need_no_link(administrator):
    from accounts.tasks import send_account_invitation

    deactivated = AssessorFactory(is_active=False)
    deactivated.set_unusable_password()
    deactivated.save()
    already_set_up = AssessorFactory()  # has a password
    assert send_account_invitation(deactivated.pk, administrator.pk) is False
    assert send_account_invitation(already_set_up.pk, administrator.pk) is False
    assert mail.outbox == []


def test_invitation_says_how_long_the_link_lasts(administrator, settings):
    from accounts.tasks import send_account_invitation

    settings.PASSWORD_RESET_TIMEOUT = 5 * 24 * 3600
    invited = User.objects.create_user(email="new@example.org", full_name="New", role=Role.ASSESSOR)
    assert send_account_invitation(invited.pk, administrator.pk) is True
    assert "expires after 5 days" in mail.outbox[0].body


def test_demo_refuses_a_database_other_than_the_embedded_one(monkeypatch, settings):
    from django.core.management import CommandError, call_command
    from django.db import connection

    settings.DEBUG = True
    monkeypatch.setattr(connection, "vendor", "postgresql")
    with pytest.raises(CommandError, match="only runs on the embedded SQLite database"):
        call_command("demo", "--no-serve")
    assert not User.objects.filter(email__endswith="qismet.example.org").exists()
