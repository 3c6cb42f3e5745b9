"""Who may do what with an application (django-rules).

Objects outside a person's reach are filtered out by ``selectors.applications_for_user`` first
(so guessing an ID gives 404, never 403); these rules then decide what they may do with the ones
they can see.
"""

import rules

from accounts.permissions import is_administrator, is_provider_user
from providers.models import MembershipRole
from providers.selectors import membership_for_user

from .appeals import is_appeal_reviewer
from .staff import is_assigned_assessor


def _membership_role(user) -> str | None:
    membership = membership_for_user(user)
    return membership.role if membership else None


def _can_sign(user) -> bool:
    membership = membership_for_user(user)
    return bool(membership and membership.can_sign)


@rules.predicate
def is_provider_lead(user) -> bool:
    return is_provider_user(user) and _membership_role(user) == MembershipRole.LEAD


@rules.predicate
def is_provider_signatory(user) -> bool:
    """Holds the right to sign declarations, as a lead or as a contributor."""
    return is_provider_user(user) and _can_sign(user)


@rules.predicate
def is_member_of_applicant(user, application) -> bool:
    membership = membership_for_user(user)
    return bool(
        application is not None
        and membership is not None
        and membership.organisation_id == application.programme.organisation_id
    )


@rules.predicate
def is_editable(user, application) -> bool:
    return application is not None and application.is_editable


rules.add_perm("accreditation.list_applications", is_administrator | is_provider_user)
rules.add_perm("accreditation.start_application", is_provider_lead)
rules.add_perm(
    "accreditation.view_application",
    is_member_of_applicant | is_administrator | is_assigned_assessor | is_appeal_reviewer,
)
rules.add_perm(
    "accreditation.edit_application", is_provider_user & is_member_of_applicant & is_editable
)
rules.add_perm(
    "accreditation.submit_application",
    is_provider_signatory & is_member_of_applicant & is_editable,
)
rules.add_perm("accreditation.withdraw_application", is_provider_lead & is_member_of_applicant)
rules.add_perm(
    "accreditation.lodge_appeal",
    is_member_of_applicant & (is_provider_lead | is_provider_signatory),
)
rules.add_perm(
    "accreditation.download_evidence",
    is_member_of_applicant | is_administrator | is_assigned_assessor,
)
