"""Who may do what with an appeal. The people who hear it (its reviewers) must have had no
part in the assessment or the decision; so must the administrator who chooses them.

Answers are kept on the appeal or application object for the rest of the request.
"""

from __future__ import annotations

import rules

from accounts.permissions import is_administrator, is_provider_user

from .staff import was_assessor


def _reviewer_ids(appeal) -> set[int]:
    cached = getattr(appeal, "_reviewer_ids", None)
    if cached is None:
        cached = set(appeal.reviewers.values_list("pk", flat=True))
        appeal._reviewer_ids = cached
    return cached


def _appeal_reviewer_ids(application) -> set[int]:
    """Everyone who reviews, or reviewed, an appeal on ``application`` (one query)."""
    cached = getattr(application, "_appeal_reviewer_ids", None)
    if cached is None:
        from accreditation.models import Appeal

        cached = set(
            Appeal.reviewers.through.objects.filter(
                appeal__application_id=application.pk
            ).values_list("user_id", flat=True)
        )
        application._appeal_reviewer_ids = cached
    return cached


def _decision_maker_ids(application) -> set[int]:
    cached = getattr(application, "_decision_maker_ids", None)
    if cached is None:
        from accreditation.models import Decision

        cached = set(
            Decision.objects.filter(application_id=application.pk).values_list(
                "decided_by_id", flat=True
            )
        )
        application._decision_maker_ids = cached
    return cached


@rules.predicate
def is_appeal_reviewer(user, application) -> bool:
    """Hears (or heard) an appeal on ``application``: may read the application."""
    if application is None or not user.is_authenticated or is_provider_user(user):
        return False
    return user.pk in _appeal_reviewer_ids(application)


@rules.predicate
def reviews_appeal(user, appeal) -> bool:
    return bool(appeal is not None and user.is_authenticated and user.pk in _reviewer_ids(appeal))


@rules.predicate
def is_member_of_appellant(user, appeal) -> bool:
    from . import is_member_of_applicant

    return appeal is not None and is_member_of_applicant(user, appeal.application)


@rules.predicate
def took_part(user, appeal) -> bool:
    """Assessed the application or made one of its decisions."""
    if appeal is None or not user.is_authenticated:
        return False
    application = appeal.application
    return was_assessor(user, application) or user.pk in _decision_maker_ids(application)


rules.add_perm(
    "accreditation.view_appeal", is_administrator | is_member_of_appellant | reviews_appeal
)
rules.add_perm("accreditation.assign_appeal_reviewers", is_administrator & ~took_part)
rules.add_perm("accreditation.decide_appeal", reviews_appeal)

__all__ = ["is_appeal_reviewer", "is_member_of_appellant", "reviews_appeal", "took_part"]
