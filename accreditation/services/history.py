"""The one place that writes an application's history."""

from collections.abc import Iterable
from datetime import datetime, timedelta

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


def answer_change_record(
    *,
    application: Application,
    criterion,
    actor: User,
    parts: Iterable[str],
    rating_label: str,
    previous_by_id: int | None = None,
    previous_at: datetime | None = None,
) -> ApplicationEvent | None:
    """Record that ``actor`` changed ``parts`` of the answer to ``criterion``.

    Autosave writes every few seconds while someone types, so one person's burst of typing in
    one answer makes one line (a changed self-rating or N/A reason always gets its own): when the answer was last changed (``previous_by_id`` at
    ``previous_at``) by the same person within ``ANSWER_HISTORY_MERGE_MINUTES``, the line that
    opened the burst stands for it and nothing is written (the history is append-only: a line
    is never changed afterwards). A change by someone else, or after a pause, adds a new line.
    Returns the new line, or None. Callers hold the application's row lock.
    """
    window = timedelta(minutes=settings.ANSWER_HISTORY_MERGE_MINUTES)
    parts = set(parts)
    if (
        parts <= {"narrative"}  # typing; a new self-rating or N/A reason always gets a line
        and previous_by_id == actor.pk
        and previous_at is not None
        and previous_at >= timezone.now() - window
    ):
        return None
    return event_record(
        application=application,
        kind=ApplicationEvent.Kind.ANSWER_CHANGED,
        actor=actor,
        criterion=criterion,
        detail=_answer_detail(parts, rating_label),
    )
