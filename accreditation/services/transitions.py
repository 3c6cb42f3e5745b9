"""The one mechanism that changes an application's status.

Every status change, whoever asks for it, goes through :func:`application_transition`: it locks
the row, asks django-fsm-2 whether the change is allowed from the status the row has *now* (not
the status a stale copy in a view had), runs the transition, saves and writes the history line in
the same transaction. So a change either happens and is recorded, or neither.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from accounts.models import User
from accreditation.lifecycle import TRANSITIONS, refusal
from accreditation.models import Application, ApplicationEvent
from qismet_portal.exceptions import TransitionNotAllowed

from .history import event_record


@transaction.atomic
def application_transition(
    *,
    application: Application,
    transition: str,
    actor: User | None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    detail: str = "",
    outcome: str | None = None,
) -> Application:
    """Move ``application`` through ``transition`` and record who, when, from, to and why.

    The transitions and their refusals are declared in ``accreditation.lifecycle``. ``outcome``
    chooses the status of a transition with several (a decision). ``changes`` are other fields
    saved with the new status in the same write (the signed declaration travels with
    submission, because the database refuses a submitted application without one). Raises
    ``TransitionNotAllowed`` with a plain message when the change is not allowed from the
    current status; nothing is written then. Returns the saved row (the caller's instance is
    left as it was: its status field is protected).
    """
    if transition not in TRANSITIONS:
        raise TransitionNotAllowed(f"“{transition}” is not a change an application can go through.")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    method = getattr(locked, transition)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            refusal(reference=locked.reference, status=locked.status, transition=transition)
        )
    from_status = locked.status
    if len(TRANSITIONS[transition].targets) > 1:
        method(outcome)
    else:
        method()
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status_changed_at = timezone.now()
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
