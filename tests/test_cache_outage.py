"""With Redis down, pages keep working: the cache misses, sessions live in the database and
throttling fails open (see qismet_portal/cache.py for why)."""

import time
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from providers.models import AccountRequest
from tests.conftest import require_service
from tests.factories import TEST_PASSWORD, totp_authenticator, totp_code
from tests.outbox.test_outbox import closed_port
from tests.providers.test_account_requests import FORM
from tests.test_celery_worker import redis_answers, worker_redis_url

pytestmark = pytest.mark.django_db


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "qismet_portal.cache.OutageTolerantRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"outage-test-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


@pytest.fixture
def redis_down(settings):
    """The production cache backend, pointed at a Redis that is not running."""
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{closed_port()}/0")


def test_the_cache_misses_and_ignores_writes_while_redis_is_down(redis_down):
    assert cache.set("key", "value") is None
    assert cache.get("key") is None
    assert cache.get("key", "default") == "default"
    assert cache.add("key", "value") is True  # fail open: a lock or counter never blocks
    cache.delete("key")


def test_sign_in_works_and_the_session_lives_in_the_database(client, assessor, redis_down):
    totp_authenticator(assessor)
    started = time.monotonic()
    response = client.post(
        reverse("account_login"), {"login": assessor.email, "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=True)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Your assessments" in response.content
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.get_decoded()["_auth_user_id"] == str(assessor.pk)
    # The next request reads the session back from the database: still signed in.
    profile = client.get(reverse("profile"))
    assert profile.status_code == 200
    assert assessor.email.encode() in profile.content


def test_signed_in_pages_answer_while_redis_is_down(login, provider_user, redis_down):
    client = login(provider_user)
    for name in ("home", "profile", "accreditation:application_list"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    assert b"Pat Provider" in client.get(reverse("profile")).content


def test_a_wrong_password_is_still_refused_and_sign_in_throttling_counts_in_memory(
    client, assessor, redis_down, settings
):
    """Sign-in counters fall back to each web process's memory: guessing stays limited per
    account and address while the owner, from another address, still signs in."""
    login = reverse("account_login")
    for _ in range(settings.SIGNIN_FAILURES_PER_ACCOUNT_AND_ADDRESS[0]):
        response = client.post(login, {"login": assessor.email, "password": "wrong"})
        assert response.status_code == 200
        assert b"are not correct" in response.content
        assert "_auth_user_id" not in client.session
    response = client.post(login, {"login": assessor.email, "password": "wrong"})
    assert response.status_code == 429
    response = client.post(
        login, {"login": assessor.email, "password": TEST_PASSWORD}, REMOTE_ADDR="192.0.2.44"
    )
    assert response.status_code == 302  # the owner, from their own address, is not locked out


def test_the_public_request_form_works_unthrottled_while_redis_is_down(
    client, settings, redis_down
):
    settings.PROVIDER_ACCOUNT_REQUESTS_PER_HOUR = 1
    for n in range(3):
        response = client.post(
            reverse("providers:account_request"),
            {
                **FORM,
                "organisation_name": f"Harbour Health {n}",
                "contact_email": f"hari{n}@harbour.example.org",
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    assert AccountRequest.objects.count() == 3


@pytest.mark.services
def test_with_redis_up_the_same_backend_caches_and_throttles(client, assessor, settings):
    url = worker_redis_url()
    require_service(redis_answers(url), f"Redis at {url}")
    settings.CACHES = redis_cache(url)
    try:
        cache.set("key", "value", 30)
        assert cache.get("key") == "value"
        assert cache.add("key", "other") is False
        for _ in range(5):
            client.post(reverse("account_login"), {"login": assessor.email, "password": "wrong"})
        response = client.post(
            reverse("account_login"), {"login": assessor.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 429
        assert b"unlock link" in response.content
    finally:
        cache.delete_pattern("*")  # this test's keys only (its own prefix)
