"""Who may do what with standards (django-rules), asked the same way by views, templates and tests.

Reading the standard (criterion text included) needs a signed-in account; managing it is for
administrators. Drafts are hidden from everyone else by ``selectors.versions_for_user`` (404).
"""

import rules

from accounts.permissions import is_administrator, is_signed_in

rules.add_perm("standards.view_standard", is_signed_in)
rules.add_perm("standards.manage_standards", is_administrator)


def can_manage_standards(user) -> bool:
    """The same rule as the permission, asked of django-rules directly: for someone who may not,
    this skips Django's database-backed permission lookup (two queries on every page)."""
    return rules.has_perm("standards.manage_standards", user)
