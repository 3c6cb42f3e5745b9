"""Evidence files: how they arrive (streamed, hashed, capped) and which ones are accepted.

Two halves:

* ``EvidenceUploadHandler`` is installed per view (``request.upload_handlers``) before the body is
  read. It writes each file to a temporary file chunk by chunk, computes SHA-256 and the size
  while writing, keeps only the first few KB in memory (for the content check) and drops a file
  as soon as it passes the per-file limit, so memory never grows with the size of an upload.
  The temporary file lives on the same file system as the private storage, so saving it later is
  a rename, not a second copy.
* ``inspect_upload`` decides whether one file is acceptable and returns its safe display name,
  the content type *we* determined and its hash; otherwise it raises ``FileRefused`` with one
  plain-English sentence naming the file and the rule. Nothing here writes to the database or to
  storage: the services do that after every file of a batch has passed.

The rules follow OWASP's file upload guidance: an allow-list of extensions checked on a
normalised name, the content identified from its bytes (never the browser's Content-Type) and
required to match the extension, Office and OpenDocument archives judged from their central
directory without expanding anything, text required to be text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

import puremagic
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat

from qismet_portal.exceptions import DomainError

#: Bytes of each file kept in memory while it streams in: enough to identify any accepted type.
HEAD_BYTES = 8192
#: Longest display name kept (the extension is always kept whole).
MAX_NAME_LENGTH = 150
#: Zip members smaller than this are never counted as bombs, however well they compress
#: (a page of blank table cells compresses a thousandfold and harms nobody).
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024
#: Bytes per central directory entry allowed before the directory is even parsed (46 fixed bytes
#: plus a generous name and extra field), so a directory of a million entries is never loaded.
ZIP_DIRECTORY_BYTES_PER_ENTRY = 1024


# --- what is accepted -----------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedType:
    kind: str  # the content kind that must be found in the bytes
    label: str  # what the extension promises, for messages ("an Excel spreadsheet")
    content_type: str  # what we serve it as (text types get their charset added)


ACCEPTED: dict[str, AcceptedType] = {
    "pdf": AcceptedType("pdf", "a PDF", "application/pdf"),
    "docx": AcceptedType(
        "docx",
        "a Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": AcceptedType(
        "xlsx",
        "an Excel spreadsheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": AcceptedType(
        "pptx",
        "a PowerPoint presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "odt": AcceptedType(
        "odt", "an OpenDocument text document", "application/vnd.oasis.opendocument.text"
    ),
    "ods": AcceptedType(
        "ods", "an OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet"
    ),
    "png": AcceptedType("png", "a PNG image", "image/png"),
    "jpg": AcceptedType("jpeg", "a JPEG image", "image/jpeg"),
    "jpeg": AcceptedType("jpeg", "a JPEG image", "image/jpeg"),
    "txt": AcceptedType("text", "a plain text file", "text/plain"),
    "csv": AcceptedType("text", "a CSV file", "text/csv"),
}

#: For the file input's ``accept`` attribute and for messages.
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ACCEPTED)
ACCEPTED_SUMMARY = (
    "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument text or spreadsheet "
    "(ODT, ODS), PNG, JPEG, plain text (TXT) or CSV"
)

#: What a file's bytes turned out to be, in words, with the advice that goes with it.
CONTENT_LABELS: dict[str, str] = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "xlsx": "an Excel spreadsheet",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument text document",
    "ods": "an OpenDocument spreadsheet",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "text": "plain text",
    "html": "a web page (HTML)",
    "svg": "an SVG image",
    "exe": "a Windows program",
    "elf": "a Linux program",
    "macho": "a macOS program",
    "script": "a script",
    "ole": "an older or password-protected Microsoft Office file",
    "zip": "a zip archive",
    "office": "an Office file of another kind",
    "odf": "an OpenDocument file of another kind",
    "gif": "a GIF image",
}
ADVICE: dict[str, str] = {
    "html": "Web pages cannot be accepted as evidence: save the page as a PDF and upload that.",
    "svg": "SVG images cannot be accepted: export it as a PNG or PDF and upload that.",
    "exe": "Programs cannot be accepted as evidence.",
    "elf": "Programs cannot be accepted as evidence.",
    "macho": "Programs cannot be accepted as evidence.",
    "script": "Scripts cannot be accepted as evidence.",
    "ole": "Open it, save it as .docx, .xlsx or .pptx without a password, and try again.",
    "zip": "Upload the files inside it one by one instead.",
}
ADVICE_DEFAULT = f"Save it as one of the accepted types ({ACCEPTED_SUMMARY}) and try again."

#: Extension segments that mark a program, script or active content anywhere in a name: a
#: final one is simply not on the allow-list; an inner one ("minutes.exe.pdf") is a disguise.
DANGEROUS_SEGMENTS = frozenset(
    """
    exe com bat cmd scr pif msi msp msc cpl dll drv ocx hta lnk reg scf js jse mjs vbs vbe wsf
    wsh ps1 psm1 psd1 jar apk dmg iso vhd vhdx sh bash zsh csh ksh py pyc pyw rb php phtml asp
    aspx jsp cgi html htm xhtml shtml svg svgz xsl swf docm dotm xlsm xltm xlam pptm potm ppsm
    sldm
    """.split()  # noqa: SIM905
)


class FileRefused(DomainError):
    """One file broke one rule. The message names the file and the rule, in plain words."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"“{name}” was not uploaded: {reason}")


