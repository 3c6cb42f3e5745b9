"""Evidence pages through the test client: uploads, refusals, downloads, replacing, reuse."""

import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EvidenceLink,
    EvidenceRevision,
)
from tests.accreditation.hostile import (
    HOSTILE,
    docx_bytes,
    files_under,
    pdf_bytes,
    png_bytes,
    upload,
    valid_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(login, provider_user):
    return login(provider_user)


def upload_url(application, response):
    return reverse("accreditation:evidence_upload", args=[application.pk, response.criterion_id])


def criterion_url(application, response):
    return reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])


def post_files(client, application, response, *files, pointer=""):
    return client.post(
        upload_url(application, response), {"files": list(files), "pointer": pointer}
    )


def text(answer) -> str:
    return answer.content.decode()


def messages_of(answer) -> list[str]:
    return [str(m) for m in answer.wsgi_request._messages]


def test_uploading_several_files_at_once(client, private_storage, draft, responses):
    files = valid_files()
    answer = post_files(
        client,
        draft,
        responses[0],
        *(upload(name, content) for name, (content, _) in files.items()),
        pointer="section 4, p. 12",
    )
    assert answer.status_code == 302
    assert answer["Location"] == criterion_url(draft, responses[0])
    [message] = messages_of(answer)
    assert message.startswith("Uploaded “Safeguarding policy.pdf”, ")
    assert message.endswith(f"as evidence for criterion {responses[0].criterion.code}.")
    assert EvidenceLink.objects.filter(
        response=responses[0], pointer="section 4, p. 12"
    ).count() == len(files)
    assert len(files_under(private_storage)) == len(files)

    page = client.get(criterion_url(draft, responses[0]))
    assert page.status_code == 200
    for name in files:
        assert name in text(page)
    assert "section 4, p. 12" in text(page)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_refused_upload_shows_why_keeps_the_pointer_and_stores_nothing(
    case, client, private_storage, draft, responses
):
    post_files(client, draft, responses[0], upload("earlier.pdf", pdf_bytes("old")))
    before = files_under(private_storage)
    hostile = HOSTILE[case]
    answer = post_files(
        client,
        draft,
        responses[0],
        upload("fine.png", png_bytes()),
        upload(hostile.name, hostile.content, content_type="application/pdf"),
        pointer="page 7 & 8",
    )
    assert answer.status_code == 400
    body = text(answer)
    for words in hostile.expect:
        assert words.replace("&", "&amp;") in body.replace("&quot;", '"').replace("&#x27;", "'")
    assert 'value="page 7 &amp; 8"' in body
    assert 'aria-invalid="true"' in body
    assert re.search(r'aria-describedby="evidence-files-hint-\d+ evidence-files-error-\d+"', body)
    assert EvidenceRevision.objects.count() == 1
    assert files_under(private_storage) == before


def test_over_the_limit_is_refused_through_the_view(
    settings, client, private_storage, draft, responses
):
    settings.EVIDENCE_MAX_FILE_BYTES = 1000
    answer = post_files(client, draft, responses[0], upload("big.pdf", pdf_bytes() + b"0" * 2000))
    assert answer.status_code == 400
    assert "“big.pdf” was not uploaded: it is larger than 1000\xa0bytes" in text(answer)
    assert not EvidenceRevision.objects.exists()
    assert files_under(private_storage) == []


def test_too_many_files_at_once(settings, client, private_storage, draft, responses):
    settings.EVIDENCE_MAX_FILES_PER_UPLOAD = 2
    answer = post_files(
        client, draft, responses[0], *(upload(f"{n}.pdf", pdf_bytes()) for n in range(3))
    )
    assert answer.status_code == 400
    assert "at most 2 files can be uploaded at once" in text(answer)
    assert not EvidenceRevision.objects.exists()
    assert files_under(private_storage) == []


