"""The one mechanism that changes an application's status.

Every status change, whoever asks for it, goes through :func:`application_transition`: it locks
the row, asks django-fsm-2 whether the change is allowed from the status the row has *now* (not
the status a stale copy in a view had), runs the transition, saves and writes the history line in
the same transaction. So a change either happens and is recorded, or neither.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django_fsm import can_proceed

from accounts.models import User
from accreditation.models import Application, ApplicationEvent, ApplicationStatus
from qismet_portal.exceptions import TransitionNotAllowed

from .history import event_record

#: The transitions declared on Application, with the words used when one is refused.
TRANSITIONS: dict[str, str] = {
    "submit": "submitted",
    "withdraw": "withdrawn",
}


def _refusal(application: Application, transition: str) -> str:
    status = ApplicationStatus(application.status)
    if transition == "submit" and status == ApplicationStatus.SUBMITTED:
        return f"Application {application.reference} has already been submitted."
    if status == ApplicationStatus.WITHDRAWN:
        return (
            f"Application {application.reference} was withdrawn, so it cannot be "
            f"{TRANSITIONS[transition]}."
        )
    return (
        f"Application {application.reference} is {status.label.lower()}, so it cannot be "
        f"{TRANSITIONS[transition]} now."
    )


@transaction.atomic
def application_transition(
    *,
    application: Application,
    transition: str,
    actor: User | None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    detail: str = "",
) -> Application:
    """Move ``application`` through ``transition`` and record who, when, from, to and why.

    ``changes`` are other fields saved with the new status in the same write (the signed
    declaration travels with submission, because the database refuses a submitted application
    without one). Raises ``TransitionNotAllowed`` with a plain message when the change is not
    allowed from the current status; nothing is written then. Returns the saved row (the caller's
    instance is left as it was: its status field is protected).
    """
    if transition not in TRANSITIONS:
        raise TransitionNotAllowed(f"“{transition}” is not a change an application can go through.")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    method = getattr(locked, transition)
    if not can_proceed(method):
        raise TransitionNotAllowed(_refusal(locked, transition))
    from_status = locked.status
    method()
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.save()
    event_record(
        application=locked,
        kind=ApplicationEvent.Kind.STATUS,
        actor=actor,
        from_status=from_status,
        to_status=locked.status,
        reason=reason,
        detail=detail,
    )
    return locked