@dataclass(frozen=True)
class InspectedFile:
    """An upload that passed every rule, with the facts we determined ourselves."""

    upload: UploadedFile
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    #: Plain sentences about active content found inside (see ``pdf_inspection``); the file is
    #: accepted, but flagged wherever it is listed and offered for download only.
    warnings: tuple[str, ...] = ()


# --- names ----------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def clean_file_name(raw: str) -> str:
    """The name to show and to offer on download: never used for storage.

    Unicode NFC; path parts removed; control, format (bidi overrides such as U+202E, zero-width
    characters) and unassigned characters removed; runs of whitespace collapsed; leading and
    trailing dots and spaces trimmed (Windows drops trailing ones, which could reveal another
    extension); shortened to MAX_NAME_LENGTH keeping the extension.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(ch) in {"Zs", "Zl", "Zp"} or ch in "\t\n\r\v\f" else ch
        for ch in name
        if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"} or ch in "\t\n\r\v\f"
    )
    name = _WHITESPACE.sub(" ", name).strip(" ").rstrip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .") or "file"
    if extension and len(extension) <= 10:
        room = MAX_NAME_LENGTH - len(extension) - 1
        return f"{stem[:room].rstrip(' .')}.{extension}"
    return name[:MAX_NAME_LENGTH].rstrip(" .") or "file"


def _extension_problem(name: str) -> str | None:
    """Why a cleaned name is refused, or None. Final extension on the allow-list; no inner
    segment that names a program or active content."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return (
            "it has no file extension, so its type cannot be checked. Add the right extension "
            "(for example .pdf) and try again."
        )
    extension = extension.lower()
    if extension not in ACCEPTED:
        what = "Programs and scripts" if extension in DANGEROUS_SEGMENTS else "Files of this type"
        return (
            f"“.{extension}” files are not accepted. {what} cannot be used as evidence; "
            f"accepted types are {ACCEPTED_SUMMARY}."
        )
    hidden = [seg for seg in stem.lower().split(".")[1:] if seg.strip() in DANGEROUS_SEGMENTS]
    if hidden:
        return (
            f"its name contains a hidden “.{hidden[-1].strip()}” part, a way harmful programs "
            f"disguise themselves. Rename it without “.{hidden[-1].strip()}” and try again."
        )
    return None


def attachment_header(name: str) -> str:
    """Content-Disposition for a download: an ASCII fallback plus the exact name (RFC 6266 with
    the RFC 5987 ``filename*`` form), so every browser saves it under a safe, readable name."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9 !#$&+,.=@^_`{}~()\[\]-]", "_", fallback).strip() or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- content --------------------------------------------------------------------------------


def _read_head(upload: UploadedFile) -> bytes:
    head = getattr(upload, "head", None)
    if head is not None:
        return head
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


_MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg)\b")


def _identify(head: bytes) -> str:
    """The kind of content from its first bytes. "zip" is refined by ``_inspect_zip``."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"MZ"):
        return "exe"
    if head.startswith(b"\x7fELF"):
        return "elf"
    if head[:4] in {b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"}:
        return "macho"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"#!"):
        return "script"
    if start.startswith(b"<"):
        if b"<svg" in start:
            return "svg"
        if _MARKUP.search(start):
            return "html"
    if b"\x00" not in head:
        return "text"
    return "unknown"


