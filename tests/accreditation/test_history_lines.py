"""Each line of an application's history names its file once, as it was at the time, with a link
to the file's page."""

import re

import pytest
from django.urls import reverse

from accreditation.services import evidence as services

from .hostile import pdf_bytes, responses_of, upload

pytestmark = pytest.mark.django_db


def _lines(client, application) -> list[str]:
    content = client.get(
        reverse("accreditation:application_history", args=[application.pk])
    ).content.decode()
    return re.findall(r'<li class="mb-3">(.*?)</li>', content, re.S)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_evidence_line_names_its_file_once(login, draft, private_storage):
    lead = draft.started_by
    first, second = responses_of(draft)[:2]
    [link] = services.evidence_upload(
        application=draft,
        response=first,
        files=[upload("board-minutes.pdf", pdf_bytes("minutes"))],
        pointer="pages 2 to 4",
        user=lead,
    )
    document = link.document
    services.evidence_link(
        application=draft, response=second, document=document, pointer="", user=lead
    )
    second_link = document.links.get(response=second)
    services.evidence_unlink(application=draft, link=second_link, user=lead)
    services.evidence_replace(
        application=draft,
        document=document,
        file=upload("board-minutes-2026.pdf", pdf_bytes("new minutes")),
        user=lead,
    )

    lines = _lines(login(lead), draft)
    evidence_lines = [line for line in lines if "Evidence" in line]
    assert len(evidence_lines) == 4
    file_url = reverse("accreditation:evidence_detail", args=[draft.pk, document.pk])
    for line in evidence_lines:
        text = _text(line)
        assert line.count(f'href="{file_url}"') == 1, line
        assert text.count("File:") == 1, text
    uploaded, linked, unlinked = (
        _text(line) for line in reversed(evidence_lines[1:])
    )  # newest first on the page
    # each line names the file as it was then, not under the name it was given later
    for line in (uploaded, linked, unlinked):
        assert line.count("board-minutes.pdf") == 1, line
        assert "board-minutes-2026.pdf" not in line, line
    assert "pages 2 to 4" in uploaded
    replaced = _text(evidence_lines[0])
    assert replaced.count("board-minutes.pdf") == 1, replaced
    assert replaced.count("board-minutes-2026.pdf") == 1, replaced


def test_an_upload_line_says_the_name_once(login, draft, private_storage):
    services.evidence_upload(
        application=draft,
        response=responses_of(draft)[0],
        files=[upload("policy.pdf", pdf_bytes("policy"))],
        pointer="",
        user=draft.started_by,
    )
    [line] = [line for line in _lines(login(draft.started_by), draft) if "Evidence" in line]
    assert _text(line).count("policy.pdf") == 1, line
    assert "see the file" in line


def test_status_lines_are_unchanged(login, draft):
    lines = _lines(login(draft.started_by), draft)
    assert any("Application started" in line for line in lines)
