"""The upload rules (accreditation/uploads.py) and the streaming handler, on their own."""

import hashlib
import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accreditation.models import EvidenceRevision
from accreditation.uploads import (
    HEAD_BYTES,
    EvidenceUploadHandler,
    FileRefused,
    attachment_header,
    clean_file_name,
    inspect_upload,
)
from tests.accreditation.hostile import (
    HOSTILE,
    files_under,
    pdf_bytes,
    responses_of,
    upload,
    valid_files,
    zip_bytes,
)


@pytest.fixture
def first_response(draft):
    return responses_of(draft)[0]


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\pat\\Desktop\\minutes.docx", "minutes.docx"),
        ("report\u202efdp.exe", "reportfdp.exe"),
        ("zero\u200bwidth\u2066.pdf", "zerowidth.pdf"),
        ("bell\x07and\x1bescape.pdf", "bellandescape.pdf"),
        ("  lots \t of\n\nspace  .pdf", "lots of space.pdf"),
        ("trailing dots.pdf. . .", "trailing dots.pdf"),
        ("cafe\u0301.pdf", "café.pdf"),  # decomposed é becomes one code point (NFC)
        (".pdf", "file.pdf"),
        ("", "file"),
    ],
)
def test_names_are_cleaned_for_display(raw, clean):
    assert clean_file_name(raw) == clean


def test_long_names_are_shortened_keeping_the_extension():
    cleaned = clean_file_name("a" * 300 + ".docx")
    assert len(cleaned) == 150
    assert cleaned.endswith("a.docx")


def test_nfc_is_applied():
    assert clean_file_name("cafe\u0301.pdf") == "caf\u00e9.pdf"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("x.pdf.exe", "“.exe” files are not accepted"),
        ("x.exe.pdf", "hidden “.exe” part"),
        ("notes.JS.txt", "hidden “.js” part"),
        ("page.html", "“.html” files are not accepted"),
        ("drawing.svg", "“.svg” files are not accepted"),
        ("noextension", "no file extension"),
    ],
)
def test_names_that_hide_or_are_programs_are_refused(name, words):
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload(name, pdf_bytes()))
    assert words in str(refused.value)
    assert str(refused.value).startswith(f"“{clean_file_name(name)}” was not uploaded: ")


def test_dotted_names_that_hide_nothing_are_accepted():
    inspected = inspect_upload(upload("Minutes 03.03.2025 v1.2.PDF", pdf_bytes()))
    assert inspected.name == "Minutes 03.03.2025 v1.2.PDF"
    assert inspected.extension == "pdf"


def test_attachment_header_has_an_ascii_fallback_and_the_exact_name():
    header = attachment_header('Zoë "final" report.pdf')
    assert header.startswith('attachment; filename="Zoe _final_ report.pdf"; ')
    assert "filename*=UTF-8''Zo%C3%AB%20%22final%22%20report.pdf" in header


# --- content --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(valid_files()))
def test_every_accepted_type_is_accepted(name):
    content, content_type = valid_files()[name]
    inspected = inspect_upload(upload(name, content, content_type="application/x-nonsense"))
    assert inspected.content_type == content_type  # ours, not the browser's
    assert inspected.size == len(content)
    assert inspected.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("case", list(HOSTILE))
def test_every_hostile_file_is_refused_with_its_own_reason(case):
    hostile = HOSTILE[case]
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload(hostile.name, hostile.content, content_type="application/pdf"))
    for words in hostile.expect:
        assert words in str(refused.value), f"{case}: {refused.value}"


def test_the_example_message_reads_as_promised():
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("budget.xlsx", pdf_bytes()))
    assert str(refused.value) == (
        "“budget.xlsx” was not uploaded: its content is a PDF, not an Excel spreadsheet. "
        "Save it with the right extension and try again."
    )


def test_a_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 100
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("big.pdf", pdf_bytes() + b"x" * 200))
    assert "the largest file accepted is 100\xa0bytes" in str(refused.value)


def test_an_archive_with_too_many_parts_is_refused(settings):
    settings.EVIDENCE_ZIP_MAX_ENTRIES = 10
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
    members.update({f"word/media/{n}.xml": b"<x/>" for n in range(20)})
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("many.docx", zip_bytes(members)))
    assert "22 parts, more than the 10 allowed" in str(refused.value)


def test_an_archive_that_expands_beyond_the_total_cap_is_refused(settings):
    settings.EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES = 1000
    members = {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": bytes(range(256)) * 8,  # 2 KB that barely compresses
    }
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("big.docx", zip_bytes(members)))
    assert "would expand to 2.0\xa0KB" in str(refused.value)


