"""A version's themes and criteria, read once per process while the version is published.

A published version never changes: the database refuses any change to its themes and criteria
(the triggers of standards/migrations/0003), and a version is never unpublished. So the pages
that show its criteria (every overview and criterion page of an assessment, the results) read
them from here instead of asking the database on every request. A draft version is read from
the database each time, since it is still being edited.

What is kept is the rows' values, keyed by the version's primary key *and* its publication time
(so a database that reuses primary keys, as tests do, never sees another version's rows). Every
call builds fresh model instances from them, so a caller may annotate what it gets without
touching anyone else's. At most ``MAX_VERSIONS`` versions are kept per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .models import Criterion, StandardVersion, Theme

MAX_VERSIONS = 16

_THEME_FIELDS = tuple(field.attname for field in Theme._meta.concrete_fields)
_CRITERION_FIELDS = tuple(field.attname for field in Criterion._meta.concrete_fields)


@dataclass(frozen=True)
class _Rows:
    themes: tuple[tuple, ...]
    criteria: tuple[tuple, ...]  # in the standard's order: theme, order, code
    positions: dict[int, int]  # criterion pk -> index in ``criteria``


def _read(version_id: int) -> _Rows:
    """One query: every criterion of the version with its theme's columns alongside."""
    rows = (
        Criterion.objects.filter(theme__version_id=version_id)
        .order_by("theme__number", "order", "code")
        .values_list(*_CRITERION_FIELDS, *(f"theme__{name}" for name in _THEME_FIELDS))
    )
    split = len(_CRITERION_FIELDS)
    criteria = tuple(row[:split] for row in rows)
    themes = tuple({row[split]: row[split:] for row in rows}.values())
    return _Rows(themes, criteria, {row[0]: index for index, row in enumerate(criteria)})


@lru_cache(maxsize=MAX_VERSIONS)
def _published(version_id: int, published_at: datetime) -> _Rows:
    return _read(version_id)


def _rows(version: StandardVersion) -> _Rows:
    if version.published_at is None:
        return _read(version.pk)
    return _published(version.pk, version.published_at)


def clear() -> None:
    """Forget every version read so far (tests, which reuse primary keys between databases)."""
    _published.cache_clear()


class Outline:
    """The themes and criteria of one version, as fresh model instances (criteria carry their
    theme); build one per request with ``outline(version)``."""

    def __init__(self, version: StandardVersion) -> None:
        self.version = version
        self._rows = _rows(version)
        self._themes = {
            row[0]: Theme.from_db("default", _THEME_FIELDS, row) for row in self._rows.themes
        }
        self._criteria: dict[int, Criterion] = {}

    def _criterion(self, index: int) -> Criterion:
        row = self._rows.criteria[index]
        criterion = self._criteria.get(row[0])
        if criterion is None:
            criterion = Criterion.from_db("default", _CRITERION_FIELDS, row)
            criterion.theme = self._themes[criterion.theme_id]
            self._criteria[row[0]] = criterion
        return criterion

    @property
    def themes(self) -> list[Theme]:
        return list(self._themes.values())

    @property
    def criteria(self) -> list[Criterion]:
        """Every criterion, in the standard's order (theme, then order, then code)."""
        return [self._criterion(index) for index in range(len(self._rows.criteria))]

    @property
    def criterion_ids(self) -> list[int]:
        return [row[0] for row in self._rows.criteria]

    def __len__(self) -> int:
        return len(self._rows.criteria)

    def position(self, criterion_pk: int) -> int | None:
        """The criterion's index in the standard's order, or None if it is not in this version."""
        return self._rows.positions.get(criterion_pk)

    def get(self, criterion_pk: int) -> Criterion | None:
        index = self.position(criterion_pk)
        return None if index is None else self._criterion(index)

    def neighbours(self, criterion_pk: int) -> tuple[Criterion | None, Criterion | None]:
        """The criteria before and after ``criterion_pk`` in the standard's order."""
        index = self.position(criterion_pk)
        if index is None:
            return None, None
        previous = self._criterion(index - 1) if index > 0 else None
        following = self._criterion(index + 1) if index + 1 < len(self) else None
        return previous, following


def outline(version: StandardVersion) -> Outline:
    return Outline(version)
