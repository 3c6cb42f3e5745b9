"""Who may screen, assign, and keep assessor profiles and interests (django-rules)."""

import rules

from accounts.permissions import is_administrator


@rules.predicate
def has_assessor_profile(user) -> bool:
    """Holds the assessor capability (an assessor, or an administrator who also assesses)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    from accreditation.models import AssessorProfile

    cached = getattr(user, "_has_assessor_profile", None)
    if cached is None:
        cached = AssessorProfile.objects.filter(user=user).exists()
        user._has_assessor_profile = cached
    return cached


@rules.predicate
def is_profile_owner(user, person) -> bool:
    return bool(person is not None and user.is_authenticated and person.pk == user.pk)


rules.add_perm("accreditation.screen_applications", is_administrator)
rules.add_perm("accreditation.assign_assessors", is_administrator)
rules.add_perm("accreditation.manage_assessor_profiles", is_administrator)
rules.add_perm(
    "accreditation.view_assessor_profile",
    is_administrator | (has_assessor_profile & is_profile_owner),
)
rules.add_perm("accreditation.declare_interests", has_assessor_profile)
