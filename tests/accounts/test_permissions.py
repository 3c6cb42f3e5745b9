"""Every accounts and providers URL refuses each role that must not reach it."""

import pytest
from django.urls import reverse

from tests.factories import AssessorFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ADMIN_ONLY_GET = [
    ("assessor_list", {}),
    ("assessor_create", {}),
    ("providers:organisation_list", {}),
    ("providers:organisation_create", {}),
]


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.mark.parametrize(("name", "kwargs"), ADMIN_ONLY_GET)
def test_anonymous_is_sent_to_sign_in(login, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = login(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={url}" in response["Location"]


@pytest.mark.parametrize("role", ["provider_user", "assessor"])
@pytest.mark.parametrize(("name", "kwargs"), ADMIN_ONLY_GET)
def test_non_administrators_are_refused(login, user_of_role, role, name, kwargs):
    response = login(user_of_role(role)).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 403
    assert b"You cannot open this page" in response.content


@pytest.mark.parametrize("role", ["anonymous", "provider_user", "assessor"])
def test_organisation_detail_refused(login, user_of_role, role, organisation):
    response = login(user_of_role(role)).get(
        reverse("providers:organisation_detail", kwargs={"pk": organisation.pk})
    )
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert organisation.name.encode() not in response.content


@pytest.mark.parametrize("role", ["anonymous", "provider_user", "assessor"])
def test_assessor_deactivation_refused(login, user_of_role, role):
    target = AssessorFactory()
    response = login(user_of_role(role)).post(
        reverse("assessor_set_active", kwargs={"pk": target.pk}), {"active": "0"}
    )
    assert response.status_code == (302 if role == "anonymous" else 403)
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.parametrize("role", ["provider_user", "assessor"])
def test_non_administrators_cannot_create_accounts_by_post(login, user_of_role, role):
    client = login(user_of_role(role))
    response = client.post(
        reverse("assessor_create"), {"full_name": "Mallory", "email": "mallory@example.org"}
    )
    assert response.status_code == 403
    from accounts.models import User

    assert not User.objects.filter(email="mallory@example.org").exists()


def test_deactivation_requires_post(login, administrator):
    target = AssessorFactory()
    response = login(administrator).get(reverse("assessor_set_active", kwargs={"pk": target.pk}))
    assert response.status_code == 405


def test_profile_requires_sign_in(login):
    response = login(None).get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_public_sign_up_is_closed(login):
    response = login(None).post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    from accounts.models import User

    assert not User.objects.filter(email="new@example.org").exists()
    assert b"Accounts are set up by QISMET" in response.content
