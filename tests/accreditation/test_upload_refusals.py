"""A refused upload is answered on the criterion page itself: the same heading, breadcrumb and
answer, with every refused file and the rule it broke at the top of the evidence panel. With
htmx only the panel comes back (the page is never left); without JavaScript the whole
criterion page comes back."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import (
    Application,
    ApplicationStatus,
    EvidenceLink,
    EvidenceRevision,
    Response,
)
from tests.accreditation.hostile import HTML, files_under, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NARRATIVE = "Our safeguarding lead reviews every referral within two working days."


@pytest.fixture
def client(login, provider_user):
    return login(provider_user)


@pytest.fixture
def answered(draft, responses):
    """The first criterion with a saved narrative and one file already offered as evidence."""
    Response.objects.filter(pk=responses[0].pk).update(narrative=NARRATIVE)
    return responses[0]


def upload_url(application, response):
    return reverse("accreditation:evidence_upload", args=[application.pk, response.criterion_id])


def criterion_url(application, response):
    return reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])


def body(answer) -> str:
    return html.unescape(answer.content.decode())


def refused_batch():
    return [
        upload("fine.png", png_bytes()),
        upload("policy.pdf", HTML),  # a web page saved under a PDF name
        upload("tool.exe", b"MZ"),
    ]


def test_without_javascript_the_refusal_is_shown_on_the_criterion_page(
    client, private_storage, draft, answered
):
    client.post(upload_url(draft, answered), {"files": [upload("earlier.pdf", pdf_bytes())]})
    before = files_under(private_storage)
    criterion = answered.criterion

    answer = client.post(
        upload_url(draft, answered), {"files": refused_batch(), "pointer": "page 3"}
    )

    assert answer.status_code == 400
    page = body(answer)
    # The criterion page itself: its title, heading, breadcrumb and the answer.
    assert answer.templates[0].name == "accreditation/response_edit.html"
    assert re.search(
        rf"<h1[^>]*>\s*<span class=\"criterion-code\">{re.escape(criterion.code)}</span>", page
    )
    assert f'aria-current="page">Criterion {criterion.code}</li>' in page
    assert NARRATIVE in page
    assert 'name="narrative"' in page
    # Each refused file is named with its rule once, in the summary at the top of the page (the
    # title says "Error:"), linked to the file field; the panel says nothing was uploaded.
    assert "<title>Error: " in page
    summary = page[page.index("data-error-summary") : page.index("Evidence for this criterion")]
    field = f'href="#evidence-files-{answered.pk}"'
    assert (
        f"{field}>“policy.pdf” was not uploaded: its content is a web page (HTML), not a PDF."
        in (summary)
    )
    assert f"{field}>“tool.exe” was not uploaded: “.exe” files are not accepted." in summary
    assert "fine.png" not in summary  # nothing wrong with it; it was simply not stored
    panel = page[page.index("Evidence for this criterion") :]
    assert "Nothing was uploaded" in panel
    assert page.count("“tool.exe” was not uploaded") == 1
    assert 'value="page 3"' in page
    # The evidence already there is intact and nothing new was stored.
    assert "earlier.pdf" in panel
    assert EvidenceRevision.objects.count() == 1
    assert EvidenceLink.objects.count() == 1
    assert files_under(private_storage) == before


def test_with_htmx_only_the_panel_comes_back_with_the_refusal(
    client, private_storage, draft, answered
):
    answer = client.post(upload_url(draft, answered), {"files": refused_batch()}, **HTMX)
    assert answer.status_code == 422
    fragment = body(answer)
    assert fragment.lstrip().startswith('<section class="evidence-panel')
    assert "<html" not in fragment and "<script" not in fragment
    assert "“policy.pdf” was not uploaded" in fragment
    assert "“tool.exe” was not uploaded" in fragment
    assert 'role="alert"' in fragment
    assert not EvidenceRevision.objects.exists()
    assert files_under(private_storage) == []


def test_with_htmx_an_accepted_upload_updates_the_panel_in_place(
    client, private_storage, draft, answered
):
    answer = client.post(
        upload_url(draft, answered),
        {"files": [upload("minutes.pdf", pdf_bytes())], "pointer": "page 2"},
        **HTMX,
    )
    assert answer.status_code == 200
    fragment = body(answer)
    assert f"Uploaded “minutes.pdf” as evidence for criterion {answered.criterion.code}." in (
        fragment
    )
    assert re.search(r">minutes\.pdf</a>", fragment)
    # The note above the answer no longer asks for evidence (htmx swaps it out of band).
    note = re.search(r'<div [^>]*id="answer-problems"[^>]*>.*?</div>', fragment, re.S).group(0)
    assert 'hx-swap-oob="true"' in note
    assert "No self-rating chosen." in note
    assert "no evidence linked yet" not in note
    assert EvidenceLink.objects.filter(response=answered, pointer="page 2").count() == 1


def test_a_body_over_the_allowance_is_refused_on_the_panel_with_htmx(
    client, private_storage, draft, answered, settings
):
    settings.EVIDENCE_APPLICATION_QUOTA_BYTES = 1024
    big = upload("big.pdf", pdf_bytes() + b"0" * (200 * 1024))
    answer = client.post(upload_url(draft, answered), {"files": [big]}, **HTMX)
    assert answer.status_code == 422
    assert "of its 1.0\xa0KB evidence allowance left" in body(answer)
    assert files_under(private_storage) == []


def test_with_htmx_a_locked_application_sends_the_whole_page_back(
    client, private_storage, draft, answered
):
    now = timezone.now()
    Application.objects.filter(pk=draft.pk).update(
        status=ApplicationStatus.SUBMITTED, submitted_at=now, declaration_signed_at=now
    )
    answer = client.post(
        upload_url(draft, answered), {"files": [upload("new.pdf", pdf_bytes())]}, **HTMX
    )
    assert answer.status_code == 204
    assert answer["HX-Redirect"] == criterion_url(draft, answered)
    assert not EvidenceRevision.objects.exists()


def test_the_upload_address_leads_back_to_the_criterion_page(client, draft, answered):
    answer = client.get(upload_url(draft, answered))
    assert answer.status_code == 302
    assert answer["Location"] == criterion_url(draft, answered)


def test_the_upload_address_of_another_organisation_is_not_found(
    login, other_provider_user, draft, answered
):
    assert login(other_provider_user).get(upload_url(draft, answered)).status_code == 404


def test_the_panel_carries_the_limits_the_browser_checks(client, settings, draft, answered):
    settings.EVIDENCE_MAX_FILE_BYTES = 5 * 1024 * 1024
    settings.EVIDENCE_MAX_FILES_PER_UPLOAD = 7
    settings.EVIDENCE_APPLICATION_QUOTA_BYTES = 9 * 1024 * 1024
    page = body(client.get(criterion_url(draft, answered)))
    zone = re.search(r"<div [^>]*data-evidence-dropzone[^>]*>", page).group(0)
    assert f'data-max-bytes="{5 * 1024 * 1024}"' in zone
    assert 'data-max-files="7"' in zone
    assert f'data-quota="{9 * 1024 * 1024}"' in zone
    assert f'data-quota-left="{9 * 1024 * 1024}"' in zone
    assert 'data-accept=".pdf,' in zone
    assert " exe " in zone  # the names of programs, for the same wording as the server
