"""Who may do what with a provider organisation (django-rules).

The object of every organisation rule is the ``Organisation``. Provider pages take the
organisation from the signed-in person's membership, never from the URL, and look up anything
named by ID inside it (see selectors), so another organisation's objects are a 404; these rules
then decide what a person may do in the organisation they can see.
"""

import rules

from accounts.permissions import is_administrator, is_provider_user

from .models import MembershipRole
from .selectors import membership_for_user


@rules.predicate
def is_an_organisation(user, organisation) -> bool:
    """There is an organisation to act on (administrators have none of their own)."""
    return organisation is not None


@rules.predicate
def is_member_of(user, organisation) -> bool:
    """A current member of this organisation, with an active provider account."""
    membership = membership_for_user(user)
    return bool(
        organisation is not None
        and membership is not None
        and is_provider_user(user)
        and membership.organisation_id == organisation.pk
    )


@rules.predicate
def is_lead_of(user, organisation) -> bool:
    """The organisation's lead: manages its details, programmes and members."""
    return is_member_of(user, organisation) and user.membership.role == MembershipRole.LEAD


@rules.predicate
def is_signatory_of(user, organisation) -> bool:
    """A member with the right to sign declarations and submit applications for the
    organisation, whatever their role."""
    return is_member_of(user, organisation) and user.membership.can_sign


# Administrators: the register of organisations and the public account requests.
rules.add_perm("providers.manage_organisations", is_administrator)
rules.add_perm("providers.review_account_requests", is_administrator)

# One organisation: members read, the lead manages; administrators read and correct details.
rules.add_perm(
    "providers.view_organisation", is_an_organisation & (is_administrator | is_member_of)
)
rules.add_perm(
    "providers.change_organisation", is_an_organisation & (is_administrator | is_lead_of)
)
rules.add_perm("providers.view_members", is_member_of)
rules.add_perm("providers.manage_members", is_lead_of)
rules.add_perm("providers.sign_declarations", is_signatory_of)
rules.add_perm("providers.view_programmes", is_an_organisation & (is_administrator | is_member_of))
rules.add_perm("providers.manage_programmes", is_lead_of)