def _describe_unknown(head: bytes) -> str:
    """Words for content we do not accept and do not know ourselves, from puremagic's table."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    if matches and matches[0].confidence >= 0.5 and matches[0].name:
        return f"a file of another kind ({matches[0].name})"
    return "a file of a kind that is not accepted"


def _zip_directory_size(upload: UploadedFile) -> int | None:
    """Size of the central directory from the end-of-central-directory record, or None."""
    upload.seek(0, os.SEEK_END)
    end = upload.tell()
    tail_length = min(end, 22 + 65535)
    upload.seek(end - tail_length)
    tail = upload.read(tail_length)
    upload.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack("<I", tail[at + 12 : at + 16])[0]


def _inspect_zip(upload: UploadedFile, display: str) -> str:
    """Which Office/OpenDocument kind a zip is, judged from its central directory only.

    Nothing is decompressed except the tiny ODF ``mimetype`` member. Refuses archives that are
    malformed, too many entries, too large when expanded, compressed beyond a ratio no document
    reaches (a zip bomb), encrypted, with unsafe member paths, or carrying macros. The sizes are
    the ones the archive declares; since we never expand it, the declaration is what anyone
    opening it later would be promised, and the ratio cap bounds what deflate can deliver.
    """
    max_entries = settings.EVIDENCE_ZIP_MAX_ENTRIES
    directory_size = _zip_directory_size(upload)
    if directory_size is None:
        raise FileRefused(display, "it is damaged (its archive structure could not be read).")
    if directory_size > max_entries * ZIP_DIRECTORY_BYTES_PER_ENTRY:
        raise FileRefused(
            display,
            f"it is an archive with more than {max_entries:,} parts, far more than any document "
            "has. It may be designed to overload computers, so it cannot be accepted.",
        )
    try:
        upload.seek(0)
        archive = zipfile.ZipFile(upload)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(
            display, "it is damaged (its archive structure could not be read)."
        ) from None
    if len(infos) > max_entries:
        raise FileRefused(
            display,
            f"it is an archive with {len(infos):,} parts, more than the {max_entries:,} "
            "allowed. It may be designed to overload computers, so it cannot be accepted.",
        )
    total = sum(info.file_size for info in infos)
    if total > settings.EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES:
        raise FileRefused(
            display,
            f"it is a compressed archive that would expand to {filesizeformat(total)}, more than "
            f"the {filesizeformat(settings.EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES)} allowed "
            "(a “zip bomb”), so it cannot be accepted.",
        )
    ratio = settings.EVIDENCE_ZIP_MAX_RATIO
    for info in infos:
        if info.file_size > ZIP_RATIO_FLOOR_BYTES and info.file_size > ratio * max(
            info.compress_size, 1
        ):
            raise FileRefused(
                display,
                f"part of it is compressed more than {ratio} times ({filesizeformat(info.compress_size)} "
                f"expanding to {filesizeformat(info.file_size)}), which is how “zip bombs” overload "
                "computers, so it cannot be accepted.",
            )
        if info.flag_bits & 0x1:
            raise FileRefused(
                display,
                "it is encrypted. Save it again without a password and try again.",
            )
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise FileRefused(
                display,
                "it contains parts with unsafe locations, so it cannot be accepted.",
            )
    names = {info.filename for info in infos}
    if any(name.lower().endswith("vbaproject.bin") or name.startswith("Basic/") for name in names):
        raise FileRefused(
            display,
            "it contains macros, which cannot be accepted. Save a copy without macros (as .docx, "
            ".xlsx, .pptx, .odt or .ods) and try again.",
        )
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size <= 100 and info.compress_size <= 100:
            mimetype = archive.read("mimetype").strip()
            if "content.xml" in names:
                if mimetype == b"application/vnd.oasis.opendocument.text":
                    return "odt"
                if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
            if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                return "odf"
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "ppt/presentation.xml" in names:
            return "pptx"
        return "office"
    return "zip"


_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
# Any HTML or XML tag (complete, with its closing ">"), a comment, or a javascript: link: none of
# them belongs in a plain text or CSV file, and all would be live if a browser ever rendered it.
_TEXT_MARKUP = re.compile(
    r"<\s*(?:!--|!doctype\b|[/?]?\s*[a-z][a-z0-9:-]*(?:\s[^<>]{0,400})?/?\s*>)"
    r"|javascript\s*:"
)
# A CSV cell that a spreadsheet would run as a formula (OWASP "CSV injection"). Signed numbers
# such as -5 or +44 are data, not formulas.
_CSV_FORMULA = re.compile(r"^\s*(?:[=@\t\r]|[+-](?!\s*[0-9.,]*\s*$))")


def _inspect_csv_cells(upload: UploadedFile, display: str, encoding: str) -> None:
    """Refuse cells that a spreadsheet would run as formulas when an assessor opens the file."""
    import csv

    upload.seek(0)
    lines = codecs.iterdecode(upload, "utf-8-sig" if encoding == "utf-8" else "cp1252")
    try:
        for row_number, row in enumerate(csv.reader(lines), start=1):
            for cell in row:
                if cell and _CSV_FORMULA.match(cell):
                    raise FileRefused(
                        display,
                        f"row {row_number} has a cell that starts like a spreadsheet formula "
                        f"(“{cell[:30]}”). Formulas in CSV files can run when the file is opened, "
                        "so they cannot be accepted. Save the values only, or upload the "
                        "spreadsheet as an Excel or OpenDocument file.",
                    )
    except csv.Error:
        raise FileRefused(
            display, "it is not a readable CSV file. Check it opens in a spreadsheet and try again."
        ) from None
    finally:
        upload.seek(0)


def _inspect_text(upload: UploadedFile, display: str, expected_label: str) -> str:
    """Returns the encoding. Text must be text: UTF-8 (with or without BOM) or Windows-1252,
    no NUL or other binary control bytes, and no markup or script that a browser would run."""
    decoders = {
        "utf-8": codecs.getincrementaldecoder("utf-8-sig")(),
        "windows-1252": codecs.getincrementaldecoder("cp1252")(),
    }
    tail = ""
    upload.seek(0)
    while chunk := upload.read(1024 * 1024):
        if _TEXT_CONTROL.search(chunk):
            raise FileRefused(
                display,
                "its content is not plain text (it contains binary data), so it is not "
                f"{expected_label}. {ADVICE_DEFAULT}",
            )
        decoded = None
        for encoding in list(decoders):
            try:
                text = decoders[encoding].decode(chunk)
            except UnicodeDecodeError:
                del decoders[encoding]
                continue
            decoded = text if decoded is None else decoded
        if decoded is None:
            break
        window = tail + decoded.lower()
        if _TEXT_MARKUP.search(window):
            raise FileRefused(
                display,
                "it contains web page code (HTML, SVG or script), which cannot be accepted in "
                f"{expected_label}. Remove it, or save the file as a PDF, and try again.",
            )
        tail = window[-64:]
    upload.seek(0)
    for encoding, decoder in decoders.items():
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(
        display,
        "its text is in an encoding that cannot be read. Save it as UTF-8 text and try again.",
    )


def _hash_and_size(upload: UploadedFile) -> tuple[str, int]:
    sha256 = getattr(upload, "sha256", None)
    if sha256 is not None:
        return sha256, upload.size
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def too_large_reason(size: int | None = None) -> str:
    """Why a file is too large; ``size`` is None when it was cut off while streaming in."""
    limit = filesizeformat(settings.EVIDENCE_MAX_FILE_BYTES)
    if size:
        start = f"it is {filesizeformat(size)}, and the largest file accepted is {limit}."
    else:
        start = f"it is larger than {limit}, the largest file accepted."
    return (
        f"{start} Make it smaller (for example, save a PDF at a lower image quality, or split "
        "it into parts) and try again."
    )


def inspect_upload(upload: UploadedFile) -> InspectedFile:
    """Accept one file or raise ``FileRefused``. Checks run from cheapest to dearest, and the
    first broken rule is reported: name, emptiness, size, then content against the extension."""
    display = clean_file_name(upload.name or "")
    if problem := _extension_problem(display):
        raise FileRefused(display, problem)
    extension = display.rpartition(".")[2].lower()
    accepted = ACCEPTED[extension]
    if not upload.size:
        raise FileRefused(
            display, "the file is empty (0 bytes). Check you chose the right file and try again."
        )
    if upload.size > settings.EVIDENCE_MAX_FILE_BYTES:
        raise FileRefused(display, too_large_reason(upload.size))

    head = _read_head(upload)
    found = _identify(head)
    if found == "zip":
        found = _inspect_zip(upload, display)
    content_type = accepted.content_type
    if found == accepted.kind == "text":
        encoding = _inspect_text(upload, display, accepted.label)
        if accepted.kind == "text" and display.lower().endswith(".csv"):
            _inspect_csv_cells(upload, display, encoding)
        content_type = f"{content_type}; charset={encoding}"
    elif accepted.kind == "text" and found == "unknown":
        raise FileRefused(
            display,
            f"its content is not plain text (it contains binary data), so it is not "
            f"{accepted.label}. {ADVICE_DEFAULT}",
        )
    elif found != accepted.kind:
        if found in {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "png", "jpeg"}:
            advice = "Save it with the right extension and try again."
        else:
            advice = ADVICE.get(found, ADVICE_DEFAULT)
        if found == "text":
            what = "plain text"
        elif found == "unknown":
            what = _describe_unknown(head)
        else:
            what = CONTENT_LABELS[found]
        raise FileRefused(display, f"its content is {what}, not {accepted.label}. {advice}")
    sha256, size = _hash_and_size(upload)
    return InspectedFile(
        upload=upload,
        name=display,
        extension=extension,
        content_type=content_type,
        size=size,
        sha256=sha256,
        warnings=tuple(content_warnings(upload, accepted.kind)),
    )


def content_warnings(stream, kind: str) -> list[str]:
    """What people should know about a file's content before opening it (for a PDF: active
    content or a broken structure). Used at upload and by ``manage.py evidence_inspect``."""
    if kind == "pdf":
        from accreditation.pdf_inspection import pdf_warnings

        return pdf_warnings(stream)
    return []


# --- streaming the request body ---------------------------------------------------------------


def upload_temp_dir() -> str | None:
    """Where files stream to: beside the private storage, so that saving is a rename."""
    configured = settings.EVIDENCE_UPLOAD_TEMP_DIR
    if configured is None:
        location = getattr(default_storage, "location", None)
        if location is None:
            return settings.FILE_UPLOAD_TEMP_DIR
        configured = os.path.join(location, ".incoming")
    os.makedirs(configured, exist_ok=True)
    return configured


def stale_upload_files_remove(*, older_than_seconds: int) -> int:
    """Delete partial uploads left behind when a worker died mid-request. Returns how many.

    A finished upload is renamed into storage and an abandoned one is deleted when its request
    ends, so anything here that has not been written to for hours belongs to no request.
    """
    import time

    folder = upload_temp_dir()
    if folder is None:
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if (
                entry.name.endswith(".upload")
                and entry.is_file()
                and entry.stat().st_mtime < cutoff
            ):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue
                removed += 1
    return removed


class EvidenceTemporaryFile(TemporaryUploadedFile):
    """A temporary file under a neutral name (the uploader's extension never reaches the disk),
    carrying the hash, size and first bytes measured while it was written."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=upload_temp_dir())  # noqa: SIM115
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)
        self.sha256: str | None = None
        self.head: bytes = b""


