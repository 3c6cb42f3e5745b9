"""A published (or retired) version cannot change: Python guards in the ORM, and database triggers
for anything that bypasses it. Each layer is tested on its own: the ORM tests expect
ImmutableError (the triggers raise IntegrityError instead), the SQL tests go round the ORM."""

import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from qismet_portal.exceptions import ImmutableError
from standards import services
from standards.models import Criterion, StandardVersion, Theme, VersionStatus

from .factories import draft_version, published_version, retired_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return published_version(criteria_per_theme=2)


@pytest.fixture
def draft(published):
    return draft_version(standard=published.standard, criteria_per_theme=1)


def _theme(version, number=1) -> Theme:
    return version.themes.get(number=number)


def _criterion(version, code="1.1") -> Criterion:
    return Criterion.objects.get(theme__version=version, code=code)


def _snapshot(version) -> tuple:
    version = StandardVersion.objects.get(pk=version.pk)
    return (
        version.status,
        version.notes,
        version.scale,
        list(version.themes.values_list("number", "title", "summary")),
        list(
            Criterion.objects.filter(theme__version=version)
            .order_by("code")
            .values_list("code", "title", "requirement", "theme_id", "order")
        ),
    )


# --- the ORM guards -------------------------------------------------------------------------


def _change_theme_title(version):
    theme = _theme(version)
    theme.title = "Changed"
    theme.save()


def _change_criterion_title(version):
    criterion = _criterion(version)
    criterion.title = "Changed"
    criterion.save()


def _change_version_notes(version):
    version = StandardVersion.objects.get(pk=version.pk)
    version.notes = "Changed"
    version.save()


def _change_version_scale_in_place(version):
    version = StandardVersion.objects.get(pk=version.pk)
    version.scale[0]["label"] = "Excellent"
    version.save()


def _change_version_number_only(version):
    version = StandardVersion.objects.get(pk=version.pk)
    version.number = "9999"
    version.save(update_fields=["number"])


ORM_WRITES = {
    "theme save": _change_theme_title,
    "theme delete": lambda v: _theme(v).delete(),
    "theme create": lambda v: Theme.objects.create(version=v, number=2, title="Another"),
    "theme queryset update": lambda v: Theme.objects.filter(version=v).update(title="Changed"),
    "theme queryset delete": lambda v: Theme.objects.filter(version=v).delete(),
    "theme related update": lambda v: v.themes.update(summary="Changed"),
    "theme bulk create": lambda v: Theme.objects.bulk_create([Theme(version=v, number=3)]),
    "criterion save": _change_criterion_title,
    "criterion delete": lambda v: _criterion(v).delete(),
    "criterion create": lambda v: Criterion.objects.create(
        theme=_theme(v), code="1.9", title="New", requirement="New"
    ),
    "criterion queryset update": lambda v: Criterion.objects.filter(theme__version=v).update(
        title="Changed"
    ),
    "criterion queryset delete": lambda v: Criterion.objects.filter(theme__version=v).delete(),
    "criterion bulk create": lambda v: Criterion.objects.bulk_create(
        [Criterion(theme=_theme(v), code="1.9", title="New", requirement="New")]
    ),
    "criterion bulk update": lambda v: Criterion.objects.bulk_update(
        [_criterion(v)], ["requirement"]
    ),
    "theme bulk update": lambda v: Theme.objects.bulk_update([_theme(v)], ["title"]),
    "version bulk update": lambda v: StandardVersion.objects.bulk_update(
        [StandardVersion.objects.get(pk=v.pk)], ["notes"]
    ),
    "version notes": _change_version_notes,
    "version scale changed in place": _change_version_scale_in_place,
    "version number with update_fields": _change_version_number_only,
    "version queryset update": lambda v: StandardVersion.objects.filter(pk=v.pk).update(
        notes="Changed"
    ),
    "version queryset delete": lambda v: StandardVersion.objects.filter(pk=v.pk).delete(),
    "version delete": lambda v: StandardVersion.objects.get(pk=v.pk).delete(),
}


@pytest.mark.parametrize("write", ORM_WRITES.values(), ids=ORM_WRITES.keys())
def test_the_orm_refuses_changes_to_a_published_version(published, write):
    before = _snapshot(published)
    with pytest.raises(ImmutableError, match=f"Version {published.number} is published"):
        write(published)
    assert _snapshot(published) == before


@pytest.mark.parametrize(
    "write",
    [ORM_WRITES["criterion save"], ORM_WRITES["theme queryset update"], _change_version_notes],
)
def test_the_orm_refuses_changes_to_a_retired_version(write):
    retired = retired_version()
    before = _snapshot(retired)
    with pytest.raises(ImmutableError, match=f"Version {retired.number} is retired"):
        write(retired)
    assert _snapshot(retired) == before


def test_moving_a_draft_criterion_into_a_published_theme_is_refused(published, draft):
    criterion = _criterion(draft)
    criterion.theme = _theme(published)
    with pytest.raises(ImmutableError):
        criterion.save()
    with pytest.raises(ImmutableError):
        Criterion.objects.filter(pk=criterion.pk).update(theme=_theme(published))
    assert _criterion(draft).theme.version_id == draft.pk


