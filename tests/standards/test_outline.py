"""A published version's themes and criteria are read once per process (standards.outline)."""

import datetime

import pytest

from standards import outline as outline_module
from standards.models import Criterion, StandardVersion
from standards.outline import outline

from .factories import draft_version, published_version

pytestmark = pytest.mark.django_db


def test_a_published_version_is_read_once(django_assert_num_queries):
    version = published_version(criteria_per_theme=3)
    with django_assert_num_queries(1):  # its criteria, with their themes' columns
        first = outline(version)
    with django_assert_num_queries(0):
        again = outline(version)
        criteria = again.criteria
    assert [c.code for c in criteria] == [c.code for c in first.criteria]
    assert [c.code for c in criteria] == [
        f"{theme}.{position}" for theme in (1, 2, 3, 4) for position in (1, 2, 3)
    ]
    assert [c.theme.number for c in criteria] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert len(again) == 12


def test_the_order_is_the_standards_own_not_the_code_order():
    version = draft_version(criteria_per_theme=2)
    first, second = Criterion.objects.filter(theme__version=version, theme__number=1)
    # Swap their positions while still a draft: 1.2 now comes first.
    Criterion.objects.filter(pk=first.pk).update(order=2)
    Criterion.objects.filter(pk=second.pk).update(order=1)
    version.publish()
    assert [c.code for c in outline(version).criteria][:2] == ["1.2", "1.1"]


def test_a_draft_is_read_every_time_so_edits_show(django_assert_num_queries):
    version = draft_version(criteria_per_theme=1)
    assert outline(version).get(version.themes.get(number=1).criteria.get().pk).title
    criterion = Criterion.objects.filter(theme__version=version).first()
    criterion.title = "Renamed while still a draft"
    criterion.save()
    with django_assert_num_queries(1):
        assert outline(version).get(criterion.pk).title == "Renamed while still a draft"


def test_each_call_gives_its_own_instances():
    version = published_version(criteria_per_theme=1)
    criterion = outline(version).criteria[0]
    criterion.title = "Changed by one page"
    criterion.theme.title = "Changed too"
    fresh = outline(version).criteria[0]
    assert fresh.title != "Changed by one page"
    assert fresh.theme.title != "Changed too"
    assert fresh is not criterion


def test_a_reused_primary_key_is_not_confused_with_another_version(django_assert_num_queries):
    version = published_version(criteria_per_theme=1)
    assert len(outline(version)) == 4
    # Another database (as between tests) may hold a different version under the same key; it
    # was published at another moment, so what is remembered for this one is not used for it.
    same_key = StandardVersion(
        pk=version.pk, published_at=version.published_at + datetime.timedelta(seconds=1)
    )
    with django_assert_num_queries(1):
        outline(same_key)
    with django_assert_num_queries(0):
        outline(version)


def test_neighbours_position_and_outsiders():
    version = published_version(criteria_per_theme=2)
    other = published_version(criteria_per_theme=1)
    criteria = outline(version)
    ids = criteria.criterion_ids
    assert criteria.position(ids[0]) == 0
    assert criteria.neighbours(ids[0]) == (None, criteria.get(ids[1]))
    previous, following = criteria.neighbours(ids[-1])
    assert (previous.pk, following) == (ids[-2], None)
    outsider = Criterion.objects.filter(theme__version=other).first()
    assert criteria.get(outsider.pk) is None
    assert criteria.position(outsider.pk) is None
    assert criteria.neighbours(outsider.pk) == (None, None)


def test_at_most_a_bounded_number_of_versions_are_kept():
    info = outline_module._published.cache_info()
    assert info.maxsize == outline_module.MAX_VERSIONS
