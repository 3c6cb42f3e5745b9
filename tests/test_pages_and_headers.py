"""What every page says to browsers, caches and search engines: Permissions-Policy everywhere
(passkeys from the portal's own pages only); no-store and noindex once signed in; a meta
description on public pages; robots.txt; and htmx attributes in their valid `data-hx-*` form."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"

PUBLIC_PAGES = ["/", "/accounts/login/", "/providers/request-an-account/", "/accounts/unlock/"]
SIGNED_IN_PAGES = ["/", "/profile/"]
DENIED_FEATURES = {"camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"}
#: Passkeys: creating one and signing in with one, from the portal's own pages only.
OWN_PAGES_ONLY = {"publickey-credentials-create", "publickey-credentials-get"}

pytestmark = pytest.mark.django_db


def policy_features(header: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in header.split(","))


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_deny_unused_browser_features_and_have_a_description(client, path):
    response = client.get(path)
    assert response.status_code == 200
    features = policy_features(response.headers["Permissions-Policy"])
    assert all(features[f] == "()" for f in DENIED_FEATURES), features
    assert all(features[f] == "(self)" for f in OWN_PAGES_ONLY), features
    html = response.content.decode()
    description = re.search(r'<meta name="description" content="([^"]+)">', html)
    assert description and len(description.group(1)) > 40
    assert 'name="robots"' not in html


@pytest.mark.parametrize("role", ["provider_user", "assessor", "administrator"])
@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_are_not_stored_nor_indexed(login, user_of_role, role, path):
    response = login(user_of_role(role)).get(path)
    assert response.status_code == 200
    cache_control = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    assert "noindex" in response.headers["X-Robots-Tag"]
    features = policy_features(response.headers["Permissions-Policy"])
    assert all(features[f] == "(self)" for f in OWN_PAGES_ONLY), features
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert 'name="description"' not in html


def test_anonymous_pages_may_be_cached(client):
    response = client.get("/")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "X-Robots-Tag" not in response.headers


def test_the_sign_in_response_that_sets_the_session_is_not_stored(client, assessor):
    from tests.factories import TEST_PASSWORD

    response = client.post(
        reverse("account_login"), {"login": assessor.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert "no-store" in response.headers["Cache-Control"]


def test_robots_txt_keeps_crawlers_to_public_pages(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for private in ("/accounts/", "/applications/", "/providers/", "/standards/", "/profile/"):
        assert f"Disallow: {private}" in lines
    assert "Allow: /providers/request-an-account/" in lines
    assert "Disallow: /" not in lines  # the home page stays public


# An htmx attribute written bare (`hx-post=`) is not valid HTML; `data-hx-post=` is, and htmx
# reads both.
BARE_HX = re.compile(r"(?<![\w-])hx-[a-z-]+\s*=", re.I)


def test_templates_write_htmx_attributes_as_data_hx():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in BARE_HX.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
    assert not problems, "use data-hx-*:\n" + "\n".join(problems)


def test_the_bare_hx_pattern_catches_what_it_should():
    assert BARE_HX.search("<body hx-headers='{\"a\": 1}'>")
    assert BARE_HX.search('<textarea\n  hx-post="/x">')
    assert not BARE_HX.search('<body data-hx-headers="{}">')
