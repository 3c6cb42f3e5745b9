"""HTML to PDF with WeasyPrint, for the Celery workers only (never in a web request).

Two rules keep a render safe and small:

* the URL fetcher refuses every network URL and every file outside our static files: a report
  quotes provider-supplied text, and nothing in it may make the worker fetch a URL or read a
  file of the server (``data:`` URIs, which carry their own bytes, are allowed);
* PDFs are archival and accessible: PDF/UA-1 (tagged, with title, language and bookmarks from
  the headings), written from templates under ``templates/pdf/`` with small hand-written print CSS.

The time limit of a render is the Celery task's (``REPORT_RENDER_TIME_LIMIT``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

#: WeasyPrint's options for every PDF we make.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True, "optimize_images": True}


def static_roots() -> list[Path]:
    """Where a PDF may take files from: the collected static files and the source folders."""
    roots = [Path(settings.STATIC_ROOT), *(Path(p) for p in settings.STATICFILES_DIRS)]
    return [root.resolve() for root in roots]


class SafeURLFetcher(URLFetcher):
    """Fetches ``data:`` URIs and files under the static roots; refuses everything else.

    A refusal raises ``ValueError``, which WeasyPrint logs and treats as a missing resource: the
    document is still made, without it.
    """

    def __init__(self) -> None:
        super().__init__(timeout=2, allowed_protocols={"data", "file"}, allow_redirects=False)
        self.roots = static_roots()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                return super().fetch(path.as_uri(), headers)
        logger.warning("PDF render refused to fetch %s", url[:200])
        raise ValueError(f"Refused to fetch {url[:200]}: only our static files may be used.")


def static_base_url() -> str:
    """Relative URLs in PDF templates resolve against the static source folder."""
    return (Path(settings.BASE_DIR) / "static").resolve().as_uri() + "/"


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int
    sha256: str


def pdf_render(html: str, *, progress: Callable[[int], None] | None = None) -> RenderedPdf:
    """Lay out ``html`` and write it as a tagged PDF. ``progress`` is told 80 once the layout
    (the long part) is done, then 95 once the PDF is written."""
    document = HTML(string=html, base_url=static_base_url(), url_fetcher=SafeURLFetcher()).render(
        **PDF_OPTIONS
    )
    if progress:
        progress(80)
    content = document.write_pdf(**PDF_OPTIONS)
    if progress:
        progress(95)
    return RenderedPdf(content, len(document.pages), hashlib.sha256(content).hexdigest())
