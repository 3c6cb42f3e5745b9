"""A lead invites colleagues to join their organisation; the colleague accepts through a link.

The link carries a random token. Only the token's SHA-256 hash is stored, so the database alone
never yields a working link. The raw token exists in memory while the invitation is created or
resent and in the queued email task (the task has to put it in the email): its outbox row holds it
only until the email has gone, then forgets it.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from ..models import Invitation, InvitationStatus, Membership, MembershipRole, Organisation
from ..selectors import token_hash
from ..tasks import send_invitation

#: How long an invitation link works. Settable with PROVIDER_INVITATION_EXPIRY_DAYS.
DEFAULT_EXPIRY_DAYS = 7

ACCOUNT_EXISTS = (
    "There is already an account for {email}. A person can belong to one organisation only; "
    "if they need to move to yours, ask QISMET."
)


def expiry_days() -> int:
    return int(getattr(settings, "PROVIDER_INVITATION_EXPIRY_DAYS", DEFAULT_EXPIRY_DAYS))


def _normalise(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def _ensure_no_account(email: str) -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(ACCOUNT_EXISTS.format(email=email))


def _new_token(invitation: Invitation) -> str:
    """Give the invitation a fresh token and expiry; return the token for the email only."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=expiry_days())
    return token


def _queue_email(invitation: Invitation, token: str) -> None:
    enqueue(send_invitation, invitation.pk, token)


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    invited_by: User,
    can_sign: bool = False,
) -> Invitation:
    """Invite someone by email to join the organisation with the given role, and with the right
    to sign declarations when ``can_sign`` is set.

    Refused when the address already has an account (a person belongs to one organisation) or
    already has an open invitation here (the lead should send that one again instead, so there is
    only ever one working link per person).
    """
    email = _normalise(email)
    if role not in MembershipRole.values:
        raise DomainError("Choose lead or contributor.")
    _ensure_no_account(email)
    if Invitation.objects.open().filter(organisation=organisation, email__iexact=email).exists():
        raise DomainError(
            f"{email} has already been invited. You can send the invitation again from the list "
            "of invitations."
        )
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        can_sign=bool(can_sign),
        invited_by=invited_by,
    )
    token = _new_token(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise DomainError(f"{email} has already been invited.") from None
    _queue_email(invitation, token)
    return invitation


def _lock_open(invitation: Invitation, *, action: str) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise DomainError(f"You cannot {action} this invitation: it has already been accepted.")
    if invitation.status == InvitationStatus.REVOKED:
        raise DomainError(f"You cannot {action} this invitation: it has been withdrawn.")
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, sent_by: User) -> Invitation:
    """Email the invitation again with a new link and a new expiry date.

    Works for expired invitations too, which is how a lead renews one. The previous link stops
    working, so only the newest email is useful.
    """
    invitation = _lock_open(invitation, action="send again")
    _ensure_no_account(invitation.email)
    token = _new_token(invitation)
    invitation.send_count += 1
    invitation.invited_by = sent_by
    invitation.save(
        update_fields=[
            "token_hash",
            "sent_at",
            "expires_at",
            "send_count",
            "invited_by",
            "updated_at",
        ]
    )
    _queue_email(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by: User) -> Invitation:
    """Withdraw an invitation so its link no longer works (sent to the wrong person, say)."""
    invitation = _lock_open(invitation, action="withdraw")
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = revoked_by
    invitation.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create the invited person's account and membership, in one step.

    The invitation row is locked so a link clicked twice at once still makes one account. The
    password has been checked against the password rules by the form before it arrives here.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    status = invitation.status
    if status != InvitationStatus.PENDING:
        raise DomainError(f"This invitation cannot be used: {status.label.lower()}.")
    full_name = full_name.strip()
    if not full_name:
        raise DomainError("Enter your full name.")
    _ensure_no_account(invitation.email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=invitation.email, password=password, full_name=full_name, role=Role.PROVIDER
            )
    except IntegrityError:
        raise DomainError(ACCOUNT_EXISTS.format(email=invitation.email)) from None
    Membership.objects.create(
        user=user,
        organisation=invitation.organisation,
        role=invitation.role,
        can_sign=invitation.can_sign,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return user
