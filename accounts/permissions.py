"""Role predicates, shared by every app's permissions module (django-rules)."""

import rules

from .models import Role


@rules.predicate
def is_administrator(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and user.role == Role.ADMINISTRATOR
    )


@rules.predicate
def is_assessor(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.ASSESSOR)


@rules.predicate
def is_provider_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.PROVIDER)


is_signed_in = rules.is_authenticated & rules.is_active

rules.add_perm("accounts.manage_assessors", is_administrator)
rules.add_perm("accounts.view_profile", is_signed_in)
