"""The one place that writes an application's history."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accreditation.models import Application, ApplicationEvent

#: The parts of an answer, as the history names them (in this order).
ANSWER_PARTS = {
    "narrative": "narrative",
    "rating": "self-rating",
    "na_justification": "reason it does not apply",
}
_CHANGED = "Changed: "


def event_record(
    *,
    application: Application,
    kind: ApplicationEvent.Kind,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    criterion=None,
    document=None,
    detail: str = "",
) -> ApplicationEvent:
    """Append one line to the application's timeline. Callers run inside their own transaction."""
    return ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        criterion=criterion,
        document=document,
        detail=detail[:300],
    )


def _answer_detail(parts: set[str], rating_label: str) -> str:
    names = [label for field, label in ANSWER_PARTS.items() if field in parts]
    detail = f"{_CHANGED}{', '.join(names)}."
    if "rating" in parts:
        detail += f" Self-rating now: {rating_label or 'none chosen'}."
    return detail


def _answer_parts(detail: str) -> set[str]:
    """The parts named in a detail written by ``_answer_detail`` (its first sentence)."""
    names = detail.partition(".")[0].removeprefix(_CHANGED).split(", ")
    return {field for field, label in ANSWER_PARTS.items() if label in names}


def answer_change_record(
    *,
    application: Application,
    criterion,
    actor: User,
    parts: Iterable[str],
    rating_label: str,
) -> ApplicationEvent:
    """Record that ``actor`` changed ``parts`` of the answer to ``criterion``.

    Autosave writes every few seconds while someone types, so a change by the same person to
    the same answer within ``ANSWER_HISTORY_MERGE_MINUTES`` of the last line about it updates
    that line (its time, and the parts changed) rather than adding another. A change by someone
    else, or after a pause, starts a new line. Callers hold the application's row lock.
    """
    now = timezone.now()
    window = timedelta(minutes=settings.ANSWER_HISTORY_MERGE_MINUTES)
    parts = set(parts)
    latest = (
        ApplicationEvent.objects.filter(
            application=application, criterion=criterion, kind=ApplicationEvent.Kind.ANSWER_CHANGED
        )
        .order_by("-at", "-pk")
        .only("pk", "actor_id", "at", "detail")
        .first()
    )
    if latest and latest.actor_id == actor.pk and latest.at >= now - window:
        latest.at = now
        latest.detail = _answer_detail(parts | _answer_parts(latest.detail), rating_label)
        latest.save(update_fields=["at", "detail"])
        return latest
    return event_record(
        application=application,
        kind=ApplicationEvent.Kind.ANSWER_CHANGED,
        actor=actor,
        criterion=criterion,
        detail=_answer_detail(parts, rating_label),
    )