def test_moving_a_published_criterion_into_a_draft_is_refused(published, draft):
    criterion = _criterion(published)
    criterion.theme = _theme(draft, 2)
    with pytest.raises(ImmutableError):
        criterion.save()
    assert _criterion(published).theme.version_id == published.pk


def test_status_changes_only_through_transitions():
    version = draft_version()
    with pytest.raises(ImmutableError, match="publishing or retiring"):
        StandardVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLISHED)
    assert StandardVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_a_retired_version_cannot_be_published_again():
    retired = retired_version()
    with pytest.raises(Exception, match="only a draft can be published"):
        services.version_publish(version=retired, user=None)
    assert StandardVersion.objects.get(pk=retired.pk).status == VersionStatus.RETIRED


def test_drafts_stay_editable_through_the_orm(draft):
    _change_theme_title(draft)
    _change_criterion_title(draft)
    _change_version_notes(draft)
    assert Criterion.objects.filter(theme__version=draft).update(guidance="New") == 4
    assert _theme(draft).title == "Changed"
    assert _criterion(draft).title == "Changed"
    assert StandardVersion.objects.get(pk=draft.pk).notes == "Changed"


def test_saving_a_published_version_unchanged_and_retiring_it_are_allowed(published):
    version = StandardVersion.objects.get(pk=published.pk)
    version.save()  # nothing changed
    services.version_retire(version=version, user=None)
    version = StandardVersion.objects.get(pk=published.pk)
    assert version.status == VersionStatus.RETIRED
    assert version.retired_at is not None


# --- the database triggers ------------------------------------------------------------------


def _sql(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refused(sql: str, params: list, message: str = "standards: ") -> None:
    with pytest.raises(IntegrityError, match=message):
        _sql(sql, params)


CRITERION_INSERT = (
    "INSERT INTO standards_criterion (theme_id, code, title, requirement, guidance, "
    'evidence_examples, mandatory, na_allowed, weight, "order", key, merged_keys) '
    "VALUES (%s, '1.9', 'New', 'New', '', '[]', %s, %s, NULL, 9, 'raw-insert', '[]')"
)


def _trigger_cases(published, draft):
    theme = _theme(published)
    criterion = _criterion(published)
    now = timezone.now()
    return {
        "criterion update": (
            "UPDATE standards_criterion SET title = 'x' WHERE id = %s",
            [criterion.pk],
        ),
        "criterion delete": ("DELETE FROM standards_criterion WHERE id = %s", [criterion.pk]),
        "criterion insert": (CRITERION_INSERT, [theme.pk, False, False]),
        "criterion moved out": (
            "UPDATE standards_criterion SET theme_id = %s WHERE id = %s",
            [_theme(draft).pk, criterion.pk],
        ),
        "criterion moved in": (
            "UPDATE standards_criterion SET theme_id = %s WHERE id = %s",
            [theme.pk, _criterion(draft).pk],
        ),
        "theme update": ("UPDATE standards_theme SET summary = 'x' WHERE id = %s", [theme.pk]),
        "theme delete": ("DELETE FROM standards_theme WHERE id = %s", [theme.pk]),
        "theme insert": (
            "INSERT INTO standards_theme (version_id, number, title, summary) "
            "VALUES (%s, 1, 'Again', '')",
            [published.pk],
        ),
        "theme moved out": (
            "UPDATE standards_theme SET version_id = %s WHERE id = %s",
            [draft.pk, theme.pk],
        ),
        "version notes": (
            "UPDATE standards_standardversion SET notes = 'x' WHERE id = %s",
            [published.pk],
        ),
        "version number": (
            "UPDATE standards_standardversion SET number = '9999' WHERE id = %s",
            [published.pk],
        ),
        "version scale": (
            "UPDATE standards_standardversion SET scale = %s WHERE id = %s",
            [json.dumps([{"code": "yes"}]), published.pk],
        ),
        "version outcome rule": (
            "UPDATE standards_standardversion SET outcome_rule = %s WHERE id = %s",
            [json.dumps({}), published.pk],
        ),
        "version validity": (
            "UPDATE standards_standardversion SET certificate_validity_months = 12 WHERE id = %s",
            [published.pk],
        ),
        "version back to draft": (
            "UPDATE standards_standardversion SET status = 'draft' WHERE id = %s",
            [published.pk],
        ),
        "version retired_at without retiring": (
            "UPDATE standards_standardversion SET retired_at = %s WHERE id = %s",
            [now, published.pk],
        ),
        "version retired without a date": (
            "UPDATE standards_standardversion SET status = 'retired' WHERE id = %s",
            [published.pk],
        ),
        "version published date": (
            "UPDATE standards_standardversion SET published_at = %s WHERE id = %s",
            [now, published.pk],
        ),
        "version delete": ("DELETE FROM standards_standardversion WHERE id = %s", [published.pk]),
        "version inserted published": (
            "INSERT INTO standards_standardversion (created_at, updated_at, standard_id, number, "
            "status, notes, scale, not_applicable_label, outcome_rule, "
            "certificate_validity_months, published_at) "
            "VALUES (%s, %s, %s, 'new', 'published', '', '[]', 'N/A', '{}', 36, %s)",
            [now, now, published.standard_id, now],
        ),
    }


TRIGGER_CASE_NAMES = [
    "criterion update",
    "criterion delete",
    "criterion insert",
    "criterion moved out",
    "criterion moved in",
    "theme update",
    "theme delete",
    "theme insert",
    "theme moved out",
    "version notes",
    "version number",
    "version scale",
    "version outcome rule",
    "version validity",
    "version back to draft",
    "version retired_at without retiring",
    "version retired without a date",
    "version published date",
    "version delete",
    "version inserted published",
]


@pytest.mark.parametrize("case", TRIGGER_CASE_NAMES)
def test_the_database_refuses_raw_changes_to_a_published_version(published, draft, case):
    before = _snapshot(published)
    sql, params = _trigger_cases(published, draft)[case]
    _refused(sql, params)
    assert _snapshot(published) == before


def test_the_trigger_cases_cover_every_named_case(published, draft):
    assert sorted(_trigger_cases(published, draft)) == sorted(TRIGGER_CASE_NAMES)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "UPDATE standards_criterion SET title = 'x' WHERE id = {criterion}",
            "themes and criteria",
        ),
        (
            "UPDATE standards_standardversion SET notes = 'x' WHERE id = {version}",
            "cannot be changed",
        ),
        (
            "UPDATE standards_standardversion SET status = 'published' WHERE id = {version}",
            "cannot be changed",
        ),
        ("DELETE FROM standards_standardversion WHERE id = {version}", "cannot be deleted"),
    ],
)
def test_the_database_refuses_raw_changes_to_a_retired_version(sql, message):
    retired = retired_version()
    criterion = _criterion(retired)
    before = _snapshot(retired)
    _refused(sql.format(criterion=criterion.pk, version=retired.pk), [], message)
    assert _snapshot(retired) == before


