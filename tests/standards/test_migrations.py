"""Migration 0006 gives existing criteria keys that follow copies, and leaves the immutability
triggers in place (on SQLite, adding a column rebuilds the table, which drops its triggers).

Each test builds data with today's services, takes the database back to before keys existed (the
keys go with the column) and forward again, so the keys seen afterwards are the migration's own.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from standards import services
from standards.io import standard_import
from standards.models import Criterion, StandardVersion, VersionStatus

from .factories import FILES, published_version

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_KEYS = ("standards", "0005_draft_criteria_order_follows_code")
WITH_KEYS = ("standards", "0006_criterion_key")
TRIGGERS = {
    "sqlite": {
        f"standards_{table}_{when}_guard"
        for table in ("version", "theme", "criterion")
        for when in ("insert", "update", "delete")
    },
    "postgresql": {
        "standards_version_guard",
        "standards_theme_guard",
        "standards_criterion_guard",
    },
}


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _migrate_everything() -> None:
    """Every app to its latest migration: going back to before keys also unapplies the other
    apps' migrations that depend on them (certificates, say), which later tests need."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def back_and_forth():
    """Call it to go back to before keys and forward again; the database always ends up with
    every migration applied, even if the test fails half-way."""

    def run() -> None:
        _migrate(BEFORE_KEYS)
        _migrate(WITH_KEYS)

    yield run
    _migrate_everything()


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall() if row[0].startswith("standards_")}


def _criteria(version) -> dict[str, Criterion]:
    return {c.code: c for c in Criterion.objects.filter(theme__version=version)}


def _update(criterion, **changes):
    fields = {
        name: getattr(criterion, name)
        for name in ("code", "title", "requirement", "guidance", "evidence_examples", "mandatory")
    }
    services.criterion_update(criterion=criterion, **{**fields, **changes})


def test_existing_criteria_get_keys_that_follow_copies(back_and_forth):
    first = published_version(criteria_per_theme=3, number="2026.1")
    draft = services.version_copy_as_draft(version=first, number="2026.2", user=None)
    criteria = _criteria(draft)
    services.criterion_move(criterion=criteria["1.3"], offset=-1)  # renumbered: 1.3 ↔ 1.2
    _update(criteria["2.1"], requirement="Reworded, same code.")
    services.criterion_delete(criterion=criteria["3.3"])
    services.criterion_create(
        theme=draft.themes.get(number=4), code="4.4", title="New", requirement="New."
    )
    second = services.version_publish(version=draft, user=None)
    third = services.version_copy_as_draft(version=second, number="2026.3", user=None)
    stranger = published_version(criteria_per_theme=1)  # another standard
    small = (FILES / "small-standard.yaml").read_bytes()
    imported = standard_import(data=small, user=None, publish=True)
    reimported = standard_import(data=small.replace(b'"2026.1"', b'"2026.2"'), user=None)

    back_and_forth()

    one, two, three = _criteria(first), _criteria(second), _criteria(third)
    for version in (first, second, third, stranger, imported, reimported):
        keys = [c.key for c in _criteria(version).values()]
        assert all(keys) and len(set(keys)) == len(keys), version
    # What the comparison would match has one key: unchanged, renumbered, reworded.
    assert two["1.1"].key == one["1.1"].key
    assert two["1.2"].key == one["1.3"].key and two["1.3"].key == one["1.2"].key
    assert two["2.1"].key == one["2.1"].key
    # A removed criterion's key is gone; a new one's key is new.
    assert one["3.3"].key not in {c.key for c in two.values()}
    assert two["4.4"].key not in {c.key for c in one.values()}
    # A draft copy follows what it was copied from.
    assert {code: c.key for code, c in three.items()} == {code: c.key for code, c in two.items()}
    # A version loaded from a file follows the version made before it in its standard.
    assert {c.code: c.key for c in _criteria(reimported).values()} == {
        c.code: c.key for c in _criteria(imported).values()
    }
    # Another standard shares nothing.
    assert not {c.key for c in _criteria(stranger).values()} & {c.key for c in one.values()}
    assert StandardVersion.objects.get(pk=second.pk).status == VersionStatus.PUBLISHED


def test_the_triggers_survive_the_migration_both_ways(back_and_forth):
    expected = TRIGGERS[connection.vendor]
    assert _trigger_names() == expected
    _migrate(BEFORE_KEYS)
    assert _trigger_names() == expected
    _migrate(WITH_KEYS)
    assert _trigger_names() == expected
    version = published_version(criteria_per_theme=1)
    criterion = Criterion.objects.filter(theme__version=version).first()
    for sql in (
        "UPDATE standards_criterion SET title = 'x' WHERE id = %s",
        "UPDATE standards_criterion SET key = 'x' WHERE id = %s",
        "DELETE FROM standards_criterion WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="standards: "),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [criterion.pk])
    with (
        pytest.raises(IntegrityError, match="standards: "),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE standards_standardversion SET notes = 'x' WHERE id = %s", [version.pk]
        )
    assert Criterion.objects.get(pk=criterion.pk).title == criterion.title
