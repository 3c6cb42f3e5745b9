"""Model invariants and database constraints of the standard."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from qismet_portal.exceptions import ImmutableError
from standards.models import Criterion, StandardVersion, Theme, VersionStatus

from .factories import (
    CriterionFactory,
    StandardVersionFactory,
    ThemeFactory,
    draft_version,
    published_version,
)

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_new_version_is_a_draft_and_editable():
    version = StandardVersionFactory()
    assert version.status == VersionStatus.DRAFT
    assert version.is_draft and version.is_editable
    assert not version.is_published and not version.is_retired
    assert str(version) == f"{version.standard.name} – version {version.number}"


def test_status_cannot_be_assigned_directly():
    version = StandardVersionFactory()
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        version.status = VersionStatus.PUBLISHED
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_a_version_cannot_be_created_already_published():
    version = StandardVersionFactory.build(status=VersionStatus.PUBLISHED)
    with pytest.raises(ImmutableError, match="must start as a draft"):
        version.save()
    assert not StandardVersion.objects.exists()


def test_bulk_creating_a_published_version_is_refused():
    standard = StandardVersionFactory().standard
    with pytest.raises(ImmutableError, match="must start as a draft"):
        StandardVersion.objects.bulk_create(
            [StandardVersion(standard=standard, number="9", status=VersionStatus.PUBLISHED)]
        )
    assert StandardVersion.objects.count() == 1


def test_version_numbers_are_unique_within_a_standard():
    version = StandardVersionFactory(number="2026.1")
    StandardVersionFactory(number="2026.1")  # another standard: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardVersionFactory(standard=version.standard, number="2026.1")
    assert version.standard.versions.count() == 1


def test_only_one_version_of_a_standard_is_published_at_a_time():
    current = published_version()
    draft = draft_version(standard=current.standard)
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE standards_standardversion SET status = 'published', published_at = %s "
            "WHERE id = %s",
            [timezone.now(), draft.pk],
        )
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_a_published_version_needs_a_publication_date():
    draft = draft_version()
    with pytest.raises(IntegrityError):
        _raw("UPDATE standards_standardversion SET status = 'published' WHERE id = %s", [draft.pk])


def test_a_retired_date_belongs_to_retired_versions_only():
    draft = draft_version()
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE standards_standardversion SET retired_at = %s WHERE id = %s",
            [timezone.now(), draft.pk],
        )


@pytest.mark.parametrize("months", [0, 121])
def test_certificate_validity_is_between_1_and_120_months(months):
    version = StandardVersionFactory()
    with pytest.raises(IntegrityError):
        _raw(
            "UPDATE standards_standardversion SET certificate_validity_months = %s WHERE id = %s",
            [months, version.pk],
        )
    version.certificate_validity_months = months
    with pytest.raises(ValidationError, match="certificate_validity_months"):
        version.full_clean()


def test_theme_numbers_are_1_to_4_and_unique_within_a_version():
    theme = ThemeFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(version=theme.version, number=5, title="A fifth theme")
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(version=theme.version, number=1, title="Theme one again")
    assert list(theme.version.themes.values_list("number", flat=True)) == [1]


def test_criterion_codes_are_unique_within_a_theme():
    criterion = CriterionFactory(code="1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(theme=criterion.theme, code="1.1")
    assert criterion.theme.criteria.count() == 1


def test_a_weight_must_be_positive():
    theme = ThemeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(theme=theme, weight=Decimal("0"))
    assert CriterionFactory(theme=theme, weight=Decimal("1.25")).weight == Decimal("1.25")


@pytest.mark.parametrize("code", ["1", "1.", "A.1", "5.1", "1.1a", "1.1000"])
def test_criterion_codes_have_the_theme_number_a_dot_and_a_number(code):
    criterion = CriterionFactory.build(theme=ThemeFactory(), code=code)
    with pytest.raises(ValidationError, match="the theme number, a dot and a number"):
        criterion.full_clean()


@pytest.mark.parametrize("number", ["", "2026 1", ".1", "2026/1"])
def test_version_numbers_are_plain(number):
    version = StandardVersionFactory.build(
        standard=StandardVersionFactory().standard, number=number
    )
    with pytest.raises(ValidationError, match="number"):
        version.full_clean()


def test_criteria_are_ordered_by_theme_then_position():
    version = draft_version(criteria_per_theme=2)
    first = Criterion.objects.get(theme__version=version, code="1.1")
    first_theme = first.theme
    Criterion.objects.filter(pk=first.pk).update(order=9)
    codes = list(Criterion.objects.filter(theme__version=version).values_list("code", flat=True))
    assert codes == ["1.2", "1.1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2"]
    assert str(first_theme) == "Theme 1: Leadership, management and organisation"


def test_drafts_already_stored_are_put_in_code_order_by_the_migration():
    migration = importlib.import_module(
        "standards.migrations.0005_draft_criteria_order_follows_code"
    )
    draft = draft_version(criteria_per_theme=2)
    published = published_version(criteria_per_theme=2)
    Criterion.objects.filter(theme__version=draft, code="1.1").update(order=9)
    migration.order_by_code(apps, None)
    assert list(
        Criterion.objects.filter(theme__version=draft, theme__number=1).values_list("code", "order")
    ) == [("1.1", 1), ("1.2", 2)]
    assert list(
        Criterion.objects.filter(theme__version=published).values_list("order", flat=True)
    ) == [1, 2, 1, 2, 1, 2, 1, 2]
