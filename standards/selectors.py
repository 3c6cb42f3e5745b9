"""Reads of the standard, with their joins and prefetches done here.

Every page reads a fixed number of queries whatever the number of criteria: themes and criteria are
prefetched in order, and the views never follow a relation that was not loaded here. Drafts are
visible to administrators only; for everyone else they do not exist (404, not 403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

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
