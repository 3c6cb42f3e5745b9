"""Who may moderate, see the results, decide and work on conditions (django-rules).

Blind double marking ends only when both assessors have completed: before that the lead may not
open moderation at all. Independence of the decision is checked here for the pages and again in
``services.decisions.decision_make`` (the service is the rule; the page only saves a click).
"""

import rules

from accounts.permissions import is_administrator, is_provider_user
from accreditation.lifecycle import DECIDED, ApplicationStatus

from . import is_member_of_applicant
from .staff import _assignments, is_assigned_assessor, is_lead_assessor, was_assessor

S = ApplicationStatus
#: After moderation began: the assessors may see the (agreed) results.
RESULTS_STATUSES_FOR_ASSESSORS = (S.MODERATION, S.AWAITING_DECISION, *DECIDED, S.APPEAL)
#: After a decision: the provider may see its results.
RESULTS_STATUSES_FOR_PROVIDER = (*DECIDED, S.APPEAL)


def both_assessors_completed(application) -> bool:
    """Both live assessors (lead and second) accepted and completed their scoring."""
    if application is None:
        return False
    live = [a for a in _assignments(application) if a.status == "accepted"]
    roles = {a.role for a in live if a.completed_at is not None}
    return roles >= {"lead", "second"}


@rules.predicate
def in_moderation(user, application) -> bool:
    return application is not None and application.status == S.MODERATION


@rules.predicate
def scoring_unblinded(user, application) -> bool:
    return both_assessors_completed(application)


@rules.predicate
def assessors_may_see_results(user, application) -> bool:
    return application is not None and application.status in RESULTS_STATUSES_FOR_ASSESSORS


@rules.predicate
def provider_may_see_results(user, application) -> bool:
    return application is not None and application.status in RESULTS_STATUSES_FOR_PROVIDER


@rules.predicate
def is_conditional(user, application) -> bool:
    return application is not None and application.status == S.CONDITIONAL


rules.add_perm("accreditation.moderate", is_lead_assessor & in_moderation & scoring_unblinded)
rules.add_perm(
    "accreditation.view_results",
    is_administrator
    # The status first: it costs nothing, and spares a read of the assignments on every page.
    | (assessors_may_see_results & is_assigned_assessor)
    | (provider_may_see_results & is_provider_user & is_member_of_applicant),
)
rules.add_perm("accreditation.decide", is_administrator & ~was_assessor)
rules.add_perm(
    "accreditation.view_conditions",
    is_administrator | (is_provider_user & is_member_of_applicant),
)
rules.add_perm(
    "accreditation.respond_to_condition",
    is_provider_user & is_member_of_applicant & is_conditional,
)
rules.add_perm("accreditation.sign_off_condition", is_administrator & is_conditional)
