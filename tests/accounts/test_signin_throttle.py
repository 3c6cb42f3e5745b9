"""Sign-in throttling: a stranger's wrong passwords never lock the owner out from their own
address; limits answer 429 with a plain page; a per-account ceiling emails the owner an unlock
link that lifts it; nothing says whether an account exists; and a missing cache does not stop
sign-in."""

import re

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts import throttle
from tests.factories import TEST_PASSWORD, AssessorFactory

pytestmark = pytest.mark.django_db

OWNER_IP = "198.51.100.10"
STRANGER_IP = "203.0.113.66"


# The unlock email is queued through the outbox, which publishes when the request's transaction
# commits: these tests let it commit.
EMAILS_ON_COMMIT = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    throttle._fallback.clear()
    yield
    cache.clear()
    throttle._fallback.clear()


def sign_in(email: str, password: str, ip: str):
    return Client(REMOTE_ADDR=ip).post(
        reverse("account_login"), {"login": email, "password": password}
    )


def without_tokens(html: str, *emails: str) -> str:
    for email in emails:
        html = html.replace(email, "EMAIL")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == reverse("home")


def test_a_strangers_failures_from_another_address_do_not_lock_the_owner_out(assessor):
    for _ in range(12):
        sign_in(assessor.email, "wrong guess", STRANGER_IP)
    assert sign_in(assessor.email, "wrong guess", STRANGER_IP).status_code == 429
    assert signed_in(sign_in(assessor.email, TEST_PASSWORD, OWNER_IP))


def test_the_account_and_address_limit_answers_429_with_a_plain_page(assessor):
    for _ in range(5):
        response = sign_in(assessor.email, "wrong guess", OWNER_IP)
        assert response.status_code == 200
    response = sign_in(assessor.email, TEST_PASSWORD, OWNER_IP)  # even the right password
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "Wait 15 minutes" in page
    assert 'action="/accounts/unlock/"' in page
    assert f'value="{assessor.email}"' in page
    assert "<nav" in page and "form-control" in page  # the portal's plain layout, not a bare body


def test_right_passwords_do_not_count_towards_the_limit(assessor):
    for _ in range(8):
        assert signed_in(sign_in(assessor.email, TEST_PASSWORD, OWNER_IP))


def test_one_address_trying_many_accounts_is_stopped():
    limit, _ = throttle.limits()["address"].failures, None
    for n in range(limit):
        sign_in(f"person{n}@example.org", "guess", STRANGER_IP)
    assert sign_in("another@example.org", "guess", STRANGER_IP).status_code == 429
    assert sign_in("another@example.org", "guess", OWNER_IP).status_code == 200


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=(8, 3600))
@EMAILS_ON_COMMIT
def test_the_per_account_ceiling_pauses_every_address_and_emails_the_owner_once(assessor):
    for n in range(8):  # spread over many addresses, under each pair limit
        assert sign_in(assessor.email, "guess", f"203.0.113.{n}").status_code == 200
    paused = sign_in(assessor.email, TEST_PASSWORD, OWNER_IP)
    assert paused.status_code == 429
    assert "Wait 60 minutes" in paused.content.decode()
    assert sign_in(assessor.email, "guess", "203.0.113.99").status_code == 429
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [assessor.email]
    assert "paused" in message.subject
    assert re.search(r"/accounts/unlock/[^/\s]+/", message.body)


def _unlock_path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/unlock/\S+/)", body).group(1)


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=(8, 3600))
@EMAILS_ON_COMMIT
def test_the_unlock_link_lifts_the_ceiling_for_its_account(assessor):
    for n in range(8):
        sign_in(assessor.email, "guess", f"203.0.113.{n}")
    path = _unlock_path(mail.outbox[0].body)
    owner = Client(REMOTE_ADDR=OWNER_IP)
    page = owner.get(path)
    assert page.status_code == 200
    assert "Lift the pause" in page.content.decode()
    assert (
        sign_in(assessor.email, TEST_PASSWORD, OWNER_IP).status_code == 429
    )  # GET changed nothing
    response = owner.post(path)
    assert response.status_code == 302 and response.url == reverse("account_login")
    assert signed_in(sign_in(assessor.email, TEST_PASSWORD, OWNER_IP))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=(8, 3600))
def test_an_unlock_link_cannot_unlock_another_account(assessor):
    other = AssessorFactory()
    for n in range(8):
        sign_in(other.email, "guess", f"203.0.113.{n}")
    own_token = throttle.unlock_token(assessor)
    Client(REMOTE_ADDR=OWNER_IP).post(reverse("signin_unlock", kwargs={"token": own_token}))
    assert sign_in(other.email, TEST_PASSWORD, OWNER_IP).status_code == 429
    # A token edited to name the other account no longer carries a valid signature.
    payload, _, rest = own_token.partition(":")
    forged = signing.dumps({"u": other.pk, "e": other.email}, salt="something else")
    for token in (forged, f"{payload}x:{rest}"):
        response = Client().post(reverse("signin_unlock", kwargs={"token": token}))
        assert response.status_code == 400
    assert sign_in(other.email, TEST_PASSWORD, OWNER_IP).status_code == 429


