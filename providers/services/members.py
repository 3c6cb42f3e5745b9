"""Changing what members may do, and removing them.

An organisation must always keep at least one lead: someone has to be able to invite people and
start applications. The right to sign declarations is separate from the role: a lead or a
contributor may hold it, so a one-person organisation can sign and submit its own application.
Every change here locks the organisation's row first, so two leads demoting or removing each
other at the same moment cannot both succeed and leave nobody in charge.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from qismet_portal.exceptions import DomainError

from ..models import Membership, MembershipRole, Organisation


def _lock(membership: Membership) -> Membership:
    """Lock the organisation, then re-read the membership as it is now."""
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    current = Membership.objects.select_related("user").get(pk=membership.pk)
    if not current.is_current:
        raise DomainError(f"{current.user.full_name} is no longer a member of this organisation.")
    return current


def _ensure_another_lead(membership: Membership, *, action: str) -> None:
    if membership.role != MembershipRole.LEAD:
        return
    others = (
        Membership.objects.leads()
        .filter(organisation_id=membership.organisation_id, user__is_active=True)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise DomainError(
            f"You cannot {action} {membership.user.full_name}: they are the organisation's only "
            "lead, and an organisation always needs one. Make someone else a lead first."
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, changed_by: User) -> Membership:
    """Give a member another role (lead or contributor). Their right to sign is unchanged.

    Refused when it would leave the organisation without a lead.
    """
    if role not in MembershipRole.values:
        raise DomainError("Choose lead or contributor.")
    membership = _lock(membership)
    if membership.role == role:
        return membership
    if role != MembershipRole.LEAD:
        _ensure_another_lead(membership, action="change the role of")
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_set_signing(
    *, membership: Membership, can_sign: bool, changed_by: User
) -> Membership:
    """Grant or take away a member's right to sign declarations and submit applications.

    Only current members with an active account can be given the right (the lock re-reads the
    row, so someone removed a moment ago is refused). Taking the right from the last person who
    holds it is allowed (people leave) but the workspace then warns the lead that nobody can
    submit, with a link to this page.
    """
    membership = _lock(membership)
    if can_sign and not membership.user.is_active:
        raise DomainError(
            f"{membership.user.full_name}'s account is closed, so they cannot sign declarations."
        )
    if membership.can_sign == can_sign:
        return membership
    membership.can_sign = can_sign
    membership.save(update_fields=["can_sign", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, removed_by: User) -> Membership:
    """Remove someone from the organisation and close their account.

    A provider user belongs to one organisation only, so once removed they have nothing to sign in
    to: the account is deactivated rather than deleted, which keeps their name on everything they
    wrote or submitted. The membership row records who removed them and when.
    """
    membership = _lock(membership)
    _ensure_another_lead(membership, action="remove")
    membership.removed_at = timezone.now()
    membership.removed_by = removed_by
    membership.save(update_fields=["removed_at", "removed_by", "updated_at"])
    user = membership.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    return membership
