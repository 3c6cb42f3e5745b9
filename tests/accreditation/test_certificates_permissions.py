"""Who reaches each certificate URL: every role, GET and POST; the public register and
verification for everyone; the pages' query counts stay flat with the number of certificates."""

import pytest
from django.urls import reverse

from accreditation.models import Certificate, CertificateStatus, ReportStatus
from tests.factories import AdministratorFactory

from .certified import issued, with_status
from .journey import awaiting_decision, decided, in_moderation
from .test_decision_pages import ROLES, _people

pytestmark = pytest.mark.django_db

URL_NAMES = (
    "certificate_list",
    "certificate_export",
    "certificate_detail",
    "certificate_issue",
    "certificate_progress",
    "certificate_download",
    "certificate_retry",
    "certificate_suspend",
    "certificate_reinstate",
    "certificate_withdraw",
)
PUBLIC_URL_NAMES = ("register", "verify", "verify_number", "verify_json")


def test_every_certificate_url_is_in_this_matrix():
    from accreditation.register_urls import urlpatterns as public
    from accreditation.urls import urlpatterns

    assert {p.name for p in urlpatterns if p.name.startswith("certificate")} == set(URL_NAMES)
    assert {p.name for p in public} == set(PUBLIC_URL_NAMES)


@pytest.fixture
def certified(private_storage):
    """An accredited application whose second assessor is an administrator, with its
    certificate issued and its PDF made."""
    admin_assessor = AdministratorFactory()
    stage = in_moderation(second=admin_assessor, criteria_per_theme=1)
    decided(awaiting_decision(stage), outcome="accredited")
    certificate = issued(stage, render=True)
    return stage, admin_assessor, certificate


def _urls(stage):
    pk = stage.application.pk
    return {
        name: reverse(f"accreditation:{name}", args=[pk])
        for name in URL_NAMES
        if name not in ("certificate_list", "certificate_export")
    } | {
        "certificate_list": reverse("accreditation:certificate_list"),
        "certificate_export": reverse("accreditation:certificate_export"),
    }


def _matrix(login, people, url, method="get", data=None):
    seen = {}
    for role in ROLES:
        response = getattr(login(people[role]), method)(url, data)
        if response.status_code == 302 and "/accounts/login/" in response["Location"]:
            seen[role] = "login"
        else:
            seen[role] = response.status_code
    return seen


#: The application's own people: the provider's members and administrators see its
#: certificate; everyone else is refused (404 when they cannot see the application at all).
READERS = {
    "anonymous": "login",
    "provider": 200,
    "other_provider": 404,
    "unassigned_assessor": 404,
    "second": 200,  # the second assessor here is an administrator
    "lead": 403,
    "administrator": 200,
    "administrator_who_assessed": 200,
}
ADMINISTRATORS_ONLY = {**READERS, "provider": 403}
LISTS = {
    "anonymous": "login",
    "provider": 403,
    "other_provider": 403,
    "unassigned_assessor": 403,
    "second": 200,
    "lead": 403,
    "administrator": 200,
    "administrator_who_assessed": 200,
}


def test_reading_a_certificate(login, certified):
    stage, admin_assessor, certificate = certified
    assert certificate.document.status == ReportStatus.READY
    people = _people(stage, admin_assessor)
    urls = _urls(stage)
    for name in ("certificate_detail", "certificate_progress", "certificate_download"):
        assert _matrix(login, people, urls[name]) == READERS, name
    for name in ("certificate_suspend", "certificate_withdraw"):
        assert _matrix(login, people, urls[name]) == ADMINISTRATORS_ONLY, name
    for name in ("certificate_list", "certificate_export"):
        assert _matrix(login, people, urls[name]) == LISTS, name


def test_changing_a_certificate_is_for_administrators(login, certified):
    stage, admin_assessor, certificate = certified
    people = _people(stage, admin_assessor)
    urls = _urls(stage)
    refused = {**ADMINISTRATORS_ONLY, "second": 302, "administrator": 302}
    refused["administrator_who_assessed"] = 302
    data = {"reason": "A complaint is being looked into.", "confirm": "on"}
    seen = _matrix(login, people, urls["certificate_suspend"], "post", data)
    assert seen == refused
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUSPENDED
    # Three administrators posted; the first suspended it, the others were told it already is.
    assert certificate.events.filter(kind="suspend").count() == 1
    seen = _matrix(login, people, urls["certificate_reinstate"], "post", data)
    assert seen == refused
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.ACTIVE
    assert _matrix(login, people, urls["certificate_retry"], "post") == refused
    assert _matrix(login, people, urls["certificate_issue"], "post") == refused
    assert Certificate.objects.count() == 1


