"""People and things of two provider organisations, A (ours) and B (someone else's)."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from providers.models import MembershipRole
from tests.factories import MembershipFactory, OrganisationFactory

from .factories import ProgrammeFactory, make_invitation


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The throttle counts in the cache; each test starts from nothing."""
    cache.clear()
    yield
    cache.clear()


def _organisation(name: str, prefix: str) -> SimpleNamespace:
    organisation = OrganisationFactory(name=name)
    lead = MembershipFactory(
        organisation=organisation,
        role=MembershipRole.LEAD,
        user__full_name=f"{prefix} Lead",
        user__email=f"lead@{prefix.lower()}.example.org",
    )
    contributor = MembershipFactory(
        organisation=organisation,
        role=MembershipRole.CONTRIBUTOR,
        user__full_name=f"{prefix} Contributor",
        user__email=f"contributor@{prefix.lower()}.example.org",
    )
    signatory = MembershipFactory(
        organisation=organisation,
        signatory=True,
        user__full_name=f"{prefix} Signatory",
        user__email=f"signatory@{prefix.lower()}.example.org",
    )
    programme = ProgrammeFactory(organisation=organisation, name=f"{prefix} Pain Course")
    invitation, token = make_invitation(
        organisation=organisation,
        email=f"invitee@{prefix.lower()}.example.org",
        invited_by=lead.user,
    )
    return SimpleNamespace(
        organisation=organisation,
        lead=lead.user,
        contributor=contributor.user,
        signatory=signatory.user,
        lead_membership=lead,
        contributor_membership=contributor,
        signatory_membership=signatory,
        programme=programme,
        invitation=invitation,
        token=token,
    )


@pytest.fixture
def org_a(db) -> SimpleNamespace:
    return _organisation("Alpha Self-Management", "Alpha")


@pytest.fixture
def org_b(db) -> SimpleNamespace:
    return _organisation("Bravo Health Education", "Bravo")
