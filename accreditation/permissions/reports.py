"""Who may ask for, read and share accreditation reports (django-rules).

Administrators ask for reports and share them; the provider's members read the ones shared with
them (the draft for the factual-accuracy check, then the final report), never the others. Assessors
read results on their own pages; reports are QISMET's documents to the provider.
"""

import rules

from accounts.permissions import is_administrator, is_provider_user
from accreditation.selectors.reports import REPORTABLE_STATUSES

from . import is_member_of_applicant


@rules.predicate
def is_reportable(user, application) -> bool:
    return application is not None and application.status in REPORTABLE_STATUSES


@rules.predicate
def is_shared_report(user, report) -> bool:
    return report is not None and report.shared_at is not None


@rules.predicate
def is_member_of_reports_applicant(user, report) -> bool:
    return report is not None and is_member_of_applicant(user, report.application)


rules.add_perm("accreditation.view_reports", is_administrator | is_member_of_applicant)
rules.add_perm("accreditation.request_report", is_administrator & is_reportable)
rules.add_perm(
    "accreditation.read_report",
    is_administrator | (is_member_of_reports_applicant & is_shared_report),
)
rules.add_perm("accreditation.share_report", is_administrator)
rules.add_perm(
    "accreditation.comment_on_report",
    is_member_of_reports_applicant & is_shared_report & is_provider_user,
)
