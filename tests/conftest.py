"""Fixtures shared by every test package.

Services: tests that need Redis or a Celery worker call ``require_service``. Locally a missing
service skips the test; in CI (CI=true) it fails, so a green CI always means the real thing ran.
"""

import os

import pytest
from django.test import Client

from accounts.models import User
from providers.models import MembershipRole

from .factories import (
    AdministratorFactory,
    AssessorFactory,
    MembershipFactory,
    sign_in,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available here")


@pytest.fixture
def administrator(db) -> User:
    return AdministratorFactory(full_name="Ada Administrator")


@pytest.fixture
def assessor(db) -> User:
    return AssessorFactory(full_name="Asha Assessor")


@pytest.fixture
def provider_user(db) -> User:
    return MembershipFactory(role=MembershipRole.LEAD, user__full_name="Pat Provider").user


@pytest.fixture
def other_provider_user(db) -> User:
    return MembershipFactory(role=MembershipRole.LEAD, user__full_name="Olu Other").user


@pytest.fixture
def login():
    """login(user) -> a test client signed in as that user (None: anonymous).

    Administrators and assessors are signed in with their second factor too (tests/factories.py
    ``sign_in``), as the portal requires (accounts/two_step.py)."""

    def _login(user: User | None) -> Client:
        client = Client()
        if user is not None:
            sign_in(client, user)
        return client

    return _login


ROLE_FIXTURES = ["anonymous", "provider_user", "assessor", "administrator"]


@pytest.fixture
def user_of_role(request):
    """Resolve a role name from ROLE_FIXTURES to a user (None for anonymous)."""

    def _get(role: str) -> User | None:
        return None if role == "anonymous" else request.getfixturevalue(role)

    return _get


@pytest.fixture(autouse=True)
def _forget_what_was_remembered():
    """Published versions are read once per process (standards.outline, and what renewals show
    of them); tests reuse primary keys between databases, so each test starts with nothing
    remembered, and with an empty cache."""
    from django.core.cache import cache, caches

    from accreditation.selectors import renewals
    from standards import outline

    outline.clear()
    renewals.clear()
    # Rate limits (sign-in, passkeys, password resets) count in the cache: each test starts
    # with none counted, whichever tests ran before it in this process.
    cache.clear()
    caches["immutable"].clear()
    caches["pages"].clear()
    yield
    outline.clear()
    renewals.clear()


_CHANGE_COUNT_TRIGGERS: list[str] = []


@pytest.fixture(autouse=True)
def _change_counts_with_each_statement(request):
    """On PostgreSQL the change-count triggers (accreditation migration 0012) run when the
    transaction commits; a test's transaction is rolled back instead, so in those tests they run
    with each statement, as on SQLite, and a page read after a change is never an old kept one.
    Tests that commit (``transaction=True``, the live server) keep the deferred triggers."""
    marker = request.node.get_closest_marker("django_db")
    commits = (
        (marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    )
    if commits or (marker is None and "db" not in request.fixturenames):
        yield
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if not _CHANGE_COUNT_TRIGGERS:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'accreditation\\_changes\\_%'"
                )
                _CHANGE_COUNT_TRIGGERS.extend(name for (name,) in cursor.fetchall())
            cursor.execute(f"SET CONSTRAINTS {', '.join(_CHANGE_COUNT_TRIGGERS)} IMMEDIATE")
    yield
