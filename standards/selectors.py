"""Reads of the standard, with their joins and prefetches done here.

Every page reads a fixed number of queries whatever the number of criteria: themes and criteria are
prefetched in order, and the views never follow a relation that was not loaded here. Drafts are
visible to administrators only; for everyone else they do not exist (404, not 403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .diff import CriterionMerge, FieldChange, versions_compare
from .models import Criterion, Standard, StandardVersion, Theme, VersionEvent, VersionStatus
from .permissions import can_manage_standards


def published_versions() -> QuerySet[StandardVersion]:
    """The current published version of each standard."""
    return (
        StandardVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("standard")
        .order_by("standard__name")
    )


def standards_summary() -> dict[str, int]:
    """Counts for the administrator's home page."""
    counts = StandardVersion.objects.aggregate(
        published=Count("pk", filter=Q(status=VersionStatus.PUBLISHED)),
        drafts=Count("pk", filter=Q(status=VersionStatus.DRAFT)),
    )
    counts["standards"] = Standard.objects.count()
    return counts


def versions_for_user(user) -> QuerySet[StandardVersion]:
    """The versions ``user`` may see: all for administrators, published and retired otherwise."""
    versions = StandardVersion.objects.all()
    if not can_manage_standards(user):
        versions = versions.not_draft()
    return versions


def _ordered_content() -> Prefetch:
    criteria = Criterion.objects.order_by("order", "code")
    return Prefetch(
        "themes",
        queryset=Theme.objects.order_by("number").prefetch_related(
            Prefetch("criteria", queryset=criteria)
        ),
    )


def version_with_content(pk: int, versions: QuerySet[StandardVersion] | None = None):
    """One version with its standard, themes and criteria loaded, in order (three queries)."""
    versions = StandardVersion.objects.all() if versions is None else versions
    return get_object_or_404(
        versions.select_related("standard", "based_on", "published_by").prefetch_related(
            _ordered_content()
        ),
        pk=pk,
    )


def version_for_user(user, pk: int) -> StandardVersion:
    """A version ``user`` may see, with everything its page shows; 404 otherwise.

    ``visible_versions`` counts the versions of its standard the user may see (to offer a
    comparison only when there is something to compare), in the same query.
    """
    siblings = Q() if can_manage_standards(user) else ~Q(standard__versions__status="draft")
    versions = versions_for_user(user).annotate(
        visible_versions=Count("standard__versions", filter=siblings)
    )
    return version_with_content(pk, versions)


def version_events(version: StandardVersion) -> list[VersionEvent]:
    """The version's history, oldest first, with who did each thing."""
    return list(version.events.select_related("by").order_by("at", "pk"))


@dataclass(frozen=True)
class StandardListing:
    standard: Standard
    versions: list[StandardVersion]

    @property
    def can_compare(self) -> bool:
        return len(self.versions) >= 2


def standard_listings_for_user(user) -> list[StandardListing]:
    """Every standard with the versions ``user`` may see, newest first (two queries).

    Standards with no version visible to the user (only drafts, for a non-administrator) are left
    out, so a draft standard's name does not leak either.
    """
    versions = versions_for_user(user).select_related("based_on").order_by("-created_at", "-pk")
    standards = Standard.objects.order_by("name").prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="visible_versions")
    )
    return [
        StandardListing(standard, standard.visible_versions)
        for standard in standards
        if standard.visible_versions
    ]


def standard_for_user(user, pk: int) -> StandardListing:
    """One standard and the versions ``user`` may see, newest first; 404 if they may see none."""
    versions = versions_for_user(user).order_by("-created_at", "-pk")
    standard = get_object_or_404(
        Standard.objects.prefetch_related(
            Prefetch("versions", queryset=versions, to_attr="visible_versions")
        ),
        pk=pk,
    )
    if not standard.visible_versions:
        raise Http404("No such standard.")
    return StandardListing(standard, standard.visible_versions)


@dataclass(frozen=True)
class CriterionPage:
    criterion: Criterion
    previous: Criterion | None
    next: Criterion | None
    position: int
    total: int


def criterion_page_for_user(user, pk: int) -> CriterionPage:
    """A criterion with its theme and version, and its neighbours in the version (two queries)."""
    criterion = get_object_or_404(
        Criterion.objects.select_related("theme__version__standard").filter(
            theme__version__in=versions_for_user(user)
        ),
        pk=pk,
    )
    siblings = list(
        Criterion.objects.filter(theme__version_id=criterion.theme.version_id)
        .order_by("theme__number", "order", "code")
        .only("pk", "code", "title", "theme_id")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == criterion.pk)
    return CriterionPage(
        criterion=criterion,
        previous=siblings[index - 1] if index > 0 else None,
        next=siblings[index + 1] if index + 1 < len(siblings) else None,
        position=index + 1,
        total=len(siblings),
    )


