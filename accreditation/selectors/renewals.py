"""What a renewal's pages show: which criteria are new or changed since the version before.

A renewal is pinned to the current version; its provider answered the previous one last time.
The standard's own comparison (``standards.selectors.version_revisions``) says, criterion by
criterion, what is new, changed (word by word) or renumbered. Both versions are published and
never change, so the answer is worked out once per process per version and kept (as plain,
frozen values), like the version's outline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from accreditation.models import Application
from standards.diff import FieldChange
from standards.models import StandardVersion
from standards.selectors import version_revisions


@dataclass(frozen=True)
class Revision:
    status: str  # new, changed, renumbered or unchanged
    previous_code: str
    changes: tuple[FieldChange, ...]
    merged_from: tuple[str, ...]


@dataclass(frozen=True)
class Revisions:
    previous_version: str
    by_criterion: dict[int, Revision]

    def count(self, status: str) -> int:
        return sum(1 for revision in self.by_criterion.values() if revision.status == status)

    @property
    def new_count(self) -> int:
        return self.count("new")

    @property
    def changed_count(self) -> int:
        return self.count("changed")


@lru_cache(maxsize=16)
def _revisions(version_id: int, published_at: datetime) -> Revisions:
    revisions = version_revisions(StandardVersion.objects.get(pk=version_id))
    return Revisions(
        previous_version=revisions.previous.number if revisions.previous else "",
        by_criterion={
            item.criterion.pk: Revision(
                status=item.status,
                previous_code=item.previous.code if item.previous else "",
                changes=tuple(item.changes),
                merged_from=tuple(c.code for c in item.merged_from),
            )
            for item in revisions.criteria
        },
    )


def clear() -> None:
    """Forget what was worked out (tests, which reuse primary keys between databases)."""
    _revisions.cache_clear()


def renewal_revisions(application: Application) -> Revisions | None:
    """For a renewal against a published version: its criteria's revisions; else None."""
    version = application.version
    if application.renewal_of_id is None or version.published_at is None:
        return None
    return _revisions(version.pk, version.published_at)
