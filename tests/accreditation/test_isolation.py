"""One provider can reach nothing of another: every URL, guessed IDs included, is a 404 (never a
403, which would confirm the application exists), refused writes change nothing, and nothing of
the other provider appears on the pages they can open."""

import pytest
from django.urls import reverse

from accreditation.models import (
    Application,
    ApplicationEvent,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
    Response,
)
from providers.models import MembershipRole
from tests.standards.factories import published_version

from .factories import started_application
from .test_applications import (
    answer,
    evidence_add,
    member,
    private_storage,  # noqa: F401  (fixture: evidence files in a temporary folder)
    responses_of,
)

pytestmark = pytest.mark.django_db

SECRET = "Brightside's confidential safeguarding narrative"


@pytest.fixture
def two_providers():
    """Provider A and provider B, each with an application, an answer and a piece of evidence.
    B's application is against another version, so its criteria are not A's."""
    a = started_application(criteria_per_theme=1)
    b = started_application(version=published_version(criteria_per_theme=1))
    b_response = responses_of(b)[0]
    answer(b_response, b.started_by, narrative=SECRET)
    b_link = evidence_add(b_response, b.started_by, name="b-safeguarding-policy.pdf")
    a_response = responses_of(a)[0]
    a_link = evidence_add(a_response, a.started_by, name="a-policy.pdf")
    return {
        "a": a,
        "b": b,
        "a_response": a_response,
        "b_response": b_response,
        "a_link": a_link,
        "b_link": b_link,
    }


def _people_of_a(application) -> dict:
    return {
        "lead": application.started_by,
        "contributor": member(application, MembershipRole.CONTRIBUTOR),
        "signatory": member(application, "signatory"),
    }


def _urls_of(application, response, link) -> list[str]:
    """Every URL that addresses one application, with that application's own IDs."""
    pk, criterion = application.pk, response.criterion_id
    document, revision = link.document_id, link.document.current_id
    return [
        reverse("accreditation:application_detail", args=[pk]),
        reverse("accreditation:application_history", args=[pk]),
        reverse("accreditation:response_edit", args=[pk, criterion]),
        reverse("accreditation:application_submit", args=[pk]),
        reverse("accreditation:application_withdraw", args=[pk]),
        reverse("accreditation:evidence_library", args=[pk]),
        reverse("accreditation:evidence_upload", args=[pk, criterion]),
        reverse("accreditation:evidence_link", args=[pk, criterion]),
        reverse("accreditation:evidence_unlink", args=[pk, link.pk]),
        reverse("accreditation:evidence_detail", args=[pk, document]),
        reverse("accreditation:evidence_replace", args=[pk, document]),
        reverse("accreditation:evidence_download", args=[pk, revision]),
    ]


def _mixed_urls(a, b, b_response, b_link) -> list[str]:
    """A's own application with B's criterion, link, file and revision IDs."""
    return [
        reverse("accreditation:response_edit", args=[a.pk, b_response.criterion_id]),
        reverse("accreditation:evidence_upload", args=[a.pk, b_response.criterion_id]),
        reverse("accreditation:evidence_link", args=[a.pk, b_response.criterion_id]),
        reverse("accreditation:evidence_unlink", args=[a.pk, b_link.pk]),
        reverse("accreditation:evidence_detail", args=[a.pk, b_link.document_id]),
        reverse("accreditation:evidence_replace", args=[a.pk, b_link.document_id]),
        reverse("accreditation:evidence_download", args=[a.pk, b_link.document.current_id]),
    ]


def _snapshot() -> tuple:
    return (
        list(Application.objects.order_by("pk").values_list("pk", "status")),
        list(Response.objects.order_by("pk").values_list("pk", "narrative", "rating")),
        EvidenceDocument.objects.count(),
        EvidenceRevision.objects.count(),
        EvidenceLink.objects.count(),
        ApplicationEvent.objects.count(),
    )


POST_DATA = {
    "narrative": "Overwritten by someone else",
    "rating": "met",
    "reason": "Withdrawn by someone else",
    "full_name": "Intruder",
    "role": "Intruder",
    "confirm": "on",
    "pointer": "p. 1",
    "autosave": "1",
}