def test_archive_members_are_never_expanded(monkeypatch):
    """Only the central directory is read: no member of an Office file is decompressed."""
    from tests.accreditation.hostile import docx_bytes

    content = docx_bytes()

    def refuse(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    assert inspect_upload(upload("ok.docx", content)).extension == "docx"


def test_a_damaged_archive_is_refused():
    content = zip_bytes({"[Content_Types].xml": b"<T/>", "word/document.xml": b"<w/>"})
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("cut.docx", content[: len(content) // 2]))
    assert "damaged" in str(refused.value)


def test_text_in_a_legacy_encoding_is_accepted_and_utf16_is_not():
    assert "windows-1252" in inspect_upload(upload("a.txt", "£5 Zoë".encode("cp1252"))).content_type
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("b.txt", "hello".encode("utf-16")))
    assert "not plain text" in str(refused.value)


def test_svg_hidden_deep_inside_text_is_found():
    content = b"a,b\n" * 300_000 + b"<svg onload=alert(1)>"
    with pytest.raises(FileRefused) as refused:
        inspect_upload(upload("long.csv", content))
    assert "web page code" in str(refused.value)


# --- the streaming handler -----------------------------------------------------------------


class MeasuringHandler(EvidenceUploadHandler):
    """The real handler, watched: largest chunk handed to it, its own buffer, and Python heap
    growth while the file streams through (a handler that kept the file would grow with it)."""

    last = None

    def __init__(self, request=None):
        super().__init__(request)
        self.chunks = 0
        self.largest_chunk = 0
        self.largest_head = 0
        self.heap: list[int] = []
        MeasuringHandler.last = self

    def receive_data_chunk(self, raw_data, start):
        self.chunks += 1
        self.largest_chunk = max(self.largest_chunk, len(raw_data))
        result = super().receive_data_chunk(raw_data, start)
        self.largest_head = max(self.largest_head, len(self._head))
        self.heap.append(tracemalloc.get_traced_memory()[0])
        return result


@pytest.mark.django_db
def test_a_multi_megabyte_upload_streams_through_the_handler_one_chunk_at_a_time(
    settings, monkeypatch, private_storage, draft, first_response, provider_user, login
):
    chunk = 64 * 1024
    settings.EVIDENCE_UPLOAD_CHUNK_BYTES = chunk
    monkeypatch.setattr("accreditation.views.evidence.EvidenceUploadHandler", MeasuringHandler)
    content = b"%PDF-1.7\n" + bytes(range(256)) * (8 * 4096) + b"\n%%EOF\n"  # 8 MB
    client = login(provider_user)
    url = reverse("accreditation:evidence_upload", args=[draft.pk, first_response.criterion_id])
    tracemalloc.start()
    try:
        answer = client.post(url, {"files": [SimpleUploadedFile("big.pdf", content)]})
    finally:
        tracemalloc.stop()
    assert answer.status_code == 302, answer.content.decode()[:2000]
    handler = MeasuringHandler.last
    assert handler.chunks >= len(content) // chunk
    assert handler.largest_chunk <= chunk
    assert handler.largest_head <= HEAD_BYTES
    growth = max(handler.heap) - handler.heap[0]
    assert growth < 4 * chunk, f"heap grew by {growth} bytes while streaming {len(content)}"
    revision = EvidenceRevision.objects.get()
    assert revision.size == len(content)
    assert revision.sha256 == hashlib.sha256(content).hexdigest()
    assert revision.file.read() == content


@pytest.mark.django_db
def test_the_handler_drops_a_file_as_soon_as_it_passes_the_limit(
    settings, monkeypatch, private_storage, draft, first_response, provider_user, login
):
    settings.EVIDENCE_UPLOAD_CHUNK_BYTES = 64 * 1024
    settings.EVIDENCE_MAX_FILE_BYTES = 256 * 1024
    monkeypatch.setattr("accreditation.views.evidence.EvidenceUploadHandler", MeasuringHandler)
    client = login(provider_user)
    url = reverse("accreditation:evidence_upload", args=[draft.pk, first_response.criterion_id])
    big = io.BytesIO(b"%PDF-1.7\n" + b"\x00" * (4 * 1024 * 1024))
    big.name = "big.pdf"
    answer = client.post(url, {"files": [big], "pointer": "p. 3"})
    assert answer.status_code == 400
    handler = MeasuringHandler.last
    assert handler.chunks <= 256 // 64 + 1  # stopped at the limit, not after 4 MB
    assert (
        "“big.pdf” was not uploaded: it is larger than 256.0\xa0KB, the largest file accepted."
        in answer.content.decode()
    )
    assert 'value="p. 3"' in answer.content.decode()  # the pointer is kept
    assert not EvidenceRevision.objects.exists()
    assert files_under(private_storage) == []


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("notes.txt", b"Attendance fell below 5 < 10 people; target a<b.\n", True),
        ("notes.txt", b"<img src=x onerror=alert(1)>", False),
        ("notes.txt", b"see <a href='x'>here</a>", False),
        ("notes.txt", b"click javascript:alert(1)", False),
        ("notes.txt", b"<!-- hidden -->", False),
        ("scores.csv", b"name,score\nAnn,-5\nBob,+44\nCal,3.5\n", True),
        ("scores.csv", b'name,score\nAnn,=HYPERLINK("http://x")\n', False),
        ("scores.csv", b"name,score\nAnn,@SUM(A1)\n", False),
        ("scores.csv", b"name,score\nAnn,-2+3+cmd|' /C calc'!A0\n", False),
    ],
)
def test_text_and_csv_carry_no_markup_or_formulas(name, content, accepted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accreditation.uploads import FileRefused, inspect_upload

    upload = SimpleUploadedFile(name, content)
    if accepted:
        assert inspect_upload(upload).size == len(content)
    else:
        with pytest.raises(FileRefused) as refused:
            inspect_upload(upload)
        assert name in str(refused.value)


def test_partial_uploads_abandoned_for_a_day_are_swept(private_storage):
    import os
    import time

    from accreditation.tasks import evidence_sweep_stale_uploads
    from accreditation.uploads import upload_temp_dir

    folder = upload_temp_dir()
    old = os.path.join(folder, "abandoned.upload")
    fresh = os.path.join(folder, "in-progress.upload")
    other = os.path.join(folder, "keep.txt")
    for path in (old, fresh, other):
        with open(path, "wb") as handle:
            handle.write(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    os.utime(other, (two_days_ago, two_days_ago))
    assert evidence_sweep_stale_uploads() == 1
    assert not os.path.exists(old)
    assert os.path.exists(fresh)
    assert os.path.exists(other)