def test_issuing_from_the_application_page(login, private_storage):
    stage = decided(outcome="accredited", criteria_per_theme=1)
    url = reverse("accreditation:certificate_issue", args=[stage.application.pk])
    for person in (None, stage.application.started_by, stage.lead.assessor):
        response = login(person).post(url)
        assert response.status_code in (302, 403, 404)
        assert not Certificate.objects.exists()
    page = login(stage.administrator).get(
        reverse("accreditation:application_detail", args=[stage.application.pk])
    )
    assert "Issue the certificate" in page.content.decode()
    response = login(stage.administrator).post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "accreditation:certificate_detail", args=[stage.application.pk]
    )
    certificate = Certificate.objects.get()
    page = login(stage.application.started_by).get(
        reverse("accreditation:application_detail", args=[stage.application.pk])
    )
    html = page.content.decode()
    assert certificate.number in html and f"/verify/{certificate.number}/" in html
    assert "Issue the certificate" not in html


def test_the_change_page_asks_for_a_reason_and_a_confirmation(login, certified):
    stage, _admin_assessor, certificate = certified
    client = login(stage.administrator)
    url = reverse("accreditation:certificate_withdraw", args=[stage.application.pk])
    page = client.get(url).content.decode()
    assert f"Withdraw certificate {certificate.number}" in page
    refused = client.post(url, {"reason": "", "confirm": ""})
    html = refused.content.decode()
    assert refused.status_code == 200 and "There is a problem" in html
    assert "Say why the certificate is being withdrawn" in html
    assert f"Tick the box to confirm that certificate {certificate.number}" in html
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.ACTIVE
    done = client.post(url, {"reason": "The programme has closed.", "confirm": "on"})
    assert done.status_code == 302
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.WITHDRAWN
    detail = client.get(done["Location"]).content.decode()
    assert "The programme has closed." in detail and "Certificate withdrawn" in detail
    # Nothing more to offer from a withdrawn certificate.
    assert client.get(url).status_code == 302


def test_get_is_refused_where_only_post_makes_sense(login, certified):
    stage, _admin_assessor, _certificate = certified
    client = login(stage.administrator)
    urls = _urls(stage)
    for name in ("certificate_issue", "certificate_retry"):
        assert client.get(urls[name]).status_code == 405
    for name in ("certificate_download", "certificate_detail", "certificate_list"):
        assert client.post(urls[name]).status_code == 405


def test_the_csv_export_lists_the_filtered_certificates(login, certified):
    stage, _admin_assessor, certificate = certified
    other = with_status(issued(criteria_per_theme=1), CertificateStatus.SUSPENDED)
    client = login(stage.administrator)
    response = client.get(reverse("accreditation:certificate_export"))
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = body.strip().splitlines()
    assert rows[0].startswith("Number,Status,Organisation,Programme")
    assert len(rows) == 3 and certificate.number in body and other.number in body
    suspended = b"".join(
        client.get(
            reverse("accreditation:certificate_export"), {"status": "suspended"}
        ).streaming_content
    ).decode()
    assert other.number in suspended and certificate.number not in suspended
    assert "@" not in body


def test_the_list_filters_by_status_and_expiry(login, certified):
    import datetime

    from django.utils import timezone

    stage, _admin_assessor, certificate = certified
    soon = issued(criteria_per_theme=1)
    today = timezone.localdate()
    Certificate.objects.filter(pk=soon.pk).update(
        issued_on=today - datetime.timedelta(days=1000),
        expires_on=today + datetime.timedelta(days=40),
    )
    client = login(stage.administrator)
    url = reverse("accreditation:certificate_list")
    assert {certificate.number, soon.number} <= set(_numbers(client.get(url).content.decode()))
    assert _numbers(client.get(url, {"expiring": "on"}).content.decode()) == [soon.number]
    assert _numbers(client.get(url, {"status": "suspended"}).content.decode()) == []


def _numbers(html: str) -> list[str]:
    import re

    return re.findall(
        r'class="font-monospace" href="/applications/\d+/certificate/">(QSM-[\d-]+)<', html
    )


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_does_not_grow_with_certificates(
    login, private_storage, django_assert_max_num_queries, count
):
    certificates = [issued(criteria_per_theme=1) for _ in range(count)]
    client = login(certificates[0].stage.administrator)
    url = reverse("accreditation:certificate_list")
    client.get(url)
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert len(_numbers(response.content.decode())) == count


@pytest.mark.parametrize("count", [1, 6])
def test_the_certificate_page_does_not_grow_with_its_history(
    login, certified, django_assert_max_num_queries, count
):
    from accreditation.services.certificates import certificate_change

    stage, _admin_assessor, certificate = certified
    for _ in range(count):
        certificate_change(
            certificate=certificate, transition="suspend", user=stage.administrator, reason="A."
        )
        certificate_change(
            certificate=certificate, transition="reinstate", user=stage.administrator, reason="B."
        )
    client = login(stage.administrator)
    url = reverse("accreditation:certificate_detail", args=[stage.application.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('class="list-group-item"') == 1 + 2 * count