def test_the_database_lets_drafts_change_freely(published, draft):
    theme, criterion = _theme(draft), _criterion(draft)
    _sql("UPDATE standards_criterion SET title = 'Raw' WHERE id = %s", [criterion.pk])
    _sql("UPDATE standards_theme SET summary = 'Raw' WHERE id = %s", [theme.pk])
    _sql("UPDATE standards_standardversion SET notes = 'Raw' WHERE id = %s", [draft.pk])
    _sql(CRITERION_INSERT, [theme.pk, False, False])
    _sql("DELETE FROM standards_criterion WHERE id = %s", [criterion.pk])
    assert list(
        Criterion.objects.filter(theme__version=draft).order_by("code").values_list("code", "title")
    ) == [
        ("1.9", "New"),
        ("2.1", "Criterion 2.1"),
        ("3.1", "Criterion 3.1"),
        ("4.1", "Criterion 4.1"),
    ]
    assert Theme.objects.get(pk=theme.pk).summary == "Raw"
    assert StandardVersion.objects.get(pk=draft.pk).notes == "Raw"


def test_the_database_lets_a_published_version_retire(published):
    now = timezone.now()
    _sql(
        "UPDATE standards_standardversion SET status = 'retired', retired_at = %s, "
        "updated_at = %s WHERE id = %s",
        [now, now, published.pk],
    )
    assert StandardVersion.objects.get(pk=published.pk).status == VersionStatus.RETIRED


def test_the_database_lets_a_whole_draft_be_deleted(draft):
    _sql(
        "DELETE FROM standards_criterion WHERE theme_id IN "
        "(SELECT id FROM standards_theme WHERE version_id = %s)",
        [draft.pk],
    )
    _sql("DELETE FROM standards_theme WHERE version_id = %s", [draft.pk])
    _sql("DELETE FROM standards_versionevent WHERE version_id = %s", [draft.pk])
    _sql("DELETE FROM standards_standardversion WHERE id = %s", [draft.pk])
    assert not StandardVersion.objects.filter(pk=draft.pk).exists()


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall() if row[0].startswith("standards_")}


@pytest.mark.django_db(transaction=True)
def test_a_full_flush_empties_published_versions_and_keeps_the_triggers():
    """Transactional tests (browser tests on the live server) flush the database after each test;
    on SQLite that deletes row by row, which the triggers would refuse without the flush command
    of the standards app. This test's own teardown is such a flush, with a published version."""
    published_version()
    triggers = _trigger_names()
    assert len(triggers) == (9 if connection.vendor == "sqlite" else 3)
    call_command("flush", interactive=False, verbosity=0)
    assert not StandardVersion.objects.exists()
    assert _trigger_names() == triggers
    again = published_version()
    _refused(
        "UPDATE standards_criterion SET title = 'x' WHERE theme_id IN "
        "(SELECT id FROM standards_theme WHERE version_id = %s)",
        [again.pk],
    )
