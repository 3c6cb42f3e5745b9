"""Files for the upload tests, made in the test run (nothing binary is committed).

``valid_files()`` gives a minimal real file of every accepted type; the ``*_bytes`` helpers and
``HOSTILE`` give the files an attacker or a careless upload would send. Each hostile case names
the words its refusal must contain, so a test fails if the wrong rule (or none) refuses it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def pdf_bytes(text: str = "Evidence") -> bytes:
    """A tiny but complete one-page PDF."""
    body = (
        "%PDF-1.7\n"
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
        f"% {text}\n"
        "trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return body.encode("latin-1")


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """SOI, a JFIF APP0 segment and EOI: what every JPEG starts and ends with."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def zip_bytes(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(
                zipfile.ZipInfo(stored_first), members[stored_first], zipfile.ZIP_STORED
            )
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
        }
    )


def xlsx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook><sheets/></workbook>",
            "xl/worksheets/sheet1.xml": b"<worksheet><sheetData/></worksheet>",
        }
    )


def pptx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": b"<Relationships/>",
            "ppt/presentation.xml": b"<p:presentation/>",
        }
    )


def odf_bytes(mimetype: str) -> bytes:
    return zip_bytes(
        {
            "mimetype": mimetype.encode(),
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
        },
        stored_first="mimetype",
    )


def odt_bytes() -> bytes:
    return odf_bytes("application/vnd.oasis.opendocument.text")


def ods_bytes() -> bytes:
    return odf_bytes("application/vnd.oasis.opendocument.spreadsheet")


def zip_bomb_docx_bytes(expanded: int = 60 * 1024 * 1024) -> bytes:
    """Looks like a Word document, but one member expands from ~60 KB to ``expanded`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("word/document.xml", b"<w:document/>")
        with archive.open("word/media/padding.bin", "w", force_zip64=False) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(expanded // len(block)):
                member.write(block)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A file as the browser would send it; the content type is deliberately meaningless."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def valid_files() -> dict[str, tuple[bytes, str]]:
    """name → (bytes, content type we must record)."""
    return {
        "Safeguarding policy.pdf": (pdf_bytes(), "application/pdf"),
        "Facilitator training.docx": (
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "Outcomes 2025.xlsx": (
            xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "Board briefing.pptx": (
            pptx_bytes(),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        "Session plan.odt": (odt_bytes(), "application/vnd.oasis.opendocument.text"),
        "Attendance.ods": (ods_bytes(), "application/vnd.oasis.opendocument.spreadsheet"),
        "Group photo.png": (png_bytes(), "image/png"),
        "Certificate scan.jpg": (jpeg_bytes(), "image/jpeg"),
        "Notes – café meeting.txt": (
            "Minutes of the café meeting: £40 spent.\n".encode(),
            "text/plain; charset=utf-8",
        ),
        "Feedback.csv": (
            "name,score\r\nSiân,5\r\nZoë,4\r\n".encode("cp1252"),
            "text/csv; charset=windows-1252",
        ),
    }


@dataclass(frozen=True)
class Hostile:
    name: str
    content: bytes
    #: Fragments the refusal must contain (the cleaned name comes first, in quotes).
    expect: tuple[str, ...]


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)

HOSTILE: dict[str, Hostile] = {
    "wrong extension for content": Hostile(
        "budget.xlsx",
        pdf_bytes(),
        ("“budget.xlsx” was not uploaded", "its content is a PDF, not an Excel spreadsheet"),
    ),
    "double extension hiding a program": Hostile(
        "minutes.pdf.exe", b"MZ\x90\x00" + b"\x00" * 60, ("“minutes.pdf.exe”", "“.exe” files")
    ),
    "program disguised by an inner extension": Hostile(
        "minutes.exe.pdf", pdf_bytes(), ("“minutes.exe.pdf”", "hidden “.exe” part")
    ),
    "HTML renamed to .pdf": Hostile(
        "policy.pdf", HTML, ("“policy.pdf”", "its content is a web page (HTML), not a PDF")
    ),
    "SVG renamed to .pdf": Hostile(
        "logo.pdf", SVG, ("“logo.pdf”", "its content is an SVG image, not a PDF")
    ),
    "SVG renamed to .png": Hostile(
        "logo.png", SVG, ("“logo.png”", "its content is an SVG image, not a PNG image")
    ),
    "zero bytes": Hostile("empty.pdf", b"", ("“empty.pdf”", "the file is empty")),
    "path traversal with the wrong content": Hostile(
        "../../etc/passwd.pdf",
        b"root:x:0:0:root:/root:/bin/bash\n",
        ("“passwd.pdf” was not uploaded", "its content is plain text, not a PDF"),
    ),
    "control characters in the name": Hostile(
        "report\x07\x1b[31m.exe",
        b"MZ" + b"\x00" * 62,
        ("“report[31m.exe”", "“.exe” files"),
    ),
    "right-to-left override hiding .exe": Hostile(
        "report\u202efdp.exe", b"MZ" + b"\x00" * 62, ("“reportfdp.exe”", "“.exe” files")
    ),
    "zip bomb disguised as DOCX": Hostile(
        "handbook.docx",
        zip_bomb_docx_bytes(),
        ("“handbook.docx”", "compressed more than 200 times", "zip bomb"),
    ),
    "old Office format renamed": Hostile(
        "minutes.docx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
        ("“minutes.docx”", "an older or password-protected Microsoft Office file"),
    ),
    "Word document with macros": Hostile(
        "macros.docx",
        zip_bytes(
            {
                "[Content_Types].xml": CONTENT_TYPES_XML,
                "word/document.xml": b"<w:document/>",
                "word/vbaProject.bin": b"\x00" * 64,
            }
        ),
        ("“macros.docx”", "contains macros"),
    ),
    "plain zip renamed to .docx": Hostile(
        "archive.docx",
        zip_bytes({"a.txt": b"hello"}),
        ("“archive.docx”", "its content is a zip archive, not a Word document"),
    ),
    "text file that is a web page": Hostile(
        "notes.txt",
        b"Hello\n<script>alert(1)</script>\n",
        ("“notes.txt”", "web page code"),
    ),
    "text file with binary content": Hostile(
        "data.csv", b"a,b\n\x00\x01\x02\x03", ("“data.csv”", "not plain text")
    ),
    "no extension": Hostile("README", b"hello", ("“README”", "no file extension")),
}


# --- helpers for the evidence tests' fixtures -------------------------------------------------


def files_under(root) -> list:
    """Every regular file below ``root`` (empty folders do not count)."""
    from pathlib import Path

    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def use_private_storage(settings, tmp_path):
    """Private storage in a fresh folder, so a test can see exactly what reached the disk."""
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def responses_of(application) -> list:
    """The application's responses in criterion order."""
    return list(application.responses.select_related("criterion").order_by("criterion__code"))
