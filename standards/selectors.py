"""Reads of the standard, with their joins done here."""

from django.db.models import Count, Q, QuerySet

from .models import Standard, StandardVersion, VersionStatus


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
