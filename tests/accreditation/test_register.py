"""The public register and certificate verification: what each status says, the JSON and its
schema, caching, unknown numbers, nothing private on any public page, and query counts that
stay flat with the number of certificates."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.certificate_lifecycle import CertificateStatus
from accreditation.models import AgreedScore, Certificate, SubmittedAnswer, SubmittedEvidence
from accreditation.services.certificates import certificate_change, certificate_supersede

from .certified import issued, with_status

pytestmark = pytest.mark.django_db

S = CertificateStatus
SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[2] / "static/schemas/certificate-verification.schema.json"
    ).read_text()
)


@pytest.fixture
def certificate(private_storage):
    return issued(criteria_per_theme=1)


def _verify(client, number, suffix="/"):
    return client.get(f"/verify/{number}{suffix}")


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- checking the JSON against its schema, by hand (no validator is installed) ------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check(value, schema, path="$"):
    """A small JSON Schema check for what the verification schema uses: type (with null),
    enum, const, pattern, format date/uri, required, properties, additionalProperties."""
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        python = {
            "string": str,
            "boolean": bool,
            "object": dict,
            "null": type(None),
        }
        assert any(isinstance(value, python[name]) for name in names), (path, value, names)
    if "enum" in schema:
        assert value in schema["enum"], (path, value)
    if "const" in schema:
        assert value == schema["const"], (path, value)
    if isinstance(value, str):
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), (path, value)
        if schema.get("format") == "date":
            assert _DATE.match(value) and datetime.date.fromisoformat(value), (path, value)
        if schema.get("format") == "uri":
            assert value.startswith(("http://", "https://")), (path, value)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, (path, key)
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(properties), (path, set(value) - set(properties))
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], f"{path}.{key}")


def test_the_hand_check_catches_what_it_should():
    good = {"error": "not_found", "message": "x", "number": "QSM-2026-0001"}
    _check(good, SCHEMA["$defs"]["error"])
    for bad in ({**good, "extra": 1}, {"error": "gone", "message": "", "number": ""}, {}):
        with pytest.raises(AssertionError):
            _check(bad, SCHEMA["$defs"]["error"])


# --- verification -------------------------------------------------------------------------------


def test_an_active_certificate_is_said_to_be_valid(client, certificate):
    response = _verify(client, certificate.number)
    assert response.status_code == 200
    text = _text(response)
    assert "Valid" in text and f"until {certificate.expires_on:%-d %B %Y}" in text
    for value in (
        certificate.organisation_name,
        certificate.programme_name,
        certificate.conditions,
        f"{certificate.standard_name}, version {certificate.version_number}",
    ):
        assert value in text
    data = _verify(client, certificate.number, ".json").json()
    _check(data, SCHEMA)
    assert data["status"] == "active" and data["valid"] is True and data["status_since"] is None
    assert data["verification_url"] == f"http://127.0.0.1:8000/verify/{certificate.number}/"
    assert client.get(f"/verify/{certificate.number}/?format=json").json() == data


def test_each_status_is_said_plainly_with_its_date(client, certificate):
    admin = certificate.stage.administrator
    day = f"{timezone.localdate():%-d %B %Y}"
    certificate_change(
        certificate=certificate, transition="suspend", user=admin, reason="Looked into."
    )
    text = _text(_verify(client, certificate.number))
    assert f"Suspended on {day}" in text and "not accredited while" in text
    data = _verify(client, certificate.number, ".json").json()
    _check(data, SCHEMA)
    assert (data["status"], data["valid"], data["status_since"]) == (
        "suspended",
        False,
        timezone.localdate().isoformat(),
    )
    assert (
        "Looked into" not in json.dumps(data) and "Looked into" not in text
    )  # reasons stay inside

    certificate_change(certificate=certificate, transition="withdraw", user=admin, reason="Ended.")
    text = _text(_verify(client, certificate.number))
    assert f"Withdrawn on {day}" in text and "no longer accredited" in text
    assert _verify(client, certificate.number, ".json").json()["status"] == "withdrawn"


def test_a_certificate_past_its_last_day_reads_expired_before_the_job_has_run(client, certificate):
    today = timezone.localdate()
    certificate = with_status(
        certificate,
        S.ACTIVE,
        issued_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=2),
    )
    text = _text(_verify(client, certificate.number))
    assert f"Expired: it was valid until {certificate.expires_on:%-d %B %Y}" in text
    data = _verify(client, certificate.number, ".json").json()
    _check(data, SCHEMA)
    assert data["status"] == "expired" and not data["valid"]
    assert data["status_since"] == (today - datetime.timedelta(days=1)).isoformat()


def test_a_superseded_certificate_names_the_newer_one(client, certificate):
    newer = issued(criteria_per_theme=1)
    Certificate.objects.filter(pk=newer.pk).update(programme=certificate.programme)
    certificate_supersede(
        certificate=certificate, by=Certificate.objects.get(pk=newer.pk), actor=None
    )
    response = _verify(client, certificate.number)
    text = _text(response)
    assert f"by certificate {newer.number}, which is the one to check" in text
    assert f'href="/verify/{newer.number}/"' in response.content.decode()
    data = _verify(client, certificate.number, ".json").json()
    _check(data, SCHEMA)
    assert data["status"] == "superseded" and data["superseded_by"] == newer.number


def test_an_unknown_number_says_so(client, certificate):
    for number in ("QSM-2026-9999", "nonsense"):
        page = _verify(client, number)
        assert page.status_code == 404
        assert f"No certificate has the number {number.upper()}" in _text(page)
        answer = _verify(client, number, ".json")
        assert answer.status_code == 404 and answer["Content-Type"].startswith("application/json")
        data = answer.json()
        _check(data, SCHEMA["$defs"]["error"])
        assert data["error"] == "not_found"


def test_the_form_goes_to_the_certificate_or_says_what_is_wrong(client, certificate):
    typed = certificate.number.lower().replace("-", " - ", 1)
    response = client.get(reverse("register:verify"), {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{certificate.number}/"
    refused = client.get(reverse("register:verify"), {"number": "12345"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "There is a problem" in html and "in the form QSM-2026-0007" in html
    assert (
        "Enter the certificate number"
        in client.get(reverse("register:verify"), {"number": ""}).content.decode()
    )


def test_the_json_may_be_cached_and_revalidated(client, certificate):
    response = _verify(client, certificate.number, ".json")
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=300"} <= cache
    assert "Set-Cookie" not in response.headers and not response.cookies
    etag, modified = response["ETag"], response["Last-Modified"]
    again = client.get(f"/verify/{certificate.number}.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert (
        client.get(
            f"/verify/{certificate.number}.json", HTTP_IF_MODIFIED_SINCE=modified
        ).status_code
        == 304
    )
    certificate_change(
        certificate=certificate,
        transition="suspend",
        user=certificate.stage.administrator,
        reason="Checking.",
    )
    changed = client.get(f"/verify/{certificate.number}.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_schema_is_published_and_linked(client, certificate):
    assert SCHEMA["title"] == "QISMET certificate verification"
    page = _verify(client, certificate.number).content.decode()
    assert "/static/schemas/certificate-verification.schema.json" in page
    assert (
        "/static/schemas/certificate-verification.schema.json"
        in client.get(reverse("register:verify")).content.decode()
    )
    assert set(SCHEMA["required"]) == set(_verify(client, certificate.number, ".json").json())


# --- the register -------------------------------------------------------------------------------


def test_the_register_lists_current_certificates_with_their_facts(client, certificate):
    suspended = with_status(issued(criteria_per_theme=1), S.SUSPENDED)
    withdrawn = with_status(issued(criteria_per_theme=1), S.WITHDRAWN)
    response = client.get(reverse("register:register"))
    assert response.status_code == 200
    text = _text(response)
    assert "2 certificates in force" in text
    assert certificate.programme_name in text and suspended.programme_name in text
    assert withdrawn.programme_name not in text
    assert "Suspended" in text
    assert f"{certificate.issued_on:%-d %b %Y}" in text
    assert f"{certificate.expires_on:%-d %b %Y}" in text
    assert f"{certificate.standard_name}, version {certificate.version_number}" in text
    listed = client.get(reverse("register:register"), {"status": "withdrawn"})
    assert withdrawn.programme_name in _text(listed)
    assert certificate.programme_name not in _text(listed)
    everything = _text(client.get(reverse("register:register"), {"status": "all"}))
    assert all(c.programme_name in everything for c in (certificate, suspended, withdrawn))


def test_the_register_searches_and_filters(client, private_storage):
    first = issued(criteria_per_theme=1)
    second = issued(criteria_per_theme=1)
    Certificate.objects.filter(pk=first.pk).update(
        programme_name="Breathe Easy Peer Navigators",
        conditions="COPD; asthma",
        delivery_mode="one_to_one",
        region="wales",
    )
    Certificate.objects.filter(pk=second.pk).update(
        programme_name="Carb Counting Made Simple",
        conditions="Type 1 diabetes",
        delivery_mode="group",
        region="london",
    )

    def shown(**params):
        text = _text(client.get(reverse("register:register"), params))
        return {name for name in ("Breathe Easy", "Carb Counting") if name in text}

    assert shown() == {"Breathe Easy", "Carb Counting"}
    assert shown(q="breathe") == {"Breathe Easy"}
    assert shown(q=first.organisation_name) == {"Breathe Easy"}
    assert shown(condition="Asthma") == {"Breathe Easy"}
    assert shown(delivery_model="group") == {"Carb Counting"}
    assert shown(region="wales") == {"Breathe Easy"}
    assert shown(region="wales", delivery_model="group") == set()
    page = client.get(reverse("register:register")).content.decode()
    for option in ("Asthma", "COPD", "Type 1 diabetes"):
        assert f'<option value="{option}">' in page


def test_the_register_keeps_the_names_of_issue(client, certificate):
    organisation = certificate.stage.application.programme.organisation
    was = organisation.name
    organisation.name = "Renamed After Issue Ltd"
    organisation.save()
    for response in (
        client.get(reverse("register:register")),
        _verify(client, certificate.number),
        _verify(client, certificate.number, ".json"),
    ):
        body = response.content.decode()
        assert was in body and "Renamed After Issue" not in body


def test_no_public_page_shows_anything_private(client, certificate):
    """Evidence, scores, narratives and people never reach the register or verification."""
    stage = certificate.stage
    application = stage.application
    secrets = {AgreedScore.objects.filter(application=application).first().rationale}
    for answer in SubmittedAnswer.objects.filter(record__application=application):
        secrets.add(answer.narrative)
    for item in SubmittedEvidence.objects.filter(answer__record__application=application):
        secrets |= {item.original_name, item.sha256}
    people = [
        application.started_by,
        stage.administrator,
        stage.lead.assessor,
        stage.second.assessor,
    ]
    for person in people:
        secrets |= {person.email, person.full_name}
    organisation = application.programme.organisation
    secrets |= {organisation.contact_email, organisation.contact_name, application.reference}
    secrets = {s for s in secrets if s}
    bodies = [
        client.get(reverse("register:register")).content.decode(),
        client.get(reverse("register:register"), {"status": "all"}).content.decode(),
        _verify(client, certificate.number).content.decode(),
        _verify(client, certificate.number, ".json").content.decode(),
    ]
    for body in bodies:
        for secret in secrets:
            assert secret not in body, secret
        assert "@" not in re.sub(r"<[^>]+>", " ", body).replace("@media", "")
        for word in ("Met", "Partially met", "rationale", "evidence", "narrative", "score"):
            assert not re.search(rf"\b{word}\b", re.sub(r"<[^>]+>", " ", body)), word


def test_public_pages_are_open_to_everyone_and_describe_themselves(client, login, certificate):
    for url in (
        reverse("register:register"),
        reverse("register:verify"),
        f"/verify/{certificate.number}/",
        f"/verify/{certificate.number}.json",
    ):
        assert client.get(url).status_code == 200, url
        assert login(certificate.stage.lead.assessor).get(url).status_code == 200, url
        if not url.endswith(".json"):
            html = client.get(url).content.decode()
            description = re.search(r'<meta name="description" content="([^"]+)">', html)
            assert description and len(description.group(1)) > 40


def test_the_register_robots_and_two_step_know_the_public_pages(client):
    from accounts.two_step import PUBLIC_VIEWS

    assert {
        "register:register",
        "register:verify",
        "register:verify_number",
        "register:verify_json",
    } <= PUBLIC_VIEWS
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert "Allow: /register/" in lines and "Allow: /verify/" in lines


def test_staff_reach_the_public_pages_before_their_second_factor(certificate):
    from django.test import Client

    from tests.factories import TEST_PASSWORD

    client = Client()
    assert client.login(email=certificate.stage.administrator.email, password=TEST_PASSWORD)
    assert client.get(reverse("register:register")).status_code == 200
    assert client.get(f"/verify/{certificate.number}/").status_code == 200
    assert client.get(reverse("accreditation:certificate_list")).status_code == 302


@pytest.mark.parametrize("count", [1, 8])
def test_public_pages_do_not_grow_with_certificates(
    client, private_storage, django_assert_max_num_queries, count
):
    certificates = [issued(criteria_per_theme=1) for _ in range(count)]
    with_status(certificates[0], S.SUSPENDED)
    newer = certificates[-1]
    if count > 1:
        Certificate.objects.filter(pk=newer.pk).update(programme=certificates[1].programme)
        certificate_supersede(
            certificate=certificates[1], by=Certificate.objects.get(pk=newer.pk), actor=None
        )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("register:register"), {"status": "all"})
    assert response.content.decode().count('href="/verify/QSM-') == count
    with django_assert_max_num_queries(1):
        assert _verify(client, certificates[-1].number, ".json").status_code == 200
    with django_assert_max_num_queries(1):
        assert _verify(client, certificates[0].number).status_code == 200
