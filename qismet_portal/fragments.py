"""Fingerprints of what a kept piece of a page shows.

The overview tables (forty criteria and more) cost more to draw than everything else on their
pages. They are kept with ``{% cache %}`` under a fingerprint of every value they show, computed
by the selector that gathered those values, so a kept table is reused only while it is exact:
the same values always draw the same HTML, nothing needs invalidating, and a table is never
shown to anyone from values that are not the ones their own request read. Tables that show
scores also take who is looking into their key (blind marking).

A template inside such a ``{% cache %}`` block may only show what its fingerprint covers: a new
column needs its value added to the selector's fingerprint.
"""

from __future__ import annotations

import hashlib


def fingerprint(*parts: object) -> str:
    """A digest of ``parts`` (strings, numbers, booleans, ``None`` and tuples or lists of them,
    whose ``repr`` is exact)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()
