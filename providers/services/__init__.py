"""Provider use cases: every change to organisations, members, invitations, programmes and
account requests goes through one of these functions (keyword-only, atomic, validated)."""

from .account_requests import (
    account_request_approve,
    account_request_reject,
    account_request_submit,
    account_request_update,
)
from .invitations import invitation_accept, invitation_create, invitation_resend, invitation_revoke
from .members import membership_change_role, membership_remove, membership_set_signing
from .organisations import organisation_create, organisation_update
from .programmes import programme_create, programme_delete, programme_update

__all__ = [
    "account_request_approve",
    "account_request_reject",
    "account_request_submit",
    "account_request_update",
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "membership_change_role",
    "membership_remove",
    "membership_set_signing",
    "organisation_create",
    "organisation_update",
    "programme_create",
    "programme_delete",
    "programme_update",
]
