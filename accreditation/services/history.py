"""The one place that writes an application's history."""

from accounts.models import User
from accreditation.models import Application, ApplicationEvent


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
