"""Account use cases. Every account is created by someone with the right to do so."""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction

from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from .models import Role, User
from .tasks import send_account_invitation, send_signin_unlock_link

logger = logging.getLogger(__name__)

#: What other apps set up for a new account of a role (``register_account_setup``): accounts
#: sits below them and must not import them, so they tell it what to call.
_ACCOUNT_SETUP: dict[str, list[Callable[[User], object]]] = {}


def register_account_setup(role: Role, setup: Callable[[User], object]) -> None:
    """Call ``setup(user)`` inside the transaction that creates every new account of ``role``
    (an assessor needs an assessor profile before anyone can assign them)."""
    hooks = _ACCOUNT_SETUP.setdefault(role, [])
    if setup not in hooks:
        hooks.append(setup)


@transaction.atomic
def user_create_and_invite(
    *, email: str, full_name: str, role: Role, created_by: User | None, job_title: str = ""
) -> User:
    """Create an account with no usable password and email the person a link to choose one.

    The email task is queued in the same transaction (the outbox) and handed to the workers once
    it commits, so a rolled-back creation never sends a link to an account that does not exist.
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(f"There is already an account for {email}.")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, full_name=full_name, role=role, job_title=job_title
            )
    except IntegrityError:  # created by someone else a moment ago
        raise DomainError(f"There is already an account for {email}.") from None
    for setup in _ACCOUNT_SETUP.get(role, ()):
        setup(user)
    invited_by_id = created_by.pk if created_by else None
    enqueue(send_account_invitation, user.pk, invited_by_id)
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, changed_by: User) -> User:
    """Deactivate or reactivate an account. People cannot lock themselves out."""
    if user.pk == changed_by.pk:
        raise DomainError("You cannot deactivate your own account.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, job_title: str, phone: str) -> User:
    user.full_name = full_name
    user.job_title = job_title
    user.phone = phone
    user.save(update_fields=["full_name", "job_title", "phone"])
    return user


def user_send_signin_unlock_link(*, email: str) -> bool:
    """Email the owner of ``email`` a link that lifts the pause on signing in to their account.

    Nothing is sent, and nothing is said, when no active account has that address: the caller
    shows the same words either way. The email goes through the outbox, so a broker outage
    delays it rather than losing it or breaking the page.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return False
    enqueue(send_signin_unlock_link, user.pk)  # kept in the outbox if the broker is down
    return True


@transaction.atomic
def user_resend_invitation(*, user: User, sent_by: User) -> User:
    """Email a fresh link to choose a password to someone who has not yet set one.

    Earlier links stop working: a link is tied to the account's password hash, so giving the
    account a new (still unusable) password invalidates every link sent before. Refused once the
    person has set a password (they can reset it themselves) or when the account is closed.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise DomainError(
            f"{user.full_name}'s account is deactivated. Reactivate it before sending the "
            "invitation again."
        )
    if user.has_usable_password():
        raise DomainError(
            f"{user.full_name} has already set a password. If they have forgotten it, they can "
            "reset it from the sign-in page."
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    enqueue(send_account_invitation, user.pk, sent_by.pk)
    return user


def notify(*, users, message: str, url: str = "") -> int:
    """Put ``message`` in each of ``users``' portal notifications (a link to ``url``, a path).

    Called by the services beside the email they queue, inside their transaction, so a change
    that rolls back leaves no notification. Returns the number of lines written.
    """
    from .models import Notification

    rows = [
        Notification(user=user, message=message[:300], url=url[:300])
        for user in {user.pk: user for user in users if user is not None}.values()
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notification_open(*, user: User, notification_id: int):
    """Mark one of ``user``'s notifications read and return it (someone else's: not found).

    Done by POST from the notifications page, not by visiting the list: seeing a line is not
    acting on it, and a GET must not change anything (link checkers and prefetching follow
    links)."""
    from django.shortcuts import get_object_or_404
    from django.utils import timezone

    from .models import Notification

    notification = get_object_or_404(Notification.objects.filter(user=user), pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many were."""
    from django.utils import timezone

    from .models import Notification

    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