def test_download_is_an_exact_attachment(client, private_storage, draft, responses):
    content = pdf_bytes("exact")
    post_files(client, draft, responses[0], upload("Zoë's report.pdf", content))
    revision = EvidenceRevision.objects.get()
    answer = client.get(reverse("accreditation:evidence_download", args=[draft.pk, revision.pk]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == content
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Length"] == str(len(content))
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert answer["Content-Disposition"] == (
        "attachment; filename=\"Zoe_s report.pdf\"; filename*=UTF-8''Zo%C3%AB%27s%20report.pdf"
    )
    assert "no-store" in answer["Cache-Control"]


def test_text_is_served_as_text_with_its_charset(client, private_storage, draft, responses):
    post_files(client, draft, responses[0], upload("notes.txt", "£5".encode("cp1252")))
    revision = EvidenceRevision.objects.get()
    answer = client.get(reverse("accreditation:evidence_download", args=[draft.pk, revision.pk]))
    assert answer["Content-Type"] == "text/plain; charset=windows-1252"
    assert answer["Content-Disposition"].startswith("attachment;")


def test_replacing_through_the_page_lists_both_versions(client, private_storage, draft, responses):
    post_files(client, draft, responses[0], upload("policy.pdf", pdf_bytes("v1")))
    first = EvidenceRevision.objects.get()
    document = first.document
    replace = reverse("accreditation:evidence_replace", args=[draft.pk, document.pk])
    refused = client.post(replace, {"file": upload("policy.docx", pdf_bytes("v2"))})
    assert refused.status_code == 400
    assert "its content is a PDF, not a Word document" in text(refused)
    assert EvidenceRevision.objects.count() == 1

    answer = client.post(replace, {"file": upload("policy v2.docx", docx_bytes())})
    detail = reverse("accreditation:evidence_detail", args=[draft.pk, document.pk])
    assert answer.status_code == 302
    assert answer["Location"] == detail
    page = text(client.get(detail))
    assert "policy v2.docx" in page and "policy.pdf" in page
    assert reverse("accreditation:evidence_download", args=[draft.pk, first.pk]) in page
    old = client.get(reverse("accreditation:evidence_download", args=[draft.pk, first.pk]))
    assert b"".join(old.streaming_content) == pdf_bytes("v1")
    library = text(client.get(reverse("accreditation:evidence_library", args=[draft.pk])))
    assert "Earlier versions" in library and "policy.pdf (version 1" in library


def test_reuse_and_remove_from_the_panel(client, private_storage, draft, responses):
    post_files(client, draft, responses[0], upload("plan.pdf", pdf_bytes()))
    revision = EvidenceRevision.objects.get()
    panel = text(client.get(criterion_url(draft, responses[1])))
    assert "Use a file already in this application" in panel
    assert f'name="document" value="{revision.document_id}"' in panel  # a quick pick

    answer = client.post(
        reverse("accreditation:evidence_link", args=[draft.pk, responses[1].criterion_id]),
        {"document": revision.document_id, "pointer": "appendix B"},
    )
    assert answer.status_code == 302
    assert "“plan.pdf” is now also evidence for criterion" in messages_of(answer)[0]
    assert EvidenceLink.objects.count() == 2

    link = EvidenceLink.objects.get(response=responses[1])
    answer = client.post(
        reverse("accreditation:evidence_unlink", args=[draft.pk, link.pk]),
        {"next": "https://evil.example/"},
    )
    assert answer["Location"] == criterion_url(draft, responses[1])  # never an outside address
    assert "still in this application's evidence library" in messages_of(answer)[-1]
    library = text(client.get(reverse("accreditation:evidence_library", args=[draft.pk])))
    assert "plan.pdf" in library
    assert (
        ApplicationEvent.objects.filter(kind=ApplicationEvent.Kind.EVIDENCE_UNLINKED).count() == 1
    )


def test_linking_without_choosing_a_file(client, private_storage, draft, responses):
    answer = client.post(
        reverse("accreditation:evidence_link", args=[draft.pk, responses[0].criterion_id]),
        {"document": ""},
    )
    assert answer.status_code == 302
    assert messages_of(answer) == ["Choose a file from this application to use for this criterion."]


def test_the_library_lists_files_criteria_and_uploaders(
    client, provider_user, private_storage, draft, responses
):
    post_files(client, draft, responses[0], upload("plan.pdf", pdf_bytes()), pointer="p. 3")
    post_files(client, draft, responses[1], upload("photo.png", png_bytes()))
    page = text(client.get(reverse("accreditation:evidence_library", args=[draft.pk])))
    assert "2 files" in page
    assert responses[0].criterion.code in page and "p. 3" in page
    assert provider_user.full_name in page
    assert hashlib.sha256(pdf_bytes()).hexdigest() not in page  # the hash is on the file page


def test_a_submitted_application_refuses_changes_with_a_message(
    client, private_storage, draft, responses
):
    post_files(client, draft, responses[0], upload("plan.pdf", pdf_bytes()))
    link = EvidenceLink.objects.get()
    now = timezone.now()
    Application.objects.filter(pk=draft.pk).update(
        status=ApplicationStatus.SUBMITTED, submitted_at=now, declaration_signed_at=now
    )
    attempts = [
        (upload_url(draft, responses[0]), {"files": [upload("new.pdf", pdf_bytes())]}),
        (
            reverse("accreditation:evidence_link", args=[draft.pk, responses[1].criterion_id]),
            {"document": link.document_id},
        ),
        (reverse("accreditation:evidence_unlink", args=[draft.pk, link.pk]), {}),
        (
            reverse("accreditation:evidence_replace", args=[draft.pk, link.document_id]),
            {"file": upload("new.pdf", pdf_bytes())},
        ),
    ]
    for url, data in attempts:
        answer = client.post(url, data)
        assert answer.status_code == 302, url
        assert messages_of(answer)[-1] == (
            f"Application {draft.reference} is waiting for screening, so its evidence can no longer be changed."
        )
    assert EvidenceRevision.objects.count() == 1
    assert EvidenceLink.objects.count() == 1
    assert len(files_under(private_storage)) == 1
    panel = text(client.get(criterion_url(draft, responses[0])))
    assert "Upload files" not in panel
    assert "so its evidence can no longer be changed" in panel


def test_pages_have_no_inline_script_or_style(client, private_storage, draft, responses):
    post_files(client, draft, responses[0], upload("plan.pdf", pdf_bytes()))
    document_id = EvidenceRevision.objects.get().document_id
    for url in [
        criterion_url(draft, responses[0]),
        reverse("accreditation:evidence_library", args=[draft.pk]),
        reverse("accreditation:evidence_detail", args=[draft.pk, document_id]),
    ]:
        body = text(client.get(url))
        assert " style=" not in body, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), url
        assert re.search(r" on[a-z]+=", body) is None, url


def test_a_body_larger_than_the_allowance_left_is_refused_before_it_is_read(
    client, private_storage, draft, responses, settings
):
    post_files(client, draft, responses[0], upload("plan.pdf", pdf_bytes()))
    used = EvidenceRevision.objects.get().size
    settings.EVIDENCE_APPLICATION_QUOTA_BYTES = used + 1024
    big = upload("big.pdf", pdf_bytes() + b"0" * (200 * 1024))
    answer = client.post(upload_url(draft, responses[0]), {"files": [big]})
    assert answer.status_code == 400  # answered on the criterion page itself
    assert answer.templates[0].name == "accreditation/response_edit.html"
    assert "Nothing was uploaded: the files come to about" in text(answer)
    assert "1.0\xa0KB of its" in text(answer)
    assert EvidenceRevision.objects.count() == 1
    assert len(files_under(private_storage)) == 1
