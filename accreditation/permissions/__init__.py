"""Who may do what with an application (django-rules).

Objects outside a person's reach are filtered out by ``selectors.applications_for_user`` first
(so guessing an ID gives 404, never 403); these rules then decide what they may do with the ones
they can see.
"""

import rules

from accounts.permissions import is_administrator, is_provider_user
from providers.models import MembershipRole
from providers.selectors import membership_for_user

from . import screening  # noqa: F401  (registers the screening and assignment rules)
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


@rules.predicate
def is_awaiting_response(user, application) -> bool:
    """More information was requested: the provider answers and submits again."""
    from accreditation.lifecycle import ApplicationStatus

    return application is not None and application.status == (
        ApplicationStatus.INFORMATION_REQUESTED
    )


# Rules about one criterion's answer (``Response``) or one file (``EvidenceDocument``): while
# more information is requested only the criteria named in the request re-open, so "may they
# change it?" is asked of the criterion, through ``selectors.information.criterion_is_open``.


@rules.predicate
def is_member_of_response_applicant(user, response) -> bool:
    return response is not None and is_member_of_applicant(user, response.application)


@rules.predicate
def is_response_open(user, response) -> bool:
    from accreditation.selectors.information import criterion_is_open

    return response is not None and criterion_is_open(response.application, response.criterion_id)


@rules.predicate
def is_member_of_document_applicant(user, document) -> bool:
    return document is not None and is_member_of_applicant(user, document.application)


@rules.predicate
def is_document_open(user, document) -> bool:
    """Every file of an editable application; while more information is requested, a file
    used by at least one re-opened criterion (it is replaced for those criteria only)."""
    from accreditation.selectors.information import reopened_criterion_ids

    if document is None:
        return False
    application = document.application
    if application.is_editable:
        return True
    reopened = reopened_criterion_ids(application)
    return bool(reopened) and any(
        link.response.criterion_id in reopened for link in document.links.all()
    )


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
    is_provider_signatory & is_member_of_applicant & (is_editable | is_awaiting_response),
)
rules.add_perm(
    "accreditation.change_response",
    is_provider_user & is_member_of_response_applicant & is_response_open,
)
rules.add_perm(
    "accreditation.replace_evidence",
    is_provider_user & is_member_of_document_applicant & is_document_open,
)
rules.add_perm("accreditation.request_information", is_assigned_assessor)
# An assessor who asked by mistake, or an administrator running the assessment, may take an open
# request back (the service checks that one is open).
rules.add_perm("accreditation.cancel_information_request", is_assigned_assessor | is_administrator)
rules.add_perm("accreditation.withdraw_application", is_provider_lead & is_member_of_applicant)
rules.add_perm(
    "accreditation.lodge_appeal",
    is_member_of_applicant & (is_provider_lead | is_provider_signatory),
)
rules.add_perm(
    "accreditation.download_evidence",
    is_member_of_applicant | is_administrator | is_assigned_assessor,
)
rules.add_perm("accreditation.score_application", is_assigned_assessor)
# The evidence library is the provider's working folder: it holds files not yet submitted.
# Assessors read what was submitted (the submission record, on the scoring pages), never it.
rules.add_perm(
    "accreditation.view_evidence_library",
    is_member_of_applicant | is_administrator | is_appeal_reviewer,
)

from . import certificates as _certificates  # noqa: E402, F401  (registers the certificate rules)
from . import decisions as _decisions  # noqa: E402, F401  (registers the moderation and decision rules)
from . import reports as _reports  # noqa: E402, F401  (registers the report rules)