def test_an_unlock_link_expires(assessor, settings):
    token = throttle.unlock_token(assessor)
    settings.SIGNIN_UNLOCK_LINK_MAX_AGE = -1
    response = Client().get(reverse("signin_unlock", kwargs={"token": token}))
    assert response.status_code == 400
    assert "expired or is not valid" in response.content.decode()


def test_an_unlock_link_stops_working_when_the_accounts_email_changes(assessor):
    token = throttle.unlock_token(assessor)
    assessor.email = "new-address@example.org"
    assessor.save()
    assert Client().get(reverse("signin_unlock", kwargs={"token": token})).status_code == 400


@EMAILS_ON_COMMIT
def test_asking_for_an_unlock_link_says_the_same_whether_or_not_the_account_exists(assessor):
    client = Client(REMOTE_ADDR=OWNER_IP)
    url = reverse("signin_unlock_request")
    known = client.post(url, {"email": assessor.email}).content.decode()
    unknown = client.post(url, {"email": "nobody@example.org"}).content.decode()
    assert "we have sent it a link" in known
    assert without_tokens(known, assessor.email) == without_tokens(unknown, "nobody@example.org")
    assert [m.to for m in mail.outbox] == [[assessor.email]]


def test_the_429_page_is_the_same_for_unknown_accounts(assessor):
    for _ in range(5):
        sign_in(assessor.email, "guess", STRANGER_IP)
        sign_in("nobody@example.org", "guess", STRANGER_IP)
    known = sign_in(assessor.email, "guess", STRANGER_IP)
    unknown = sign_in("nobody@example.org", "guess", STRANGER_IP)
    assert known.status_code == unknown.status_code == 429
    assert without_tokens(known.content.decode(), assessor.email) == without_tokens(
        unknown.content.decode(), "nobody@example.org"
    )


@EMAILS_ON_COMMIT
def test_unlock_emails_on_request_are_limited(assessor):
    client = Client(REMOTE_ADDR=OWNER_IP)
    for _ in range(6):
        response = client.post(reverse("signin_unlock_request"), {"email": assessor.email})
        assert response.status_code == 200
    assert len(mail.outbox) == 3


@EMAILS_ON_COMMIT
def test_a_password_reset_lifts_the_pause(assessor):
    for _ in range(6):
        sign_in(assessor.email, "guess", OWNER_IP)
    assert sign_in(assessor.email, TEST_PASSWORD, OWNER_IP).status_code == 429
    client = Client(REMOTE_ADDR=OWNER_IP)
    client.post(reverse("account_reset_password"), {"email": assessor.email})
    path = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "A-new-long-passphrase-42", "password2": "A-new-long-passphrase-42"},
    )
    assert signed_in(sign_in(assessor.email, "A-new-long-passphrase-42", OWNER_IP))


class _UnreachableCache:
    """A cache that answers every read with nothing and keeps nothing."""

    def add(self, *args, **kwargs):
        return False

    def incr(self, key, delta=1):
        raise ValueError(key)

    def decr(self, key, delta=1):
        raise ValueError(key)

    def get(self, key, default=None):
        return default

    def delete(self, key):
        return False


class _BrokenCache(_UnreachableCache):
    def add(self, *args, **kwargs):
        raise ConnectionError("redis is down")


@pytest.mark.parametrize("broken", [_UnreachableCache, _BrokenCache])
def test_without_the_shared_cache_sign_in_works_and_limits_still_apply(
    assessor, monkeypatch, broken
):
    monkeypatch.setattr(throttle, "cache", broken())
    assert signed_in(sign_in(assessor.email, TEST_PASSWORD, OWNER_IP))
    for _ in range(5):
        assert sign_in(assessor.email, "guess", STRANGER_IP).status_code == 200
    assert sign_in(assessor.email, "guess", STRANGER_IP).status_code == 429
    assert signed_in(sign_in(assessor.email, TEST_PASSWORD, OWNER_IP))


def test_unlock_pages_use_a_fixed_number_of_queries(assessor, django_assert_max_num_queries):
    client = Client(REMOTE_ADDR=OWNER_IP)
    token = throttle.unlock_token(assessor)
    with django_assert_max_num_queries(1):
        assert client.get(reverse("signin_unlock_request")).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(reverse("signin_unlock", kwargs={"token": token})).status_code == 200
    with django_assert_max_num_queries(2):
        client.post(reverse("signin_unlock_request"), {"email": assessor.email})


@pytest.mark.parametrize("role", ["anonymous", "provider_user", "assessor", "administrator"])
def test_an_unlock_link_works_only_for_its_own_account_whoever_opens_it(
    role, user_of_role, login, assessor
):
    """The link is for the owner; anyone holding it can only lift that account's pause, and a
    bad token is refused to everyone."""
    client = login(user_of_role(role))
    bad = client.get(reverse("signin_unlock", kwargs={"token": "not-a-token"}))
    assert bad.status_code == 400
    good = client.get(reverse("signin_unlock", kwargs={"token": throttle.unlock_token(assessor)}))
    assert good.status_code == 200
    assert assessor.email in good.content.decode()