class EvidenceUploadHandler(TemporaryFileUploadHandler):
    """Streams each file to disk, hashing and counting every chunk as it is written.

    Memory stays at one chunk plus HEAD_BYTES per request whatever the file size. A file that
    passes the per-file limit is dropped at once (``SkipFile``: its temporary file is deleted and
    the rest of it is read past, not stored) and noted in ``refusals`` so that the page can say
    so; files beyond ``EVIDENCE_MAX_FILES_PER_UPLOAD`` likewise. The other files are still
    received so that every problem of the batch can be reported together.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.chunk_size = settings.EVIDENCE_UPLOAD_CHUNK_BYTES
        self.max_file_bytes = settings.EVIDENCE_MAX_FILE_BYTES
        self.max_files = settings.EVIDENCE_MAX_FILES_PER_UPLOAD
        self.refusals: list[FileRefused] = []
        self.files_seen = 0
        self._digest = hashlib.sha256()
        self._head = bytearray()

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        # Forget the previous file first: on SkipFile Django closes ``self.file``, which must
        # never be a file that was already handed over.
        self.__dict__.pop("file", None)
        self.field_name = field_name
        self.file_name = file_name
        self.content_type = content_type
        self.content_length = content_length
        self.charset = charset
        self.content_type_extra = content_type_extra
        self.files_seen += 1
        if self.files_seen == self.max_files + 1:
            self.refusals.append(
                FileRefused(
                    clean_file_name(file_name),
                    f"at most {self.max_files} files can be uploaded at once. Upload the rest "
                    "separately.",
                )
            )
        if self.files_seen > self.max_files:
            raise SkipFile
        if content_length is not None and content_length > self.max_file_bytes:
            self.refusals.append(
                FileRefused(clean_file_name(file_name), too_large_reason(content_length))
            )
            raise SkipFile
        self._digest = hashlib.sha256()
        self._head = bytearray()
        self.file = EvidenceTemporaryFile(file_name, content_type, 0, charset, content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_file_bytes:
            self.refusals.append(FileRefused(clean_file_name(self.file_name), too_large_reason()))
            raise SkipFile
        self._digest.update(raw_data)
        if start < HEAD_BYTES:
            self._head += raw_data[: HEAD_BYTES - start]
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self._digest.hexdigest()
        self.file.head = bytes(self._head)
        return self.file
