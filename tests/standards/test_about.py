"""The public page about the standard: what it covers and how accreditation works."""

import re

import pytest
from django.urls import reverse

from .factories import published_version

pytestmark = pytest.mark.django_db

THEMES = [
    "Theme 1: Leadership, management and organisation",
    "Theme 2: The programme",
    "Theme 3: The facilitators",
    "Theme 4: Performance management",
]


def _text(response) -> str:
    html = response.content.decode()
    html = html[html.find("<main") : html.find("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_anyone_can_read_about_the_standard_without_signing_in(
    client, django_assert_max_num_queries
):
    published_version(criteria_per_theme=2)
    with django_assert_max_num_queries(1):
        response = client.get(reverse("standards:about"))
    assert response.status_code == 200
    text = _text(response)
    for theme in THEMES:
        assert theme in text
    assert "How accreditation works" in text
    html = response.content.decode()
    request_form = reverse("providers:account_request")
    assert f'href="{request_form}">Ask for an account for your organisation</a>' in html
    assert f'href="{reverse("account_login")}">Sign in</a> to read it' in html
    # criterion text is for signed-in people only
    assert "The provider meets requirement" not in text
    assert f'href="{reverse("standards:index")}"' not in html


def test_the_footer_leads_everyone_to_the_public_page(client, login, provider_user):
    for visitor in (client, login(provider_user)):
        home = visitor.get(reverse("home")).content.decode()
        footer = home[home.find("<footer") :]
        assert f'<a href="{reverse("standards:about")}">About the standard</a>' in footer


def test_signed_in_people_are_pointed_to_the_criteria(login, provider_user):
    response = login(provider_user).get(reverse("standards:about"))
    html = response.content.decode()
    assert f'<a href="{reverse("standards:index")}">the standard\'s pages</a>' in html
    assert reverse("providers:account_request") not in html
