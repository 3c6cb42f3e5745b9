"""N+1 guards: each page reads a fixed number of queries, whether a version has 4 or 48 criteria.

The bounds count the session and user look-ups (two queries) that every signed-in page makes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from standards import services
from standards.models import Criterion

from .factories import StandardFactory, draft_version, published_version

pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 12  # criteria per theme: 4 or 48 criteria in all


def _count(client, url: str, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200, url
    return len(queries)


def _family(criteria_per_theme: int):
    """A published version, a retired one before it and a draft after it."""
    old = published_version(criteria_per_theme=criteria_per_theme)
    new = services.version_copy_as_draft(version=old, number="new", user=None)
    services.version_publish(version=new, user=None)
    draft = services.version_copy_as_draft(version=new, number="draft", user=None)
    return old, new, draft


@pytest.mark.parametrize("size", [SMALL, LARGE])
@pytest.mark.parametrize("role", ["assessor", "administrator"])
def test_the_version_page(login, user_of_role, django_assert_max_num_queries, size, role):
    _old, published, draft = _family(size)
    version = draft if role == "administrator" else published
    assert Criterion.objects.filter(theme__version=version).count() == 4 * size
    client = login(user_of_role(role))
    url = reverse("standards:version_detail", args=[version.pk])
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert f"{4 * size} in 4 themes".encode() in response.content


def test_the_version_page_does_not_grow_with_criteria(login, administrator):
    counts = []
    for size in (SMALL, LARGE):
        _old, _published, draft = _family(size)
        counts.append(
            _count(login(administrator), reverse("standards:version_detail", args=[draft.pk]))
        )
    assert counts[0] == counts[1]


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_the_criterion_page(login, assessor, django_assert_max_num_queries, size):
    version = published_version(criteria_per_theme=size)
    criterion = Criterion.objects.get(theme__version=version, code="2.1")
    client = login(assessor)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("standards:criterion_detail", args=[criterion.pk]))
    assert f"of {4 * size} in version".encode() in response.content


@pytest.mark.parametrize("standards", [1, 6])
@pytest.mark.parametrize("role", ["provider_user", "administrator"])
def test_the_index(login, user_of_role, django_assert_max_num_queries, standards, role):
    for _ in range(standards):
        _family(SMALL)
        draft_version(standard=StandardFactory())
    client = login(user_of_role(role))
    with django_assert_max_num_queries(4):
        response = client.get(reverse("standards:index"))
    assert response.content.count(b"Compare versions of") == standards


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_the_compare_page(login, administrator, django_assert_max_num_queries, size):
    old, _published, draft = _family(size)
    Criterion.objects.filter(theme__version=draft, code="1.1").update(title="Changed title")
    url = reverse("standards:version_compare", args=[old.standard_id])
    client = login(administrator)
    with django_assert_max_num_queries(7):
        response = client.get(url, {"old": old.pk, "new": draft.pk})
    assert b"Changed title" in response.content
    assert b"1 criterion changed" in response.content
