"""Database triggers that keep published and retired standard versions immutable.

The models refuse these writes in Python too; the triggers are the last line for anything that
bypasses the ORM (raw SQL, a database shell, a future bug). They refuse:

* INSERT, UPDATE or DELETE of a theme or criterion whose version (before or after the change) is
  not a draft;
* INSERT of a version that is not a draft (a version is born a draft);
* UPDATE of a non-draft version's content columns, or any status change other than
  published → retired with retired_at set (retired_at is otherwise frozen too);
* DELETE of a non-draft version.

The SQL is written out here rather than imported from the app, so the migration keeps meaning what
it meant when it was written. SQLite has no session switch to turn triggers off, so
``standards/management/commands/flush.py`` drops and recreates them around a full flush (the
equivalent of PostgreSQL's TRUNCATE, which does not fire row triggers).
"""

from django.db import migrations

MESSAGE_VERSION = "standards: a published or retired standard version cannot be changed"
MESSAGE_BORN_DRAFT = "standards: a standard version must start as a draft"
MESSAGE_DELETE = "standards: a published or retired standard version cannot be deleted"
MESSAGE_CONTENT = (
    "standards: the themes and criteria of a published or retired version cannot be changed"
)

FROZEN_COLUMNS = [
    "id",
    "standard_id",
    "number",
    "notes",
    "scale",
    "not_applicable_label",
    "outcome_rule",
    "certificate_validity_months",
    "based_on_id",
    "published_at",
    "published_by_id",
    "created_at",
]

VERSION_STATUS_SQL = "(SELECT status FROM standards_standardversion WHERE id = {version_id})"
CRITERION_STATUS_SQL = (
    "(SELECT v.status FROM standards_standardversion v "
    "JOIN standards_theme t ON t.version_id = v.id WHERE t.id = {theme_id})"
)

# --- SQLite -------------------------------------------------------------------------------------

_sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)
_status_ok = (
    "((NEW.status = OLD.status AND NEW.retired_at IS OLD.retired_at) OR "
    "(OLD.status = 'published' AND NEW.status = 'retired' AND NEW.retired_at IS NOT NULL))"
)


