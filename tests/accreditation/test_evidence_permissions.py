"""Who may reach each evidence URL: anonymous → sign in; other organisations and assessors → 404
(whatever ID they guess); administrators read and download but never change (403)."""

import pytest
from django.urls import reverse

from accreditation.models import EvidenceLink, EvidenceRevision
from accreditation.services.evidence import evidence_upload
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import (
    files_under,
    pdf_bytes,
    responses_of,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(private_storage, provider_user):
    """Provider A's draft with one file linked to its first criterion."""
    application = started_application(lead=provider_user)
    responses = responses_of(application)
    [link] = evidence_upload(
        application=application,
        response=responses[0],
        files=[upload("a-secret.pdf", pdf_bytes("A"))],
        pointer="",
        user=provider_user,
    )
    return application, responses, link


def urls(application, responses, link) -> dict[str, tuple[str, str, dict]]:
    document = link.document
    criterion = responses[0].criterion_id
    return {
        "library": ("get", reverse("accreditation:evidence_library", args=[application.pk]), {}),
        "detail": (
            "get",
            reverse("accreditation:evidence_detail", args=[application.pk, document.pk]),
            {},
        ),
        "download": (
            "get",
            reverse("accreditation:evidence_download", args=[application.pk, document.current_id]),
            {},
        ),
        "criterion page": (
            "get",
            reverse("accreditation:response_edit", args=[application.pk, criterion]),
            {},
        ),
        "upload": (
            "post",
            reverse("accreditation:evidence_upload", args=[application.pk, criterion]),
            {"files": [upload("b.pdf", pdf_bytes("B"))]},
        ),
        "link": (
            "post",
            reverse(
                "accreditation:evidence_link", args=[application.pk, responses[1].criterion_id]
            ),
            {"document": document.pk},
        ),
        "unlink": (
            "post",
            reverse("accreditation:evidence_unlink", args=[application.pk, link.pk]),
            {},
        ),
        "replace": (
            "post",
            reverse("accreditation:evidence_replace", args=[application.pk, document.pk]),
            {"file": upload("b.pdf", pdf_bytes("B"))},
        ),
    }


CHANGES = {"upload", "link", "unlink", "replace"}
NAMES = ["library", "detail", "download", "criterion page", *sorted(CHANGES)]


def assert_unchanged(private_storage):
    assert EvidenceRevision.objects.count() == 1
    assert EvidenceLink.objects.count() == 1
    assert len(files_under(private_storage)) == 1


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_people_are_sent_to_sign_in(name, login, evidence, private_storage):
    method, url, data = urls(*evidence)[name]
    answer = getattr(login(None), method)(url, data)
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("account_login") + "?next=")
    assert_unchanged(private_storage)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("role", ["other_provider_user", "assessor"])
def test_other_organisations_and_assessors_get_404(
    name, role, request, login, evidence, private_storage
):
    method, url, data = urls(*evidence)[name]
    answer = getattr(login(request.getfixturevalue(role)), method)(url, data)
    assert answer.status_code == 404
    assert b"a-secret.pdf" not in answer.content
    assert_unchanged(private_storage)


@pytest.mark.parametrize("name", NAMES)
def test_administrators_read_and_download_but_never_change(
    name, login, administrator, evidence, private_storage
):
    method, url, data = urls(*evidence)[name]
    answer = getattr(login(administrator), method)(url, data)
    assert answer.status_code == (403 if name in CHANGES else 200)
    if name == "download":
        assert b"".join(answer.streaming_content) == pdf_bytes("A")
    assert_unchanged(private_storage)


@pytest.mark.parametrize("name", NAMES)
def test_the_applicant_may_do_everything(name, login, provider_user, evidence, private_storage):
    method, url, data = urls(*evidence)[name]
    answer = getattr(login(provider_user), method)(url, data)
    assert answer.status_code == (302 if name in CHANGES else 200), answer.content[:500]


def test_ids_guessed_through_ones_own_application_are_404(
    login, other_provider_user, evidence, private_storage
):
    """Provider B has an application of their own and tries A's document, revision and link
    IDs in its URLs: every one is 404 and nothing of A's changes or leaks."""
    link = evidence[2]
    mine = started_application(lead=other_provider_user)
    my_responses = responses_of(mine)
    client = login(other_provider_user)
    guesses = urls(mine, my_responses, link)  # B's application, A's object IDs
    for name in ["detail", "download", "unlink", "replace"]:
        method, url, data = guesses[name]
        answer = getattr(client, method)(url, data)
        assert answer.status_code == 404, name
    method, url, _ = guesses["link"]
    answer = client.post(url, {"document": link.document_id})
    assert answer.status_code == 302
    assert not EvidenceLink.objects.filter(response__application=mine).exists()
    assert_unchanged(private_storage)


def test_get_is_not_allowed_on_changes(login, provider_user, evidence):
    _, url, _ = urls(*evidence)["replace"]
    assert login(provider_user).get(url).status_code == 405
    _, url, _ = urls(*evidence)["unlink"]
    assert login(provider_user).get(url).status_code == 405


def test_an_assigned_assessor_never_sees_the_providers_working_files(login, private_storage):
    """The library and a file's page show the provider's working files, including ones never
    submitted: refused to the application's own assessors, who read the submission record (the
    download of a submitted file stays theirs, on the scoring pages)."""
    from accreditation.models import SubmittedEvidence
    from tests.accreditation.journey import in_assessment

    stage = in_assessment()
    application = stage.application
    submitted = SubmittedEvidence.objects.filter(answer__record__application=application).first()
    assessor = login(stage.lead.assessor)
    library = reverse("accreditation:evidence_library", args=[application.pk])
    detail = reverse(
        "accreditation:evidence_detail", args=[application.pk, submitted.revision.document_id]
    )
    assert assessor.get(library).status_code == 403
    assert assessor.get(detail).status_code == 403
    page = assessor.get(reverse("accreditation:application_detail", args=[application.pk]))
    assert page.status_code == 200 and library not in page.content.decode()
    download = reverse(
        "accreditation:evidence_download", args=[application.pk, submitted.revision_id]
    )
    assert assessor.get(download).status_code == 200
    # The provider and administrators still have it.
    assert login(application.started_by).get(library).status_code == 200
    assert login(stage.administrator).get(library).status_code == 200
