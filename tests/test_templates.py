"""Checks over every template file of the portal."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
# ``{# ... #}`` must open and close on one line; otherwise Django prints it on the page.
UNCLOSED_COMMENT = re.compile(r"\{#(?![^\n]*#\})")


def _templates():
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*"):
            if path.suffix in {".html", ".txt", ".svg", ".xml"}:
                yield path


def test_the_template_folders_are_found():
    assert any(path.name == "base.html" for path in _templates())


def test_no_comment_spans_lines():
    """A multi-line note in a template needs {% comment %}: a {# #} over several lines is shown
    to the user as text."""
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in _templates()
        for text in [path.read_text()]
        for match in UNCLOSED_COMMENT.finditer(text)
    ]
    assert offenders == []