def versions_to_compare(user, standard: Standard, old_pk: int, new_pk: int):
    """Two versions of ``standard`` visible to ``user``, with their content (three queries)."""
    versions = (
        versions_for_user(user)
        .filter(standard=standard, pk__in=[old_pk, new_pk])
        .select_related("standard")
        .prefetch_related(_ordered_content())
    )
    found = {version.pk: version for version in versions}
    if old_pk not in found or new_pk not in found:
        raise Http404("No such version of this standard.")
    return found[old_pk], found[new_pk]


# --- following criteria from version to version ---------------------------------------------


def version_predecessor(version: StandardVersion) -> StandardVersion | None:
    """The version that ``version`` revises (one query; none for a standard's first version).

    The version it was copied from; or else, for a version loaded from a file, the latest version
    of the same standard made before it that is not a draft.
    """
    if version.based_on_id is not None:
        return StandardVersion.objects.filter(pk=version.based_on_id).first()
    return (
        StandardVersion.objects.not_draft()
        .filter(standard_id=version.standard_id)
        .filter(
            Q(created_at__lt=version.created_at)
            | Q(created_at=version.created_at, pk__lt=version.pk)
        )
        .exclude(pk=version.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


def criterion_counterpart(criterion: Criterion, version: StandardVersion) -> Criterion | None:
    """The criterion of ``version`` that is the same criterion as ``criterion`` (one query).

    A renewal follows each answer of the previous cycle to the version it now starts against with
    this, whatever the criterion's code or wording has become: the criterion with the same key;
    failing that, the criterion ``criterion`` was merged into. None when it was removed (or, going
    back in time, is new since ``version``), and for a version of another standard.
    """
    same_standard = Criterion.objects.filter(
        pk=criterion.pk, theme__version__standard_id=OuterRef("theme__version__standard_id")
    )
    candidates = list(
        Criterion.objects.filter(theme__version=version)
        .filter(Exists(same_standard))
        .select_related("theme")
        .order_by("theme__number", "order", "code")
    )
    for candidate in candidates:
        if candidate.key == criterion.key:
            return candidate
    for candidate in candidates:
        if criterion.key in candidate.merged_keys:
            return candidate
    return None


@dataclass(frozen=True)
class CriterionRevision:
    """One criterion of a version beside its counterpart in the version before."""

    criterion: Criterion
    previous: Criterion | None
    changes: list[FieldChange] = field(default_factory=list)
    merged_from: list[Criterion] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.previous is None

    @property
    def is_renumbered(self) -> bool:
        return self.previous is not None and self.previous.code != self.criterion.code

    @property
    def is_changed(self) -> bool:
        return bool(self.changes)

    @property
    def status(self) -> str:
        """new, changed, renumbered or unchanged: the first that applies (a criterion renumbered
        and reworded is "changed", as its answer needs looking at again; ``is_renumbered`` still
        says it moved)."""
        if self.is_new:
            return "new"
        if self.is_changed:
            return "changed"
        if self.is_renumbered:
            return "renumbered"
        return "unchanged"


@dataclass(frozen=True)
class VersionRevisions:
    version: StandardVersion
    previous: StandardVersion | None
    criteria: list[CriterionRevision]
    removed: list[Criterion]
    merged: list[CriterionMerge]

    def with_status(self, status: str) -> list[CriterionRevision]:
        return [item for item in self.criteria if item.status == status]


def version_revisions(version: StandardVersion) -> VersionRevisions:
    """Each criterion of ``version`` as new, changed (with the word diff), renumbered or unchanged
    since the version before it, and the criteria that version had which were removed or merged.

    What a renewal page needs to tell a provider which answers to look at again. Four queries
    whatever the number of criteria. With no version before it, every criterion is new.
    """
    previous = version_predecessor(version)
    pks = [version.pk] + ([previous.pk] if previous is not None else [])
    loaded = {
        v.pk: v
        for v in StandardVersion.objects.filter(pk__in=pks)
        .select_related("standard")
        .prefetch_related(_ordered_content())
    }
    new = loaded[version.pk]
    criteria = [c for theme in new.themes.all() for c in theme.criteria.all()]
    if previous is None:
        return VersionRevisions(new, None, [CriterionRevision(c, None) for c in criteria], [], [])
    comparison = versions_compare(loaded[previous.pk], new)
    before_of = {after.pk: before for before, after in comparison.pairs}
    changes_of = {item.criterion_pk: item.changes for item in comparison.changed}
    changes_of.update({item.criterion_pk: item.changes for item in comparison.moved})
    merged_into: dict[int, list[Criterion]] = {}
    for merge in comparison.merged:
        merged_into.setdefault(merge.into.pk, []).append(merge.criterion)
    return VersionRevisions(
        version=new,
        previous=loaded[previous.pk],
        criteria=[
            CriterionRevision(
                criterion=c,
                previous=before_of.get(c.pk),
                changes=changes_of.get(c.pk, []),
                merged_from=merged_into.get(c.pk, []),
            )
            for c in criteria
        ],
        removed=comparison.removed,
        merged=comparison.merged,
    )
