"""Fixtures shared by the accreditation tests."""

import pytest

from tests.accreditation.factories import started_application
from tests.accreditation.hostile import responses_of, use_private_storage


@pytest.fixture
def private_storage(settings, tmp_path):
    """Evidence files go to a throw-away folder."""
    return use_private_storage(settings, tmp_path)


@pytest.fixture
def draft(provider_user):
    """A draft application of the provider user's organisation."""
    return started_application(lead=provider_user)


@pytest.fixture
def responses(draft):
    return responses_of(draft)
