"""Who stands where on one application: its assessors, and the people who must stay
independent of it. Independence is per application, not per job title: an administrator who
assessed an application may not decide it, and nobody involved may hear its appeal.

The answers are read once per application object and kept on it for the rest of the request
(pages ask several rules about the same application).
"""

from __future__ import annotations

import rules

from accounts.permissions import is_administrator, is_assessor


def _assignments(application) -> list:
    """The application's assignments (every state), read once per application object."""
    cached = getattr(application, "_assignments_cache", None)
    if cached is None:
        from accreditation.models import Assignment

        cached = list(Assignment.objects.filter(application_id=application.pk))
        application._assignments_cache = cached
    return cached


def assignment_of(user, application):
    """``user``'s live assignment on ``application`` (offered or accepted), or None."""
    if application is None or not getattr(user, "is_authenticated", False):
        return None
    for assignment in _assignments(application):
        if assignment.assessor_id == user.pk and assignment.is_live:
            return assignment
    return None


@rules.predicate
def is_assigned_assessor(user, application) -> bool:
    """Accepted the assignment and declared no conflict: may see the application."""
    assignment = assignment_of(user, application)
    return bool(assignment and assignment.declared_at and assignment.status == "accepted")


@rules.predicate
def is_lead_assessor(user, application) -> bool:
    assignment = assignment_of(user, application)
    return bool(
        assignment
        and assignment.declared_at
        and assignment.status == "accepted"
        and assignment.role == "lead"
    )


@rules.predicate
def was_assessor(user, application) -> bool:
    """Ever accepted an assignment on ``application`` (even if later replaced): involved."""
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    return any(
        assignment.assessor_id == user.pk and assignment.declared_at is not None
        for assignment in _assignments(application)
    )


is_staff = is_administrator | is_assessor

__all__ = [
    "assignment_of",
    "is_assigned_assessor",
    "is_lead_assessor",
    "is_staff",
    "was_assessor",
]