@pytest.mark.parametrize("role", ["lead", "contributor", "signatory"])
def test_every_url_of_another_provider_is_not_found(login, two_providers, role):
    """GET and POST on each URL: 404, or 405 for a method the URL never accepts (which says
    nothing about the application); each URL answers 404 to the method it does accept."""
    a, b = two_providers["a"], two_providers["b"]
    client = login(_people_of_a(a)[role])
    before = _snapshot()
    urls = _urls_of(b, two_providers["b_response"], two_providers["b_link"])
    urls += _mixed_urls(a, b, two_providers["b_response"], two_providers["b_link"])
    data = {**POST_DATA, "document": two_providers["b_link"].document_id}
    for url in urls:
        statuses = {
            client.get(url).status_code,
            client.post(url, data).status_code,
            client.post(url, data, headers={"HX-Request": "true"}).status_code,  # autosave
        }
        assert 404 in statuses and statuses <= {404, 405}, (url, statuses)
    for url in urls:
        assert SECRET.encode() not in client.get(url).content
    assert _snapshot() == before


def test_guessed_ids_are_not_found_whether_or_not_they_exist(login, two_providers):
    a, b = two_providers["a"], two_providers["b"]
    client = login(a.started_by)
    highest = Application.objects.order_by("-pk").first().pk
    for pk in [b.pk, highest + 1, highest + 1000, 0]:
        for name in ("application_detail", "application_history", "application_submit"):
            assert client.get(reverse(f"accreditation:{name}", args=[pk])).status_code == 404
        criterion = two_providers["a_response"].criterion_id
        url = reverse("accreditation:response_edit", args=[pk, criterion])
        assert client.get(url).status_code == 404
    # a criterion ID that is not in A's application at all
    missing = reverse("accreditation:response_edit", args=[a.pk, 10**8])
    assert client.get(missing).status_code == 404


def test_nothing_of_another_provider_appears_on_their_pages(login, two_providers):
    a, b = two_providers["a"], two_providers["b"]
    for person in _people_of_a(a).values():
        client = login(person)
        pages = [
            reverse("home"),
            reverse("accreditation:application_list"),
            reverse("accreditation:application_list") + "?status=draft",
            reverse("accreditation:application_detail", args=[a.pk]),
            reverse("accreditation:application_history", args=[a.pk]),
            reverse(
                "accreditation:response_edit", args=[a.pk, two_providers["a_response"].criterion_id]
            ),
            reverse("accreditation:evidence_library", args=[a.pk]),
        ]
        for url in pages:
            content = client.get(url).content.decode()
            assert a.reference in content, url
            assert b.reference not in content, url
            assert b.programme.name not in content, url
            assert SECRET not in content, url
            assert "b-safeguarding-policy.pdf" not in content, url


def test_the_other_provider_still_sees_their_own(login, two_providers):
    b = two_providers["b"]
    client = login(b.started_by)
    for url in _urls_of(b, two_providers["b_response"], two_providers["b_link"])[:3]:
        assert client.get(url).status_code == 200, url


def test_a_superuser_administrator_cannot_change_providers_work(
    login, provider_user, django_capture_on_commit_callbacks
):
    """Superuser status grants nothing beyond the administrator role: read, never write."""
    from django.urls import reverse

    from accreditation.models import ApplicationStatus
    from tests.accreditation.factories import started_application
    from tests.factories import AdministratorFactory

    application = started_application(lead=provider_user)
    response = application.responses.first()
    superuser = AdministratorFactory(is_superuser=True, is_staff=True)
    client = login(superuser)
    assert (
        client.get(reverse("accreditation:application_detail", args=[application.pk])).status_code
        == 200
    )
    refused = client.post(
        reverse("accreditation:response_edit", args=[application.pk, response.criterion_id]),
        {"narrative": "ADMIN WROTE THIS", "rating": "met"},
    )
    assert refused.status_code in (403, 404)
    withdraw = client.post(
        reverse("accreditation:application_withdraw", args=[application.pk]), {"reason": "no"}
    )
    assert withdraw.status_code in (403, 404)
    response.refresh_from_db()
    application.refresh_from_db()
    assert response.narrative == ""
    assert application.status == ApplicationStatus.DRAFT
