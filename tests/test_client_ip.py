"""Per-address limits count the real client: X-Forwarded-For is believed only from our own proxy."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from accounts import throttle
from qismet_portal.client_ip import client_bucket, client_ip

PROXY_NETWORK = "172.30.42.0/24"
PROXY = "172.30.42.10"


def request(remote_addr: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


@pytest.fixture
def trusted(settings):
    settings.TRUSTED_PROXIES = [PROXY_NETWORK, "2001:db8:42::/64"]


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_a_spoofed_header_from_outside_the_proxy_is_ignored(trusted):
    assert client_ip(request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"
    assert client_ip(request("198.51.100.7", f"203.0.113.1, {PROXY}")) == "198.51.100.7"


def test_the_header_is_honoured_from_a_trusted_proxy(trusted):
    assert client_ip(request(PROXY, "203.0.113.1")) == "203.0.113.1"
    assert client_ip(request("::ffff:172.30.42.10", "203.0.113.1")) == "203.0.113.1"
    assert client_ip(request("2001:db8:42::5", "[2001:db8:1::9]:5555")) == "2001:db8:1::9"


def test_behind_the_proxy_only_the_hop_it_added_counts(trusted):
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    assert client_ip(request(PROXY, "1.2.3.4, 203.0.113.1")) == "203.0.113.1"
    assert client_ip(request(PROXY, f"203.0.113.1, {PROXY}")) == "203.0.113.1"


def test_a_trusted_proxy_without_a_header_counts_as_itself(trusted):
    assert client_ip(request(PROXY)) == PROXY
    assert client_ip(request(PROXY, "not an address")) == PROXY


@pytest.mark.django_db
def test_spoofed_addresses_do_not_escape_the_sign_in_limit(client, trusted, assessor):
    """A guesser talking to gunicorn directly cannot be a new person each time."""
    cache.clear()
    throttle._fallback.clear()
    for n in range(5):
        client.post(
            reverse("account_login"),
            {"login": assessor.email, "password": "guess"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = client.post(
        reverse("account_login"),
        {"login": assessor.email, "password": "guess"},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 429
    cache.clear()


def test_ipv6_clients_are_counted_by_their_64_network(settings):
    settings.TRUSTED_PROXIES = []
    one = client_bucket(request("2001:db8:1:2::10"))
    other = client_bucket(request("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    elsewhere = client_bucket(request("2001:db8:1:3::10"))
    assert one == other == "2001:db8:1:2::/64"
    assert elsewhere != one
    assert client_bucket(request("203.0.113.9")) == "203.0.113.9"


def test_a_stranger_stepping_through_an_ipv6_network_is_still_stopped(client, assessor):
    login = reverse("account_login")
    statuses = [
        client.post(
            login,
            {"login": assessor.email, "password": "wrong"},
            REMOTE_ADDR=f"2001:db8:5:6::{n + 1:x}",
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
