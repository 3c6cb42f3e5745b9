"""What a PDF carries besides its pages: JavaScript, actions run when it is opened, launch
actions, embedded files, or a structure that cannot be read.

Providers' real documents often carry some of these (forms made in office suites add
JavaScript; a policy may have its appendices attached), so such files are accepted, but flagged:
each finding is a plain sentence kept in ``EvidenceRevision.content_warnings``, shown beside the
file everywhere it is listed, and a flagged file is never previewed in the browser (download
only). Read with pypdf, a well-kept pure-Python PDF library; nothing in the file is executed.
"""

from __future__ import annotations

import logging
from typing import IO

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

logger = logging.getLogger(__name__)

JAVASCRIPT = "It contains JavaScript, which a PDF reader may run when the file is opened or used."
OPEN_ACTION = "It asks the PDF reader to do something as soon as the file is opened."
ADDITIONAL_ACTIONS = (
    "It has actions that run automatically when pages or form fields are opened, closed or used."
)
LAUNCH = "It contains an action that tries to start another program or open another file."
EMBEDDED_FILES = (
    "It has other files embedded or attached inside it; they have not been checked, so do not "
    "open them unless you trust them."
)
BROKEN = (
    "Its structure is damaged, so it could not be checked; it may not open properly, or it "
    "may hide content."
)

#: Walk at most this many objects: a hostile file must not keep a request busy.
MAX_OBJECTS = 20_000
#: Findings in the order they are reported.
ORDER = (JAVASCRIPT, OPEN_ACTION, ADDITIONAL_ACTIONS, LAUNCH, EMBEDDED_FILES, BROKEN)


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _walk(reader: PdfReader, found: set[str]) -> None:
    """Look at every dictionary reachable from the trailer (each object once) for the keys and
    action types that mean active content."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack and visited < MAX_OBJECTS:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if isinstance(item, DictionaryObject):
            keys = set(item.keys())
            if "/JS" in keys or "/JavaScript" in keys:
                found.add(JAVASCRIPT)
            subtype = _resolve(item.get("/S"))
            if subtype == "/JavaScript":
                found.add(JAVASCRIPT)
            if subtype == "/Launch" or "/Launch" in keys:
                found.add(LAUNCH)
            if "/OpenAction" in keys:
                found.add(OPEN_ACTION)
            if "/AA" in keys:
                found.add(ADDITIONAL_ACTIONS)
            if "/EmbeddedFiles" in keys or "/EmbeddedFile" in keys:
                found.add(EMBEDDED_FILES)
            if _resolve(item.get("/Subtype")) == "/FileAttachment":
                found.add(EMBEDDED_FILES)
            if _resolve(item.get("/Type")) == "/Filespec" and "/EF" in keys:
                found.add(EMBEDDED_FILES)
            for name, value in item.items():
                if name in ("/Parent", "/P"):  # back-pointers: reached from above anyway
                    continue
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def pdf_warnings(stream: IO[bytes]) -> list[str]:
    """Plain sentences about the active content of the PDF in ``stream`` (empty: none found).

    A file pypdf cannot read (truncated, damaged, or built to confuse readers) is reported as
    broken rather than refused: the provider may still need it read, by download.
    """
    found: set[str] = set()
    try:
        stream.seek(0)
        reader = PdfReader(stream, strict=True)
        if reader.is_encrypted:
            # Encrypted objects cannot be read without the password; say we could not check.
            found.add(BROKEN)
        else:
            reader.trailer["/Root"].get_object()
            _walk(reader, found)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
        found.add(BROKEN)
    except RecursionError:
        found.add(BROKEN)
    except Exception:
        logger.warning("PDF inspection failed unexpectedly", exc_info=True)
        found.add(BROKEN)
    finally:
        stream.seek(0)
    return [sentence for sentence in ORDER if sentence in found]
