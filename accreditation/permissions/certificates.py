"""Who may issue, read and change certificates (django-rules).

Administrators issue a certificate once the application is accredited, and suspend, reinstate
or withdraw it. The provider's members see their certificate's page and download its PDF.
Everybody, signed in or not, may read a certificate's public facts on the register and the
verification page (``views.register``), which need no rule.
"""

import rules

from accounts.permissions import is_administrator
from accreditation.lifecycle import ApplicationStatus

from . import is_member_of_applicant, is_provider_lead


@rules.predicate
def is_accredited(user, application) -> bool:
    return application is not None and application.status == ApplicationStatus.ACCREDITED


rules.add_perm("accreditation.issue_certificate", is_administrator & is_accredited)
rules.add_perm("accreditation.view_certificate", is_administrator | is_member_of_applicant)
rules.add_perm("accreditation.change_certificate", is_administrator)
rules.add_perm("accreditation.list_certificates", is_administrator)


# Starting a renewal from a certificate: the organisation's lead (who starts applications).
rules.add_perm("accreditation.renew", is_provider_lead & is_member_of_applicant)