def _sqlite_trigger(name: str, when: str, table: str, condition: str, message: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW "
        f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


SQLITE_TRIGGERS = {
    "standards_version_insert_guard": _sqlite_trigger(
        "standards_version_insert_guard",
        "INSERT",
        "standards_standardversion",
        "NEW.status <> 'draft'",
        MESSAGE_BORN_DRAFT,
    ),
    "standards_version_update_guard": _sqlite_trigger(
        "standards_version_update_guard",
        "UPDATE",
        "standards_standardversion",
        f"OLD.status <> 'draft' AND ({_sqlite_changed} OR NOT {_status_ok})",
        MESSAGE_VERSION,
    ),
    "standards_version_delete_guard": _sqlite_trigger(
        "standards_version_delete_guard",
        "DELETE",
        "standards_standardversion",
        "OLD.status <> 'draft'",
        MESSAGE_DELETE,
    ),
    "standards_theme_insert_guard": _sqlite_trigger(
        "standards_theme_insert_guard",
        "INSERT",
        "standards_theme",
        VERSION_STATUS_SQL.format(version_id="NEW.version_id") + " <> 'draft'",
        MESSAGE_CONTENT,
    ),
    "standards_theme_update_guard": _sqlite_trigger(
        "standards_theme_update_guard",
        "UPDATE",
        "standards_theme",
        VERSION_STATUS_SQL.format(version_id="OLD.version_id")
        + " <> 'draft' OR "
        + VERSION_STATUS_SQL.format(version_id="NEW.version_id")
        + " <> 'draft'",
        MESSAGE_CONTENT,
    ),
    "standards_theme_delete_guard": _sqlite_trigger(
        "standards_theme_delete_guard",
        "DELETE",
        "standards_theme",
        VERSION_STATUS_SQL.format(version_id="OLD.version_id") + " <> 'draft'",
        MESSAGE_CONTENT,
    ),
    "standards_criterion_insert_guard": _sqlite_trigger(
        "standards_criterion_insert_guard",
        "INSERT",
        "standards_criterion",
        CRITERION_STATUS_SQL.format(theme_id="NEW.theme_id") + " <> 'draft'",
        MESSAGE_CONTENT,
    ),
    "standards_criterion_update_guard": _sqlite_trigger(
        "standards_criterion_update_guard",
        "UPDATE",
        "standards_criterion",
        CRITERION_STATUS_SQL.format(theme_id="OLD.theme_id")
        + " <> 'draft' OR "
        + CRITERION_STATUS_SQL.format(theme_id="NEW.theme_id")
        + " <> 'draft'",
        MESSAGE_CONTENT,
    ),
    "standards_criterion_delete_guard": _sqlite_trigger(
        "standards_criterion_delete_guard",
        "DELETE",
        "standards_criterion",
        CRITERION_STATUS_SQL.format(theme_id="OLD.theme_id") + " <> 'draft'",
        MESSAGE_CONTENT,
    ),
}

# --- PostgreSQL ---------------------------------------------------------------------------------

_pg_new = ", ".join(f"NEW.{c}" for c in FROZEN_COLUMNS)
_pg_old = ", ".join(f"OLD.{c}" for c in FROZEN_COLUMNS)


def _pg_raise(message: str) -> str:
    return f"RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = '{message}';"


POSTGRESQL_CREATE = [
    f"""
CREATE FUNCTION standards_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN {_pg_raise(MESSAGE_BORN_DRAFT)} END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN {_pg_raise(MESSAGE_DELETE)} END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        ROW({_pg_new}) IS DISTINCT FROM ROW({_pg_old})
        OR NOT (
            (NEW.status = OLD.status AND NEW.retired_at IS NOT DISTINCT FROM OLD.retired_at)
            OR (OLD.status = 'published' AND NEW.status = 'retired'
                AND NEW.retired_at IS NOT NULL)
        )
    ) THEN
        {_pg_raise(MESSAGE_VERSION)}
    END IF;
    RETURN NEW;
END;
$$""",
    """
CREATE TRIGGER standards_version_guard
BEFORE INSERT OR UPDATE OR DELETE ON standards_standardversion
FOR EACH ROW EXECUTE FUNCTION standards_version_guard()""",
    f"""
CREATE FUNCTION standards_theme_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND {VERSION_STATUS_SQL.format(version_id="OLD.version_id")} <> 'draft' THEN
        {_pg_raise(MESSAGE_CONTENT)}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND {VERSION_STATUS_SQL.format(version_id="NEW.version_id")} <> 'draft' THEN
        {_pg_raise(MESSAGE_CONTENT)}
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$""",
    """
CREATE TRIGGER standards_theme_guard
BEFORE INSERT OR UPDATE OR DELETE ON standards_theme
FOR EACH ROW EXECUTE FUNCTION standards_theme_guard()""",
    f"""
CREATE FUNCTION standards_criterion_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND {CRITERION_STATUS_SQL.format(theme_id="OLD.theme_id")} <> 'draft' THEN
        {_pg_raise(MESSAGE_CONTENT)}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND {CRITERION_STATUS_SQL.format(theme_id="NEW.theme_id")} <> 'draft' THEN
        {_pg_raise(MESSAGE_CONTENT)}
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$""",
    """
CREATE TRIGGER standards_criterion_guard
BEFORE INSERT OR UPDATE OR DELETE ON standards_criterion
FOR EACH ROW EXECUTE FUNCTION standards_criterion_guard()""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS standards_criterion_guard ON standards_criterion",
    "DROP FUNCTION IF EXISTS standards_criterion_guard()",
    "DROP TRIGGER IF EXISTS standards_theme_guard ON standards_theme",
    "DROP FUNCTION IF EXISTS standards_theme_guard()",
    "DROP TRIGGER IF EXISTS standards_version_guard ON standards_standardversion",
    "DROP FUNCTION IF EXISTS standards_version_guard()",
]


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        if create:
            return list(SQLITE_TRIGGERS.values())
        return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    if vendor == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    raise NotImplementedError(
        f"Immutability triggers are written for SQLite and PostgreSQL, not {vendor}."
    )


def create_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0002_versionevent_and_checks"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
