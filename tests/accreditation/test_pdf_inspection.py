"""PDFs carrying active content, or broken, are accepted but flagged in plain English; flagged
files are shown as such to providers and assessors and offered for download only."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from accreditation import pdf_inspection as inspection
from accreditation.models import EvidenceRevision
from accreditation.services.evidence import evidence_upload
from accreditation.uploads import inspect_upload


@pytest.fixture(autouse=True)
def _storage(private_storage):
    return private_storage


def pdf(build=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if build:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_javascript(writer):
    # add_js is gone from pypdf 7; this is its replacement: the document's JavaScript names tree.
    writer.add_open_action(JavaScript("app.alert('hello');"))


def with_open_action(writer):
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )


def with_launch(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/Launch"),
                    NameObject("/F"): TextStringObject("calc.exe"),
                }
            )
        }
    )


def with_attachment(writer):
    writer.add_attachment("payload.txt", b"not checked")


CASES = [
    (with_javascript, [inspection.JAVASCRIPT]),
    (with_open_action, [inspection.OPEN_ACTION]),
    (with_launch, [inspection.ADDITIONAL_ACTIONS, inspection.LAUNCH]),
    (with_attachment, [inspection.EMBEDDED_FILES]),
]


def test_a_plain_pdf_has_no_warnings():
    assert inspection.pdf_warnings(io.BytesIO(pdf())) == []


@pytest.mark.parametrize("build,expected", CASES)
def test_active_content_is_found(build, expected):
    assert inspection.pdf_warnings(io.BytesIO(pdf(build))) == expected


def test_a_truncated_pdf_is_reported_as_broken():
    content = pdf()
    assert inspection.pdf_warnings(io.BytesIO(content[: len(content) // 2])) == [inspection.BROKEN]


def test_the_javascript_names_tree_alone_is_found():
    def names_tree(writer):
        js = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
        )
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(js)])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )

    assert inspection.pdf_warnings(io.BytesIO(pdf(names_tree))) == [inspection.JAVASCRIPT]


def test_an_upload_is_accepted_but_flagged(draft, provider_user, login):
    from accreditation.models import Response

    response = Response.objects.filter(application=draft).select_related("criterion").first()
    [link] = evidence_upload(
        application=draft,
        response=response,
        files=[SimpleUploadedFile("form.pdf", pdf(with_javascript), "application/pdf")],
        pointer="",
        user=provider_user,
    )
    revision = link.document.current
    assert revision.content_warnings == [inspection.JAVASCRIPT]
    assert inspect_upload(SimpleUploadedFile("plain.pdf", pdf(), "application/pdf")).warnings == ()
    client = login(provider_user)
    library = client.get(reverse("accreditation:evidence_library", args=[draft.pk]))
    assert inspection.JAVASCRIPT.encode() in library.content
    criterion = client.get(
        reverse("accreditation:response_edit", args=[draft.pk, response.criterion_id])
    )
    assert inspection.JAVASCRIPT.encode() in criterion.content
    preview = client.get(reverse("accreditation:evidence_preview", args=[draft.pk, revision.pk]))
    assert preview.status_code == 409


def test_evidence_inspect_re_inspects_stored_revisions(draft, provider_user):
    from accreditation.models import Response

    response = Response.objects.filter(application=draft).first()
    [link] = evidence_upload(
        application=draft,
        response=response,
        files=[SimpleUploadedFile("a.pdf", pdf(with_attachment), "application/pdf")],
        pointer="",
        user=provider_user,
    )
    EvidenceRevision.objects.filter(pk=link.document.current_id).update(content_warnings=[])
    out = io.StringIO()
    call_command("evidence_inspect", stdout=out)
    assert EvidenceRevision.objects.get(pk=link.document.current_id).content_warnings == [
        inspection.EMBEDDED_FILES
    ]
    assert "1 changed" in out.getvalue()
