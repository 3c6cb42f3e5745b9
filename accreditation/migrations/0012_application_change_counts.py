"""Each application's change count, kept by database triggers.

``accreditation_applicationchanges`` holds one row per application whose pages have changed at
least once. Every insert, update and delete of a row an application's pages show adds one to
that application's count (and to the count of any renewal of it, whose pages show the
application renewed): the application itself, everything that belongs to it, its programme and
organisation, the organisation's memberships, its standard and the standard's versions, and the
name, email address, job title, role, active or superuser flag of anyone working on it or named
in its history (a member of its organisation, an assessor assigned to it, a reviewer of its
appeal, whoever acted on it). The cached pages (``accreditation.kept_pages``) are kept under the
count.

On PostgreSQL the triggers are deferred constraint triggers: they run at commit, so the count's
row is locked for the instant of the commit only, not while the transaction goes on to wait for
other locks; one statement raises its counts in the order of the applications' ids. SQLite has
one writer at a time; its triggers run with the statement. A full flush (tests) works as for the
other triggers: PostgreSQL's TRUNCATE fires none, and on SQLite ``flush`` drops and recreates the
``accreditation_`` triggers around it.

The SQL is written out here rather than imported from the app, so the migration keeps meaning
what it meant when it was written.
"""

from django.db import migrations, models

# Each table, and a query of the applications a row of it is shown with ({row} is NEW or OLD).
# "direct": the row's own application_id column.
DIRECT = "SELECT {row}.application_id"
SHOWN_WITH = {
    # An application and the one it renews (whose pages say a renewal has started).
    "accreditation_application": "SELECT {row}.id UNION SELECT {row}.renewal_of_id",
    "accreditation_applicationevent": DIRECT,
    "accreditation_response": DIRECT,
    "accreditation_evidencedocument": DIRECT,
    "accreditation_evidencerevision": (
        "SELECT application_id FROM accreditation_evidencedocument WHERE id = {row}.document_id"
    ),
    "accreditation_evidencelink": (
        "SELECT application_id FROM accreditation_response WHERE id = {row}.response_id"
    ),
    "accreditation_assignment": DIRECT,
    "accreditation_score": (
        "SELECT application_id FROM accreditation_assignment WHERE id = {row}.assignment_id"
    ),
    "accreditation_informationrequest": DIRECT,
    "accreditation_informationrequest_criteria": (
        "SELECT application_id FROM accreditation_informationrequest "
        "WHERE id = {row}.informationrequest_id"
    ),
    "accreditation_submissionrecord": DIRECT,
    "accreditation_submittedanswer": (
        "SELECT application_id FROM accreditation_submissionrecord WHERE id = {row}.record_id"
    ),
    "accreditation_submittedevidence": (
        "SELECT r.application_id FROM accreditation_submittedanswer a "
        "JOIN accreditation_submissionrecord r ON r.id = a.record_id WHERE a.id = {row}.answer_id"
    ),
    "accreditation_agreedscore": DIRECT,
    "accreditation_recommendation": DIRECT,
    "accreditation_decision": DIRECT,
    "accreditation_condition": DIRECT,
    "accreditation_condition_evidence": (
        "SELECT application_id FROM accreditation_condition WHERE id = {row}.condition_id"
    ),
    "accreditation_appeal": DIRECT,
    "accreditation_appeal_reviewers": (
        "SELECT application_id FROM accreditation_appeal WHERE id = {row}.appeal_id"
    ),
    "accreditation_report": DIRECT,
    "accreditation_factualaccuracycomment": (
        "SELECT application_id FROM accreditation_report WHERE id = {row}.report_id"
    ),
    "accreditation_certificate": DIRECT,
    "accreditation_certificateevent": (
        "SELECT application_id FROM accreditation_certificate WHERE id = {row}.certificate_id"
    ),
    "accreditation_certificatereminder": (
        "SELECT application_id FROM accreditation_certificate WHERE id = {row}.certificate_id"
    ),
    "providers_programme": "SELECT id FROM accreditation_application WHERE programme_id = {row}.id",
    "providers_organisation": (
        "SELECT a.id FROM accreditation_application a "
        "JOIN providers_programme p ON p.id = a.programme_id WHERE p.organisation_id = {row}.id"
    ),
    "providers_membership": (
        "SELECT a.id FROM accreditation_application a JOIN providers_programme p "
        "ON p.id = a.programme_id WHERE p.organisation_id = {row}.organisation_id"
    ),
    # The standard's name, and its versions: a certificate's page offers its renewal against
    # the standard's current published version, so publishing or retiring one raises the
    # count of every application of that standard (a rare event).
    "standards_standard": (
        "SELECT a.id FROM accreditation_application a "
        "JOIN standards_standardversion v ON v.id = a.version_id WHERE v.standard_id = {row}.id"
    ),
    "standards_standardversion": (
        "SELECT a.id FROM accreditation_application a "
        "JOIN standards_standardversion v ON v.id = a.version_id "
        "WHERE v.standard_id = {row}.standard_id"
    ),
    # People: only a change of what pages show of them, and only where they work or acted (an
    # administrator who returned the application, cancelled a request, decided, …: every such
    # step is in the application's or its certificate's history, with its actor).
    "accounts_user": (
        "SELECT a.id FROM accreditation_application a "
        "JOIN providers_programme p ON p.id = a.programme_id "
        "JOIN providers_membership m ON m.organisation_id = p.organisation_id "
        "WHERE m.user_id = {row}.id "
        "UNION SELECT application_id FROM accreditation_assignment WHERE assessor_id = {row}.id "
        "UNION SELECT ap.application_id FROM accreditation_appeal ap "
        "JOIN accreditation_appeal_reviewers r ON r.appeal_id = ap.id WHERE r.user_id = {row}.id "
        "UNION SELECT application_id FROM accreditation_applicationevent "
        "WHERE actor_id = {row}.id "
        "UNION SELECT c.application_id FROM accreditation_certificateevent e "
        "JOIN accreditation_certificate c ON c.id = e.certificate_id WHERE e.actor_id = {row}.id"
    ),
}
USER_FIELDS_SHOWN = ("full_name", "email", "job_title", "role", "is_active", "is_superuser")


def _name(table: str) -> str:
    return f"accreditation_changes_{table}"


def _count_sql(ids: str) -> str:
    """Add one to the count of the applications in ``ids`` (a query) and of their renewals,
    in the order of their ids (so two commits raising several counts lock them in the same
    order). Every piece is a constant of this module: nothing here comes from outside."""
    return (
        "INSERT INTO accreditation_applicationchanges (application_id, count) "  # noqa: S608
        f"SELECT a.id, 1 FROM accreditation_application a WHERE a.id IN ({ids}) "
        f"OR a.renewal_of_id IN ({ids}) ORDER BY a.id "
        "ON CONFLICT (application_id) DO UPDATE "
        "SET count = accreditation_applicationchanges.count + 1"
    )


def _sqlite_statements(*, create: bool) -> list[str]:
    statements = []
    for table, shown_with in SHOWN_WITH.items():
        operations = ("UPDATE",) if table == "accounts_user" else ("INSERT", "UPDATE", "DELETE")
        for operation in operations:
            name = f"{_name(table)}_{operation.lower()}"
            if not create:
                statements.append(f"DROP TRIGGER IF EXISTS {name}")
                continue
            rows = {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[operation]
            ids = " UNION ".join(shown_with.format(row=row) for row in rows)
            when = ""
            if table == "accounts_user":
                when = "WHEN " + " OR ".join(
                    f"OLD.{field} IS NOT NEW.{field}" for field in USER_FIELDS_SHOWN
                )
            statements.append(
                f"CREATE TRIGGER {name} AFTER {operation} ON {table} FOR EACH ROW {when} "
                f"BEGIN {_count_sql(ids)}; END"
            )
    return statements


def _postgresql_statements(*, create: bool) -> list[str]:
    if not create:
        return [
            statement
            for table in SHOWN_WITH
            for statement in (
                f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}",
                f"DROP FUNCTION IF EXISTS {_name(table)}()",
            )
        ]
    statements = []
    for table, shown_with in SHOWN_WITH.items():
        old, new = shown_with.format(row="OLD"), shown_with.format(row="NEW")
        statements.append(
            f"""
CREATE FUNCTION {_name(table)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {_count_sql(old)};
    ELSIF TG_OP = 'INSERT' THEN
        {_count_sql(new)};
    ELSE
        {_count_sql(f"{old} UNION {new}")};
    END IF;
    RETURN NULL;
END;
$$"""
        )
        if table == "accounts_user":
            events = "UPDATE"
            when = (
                "WHEN ("
                + " OR ".join(
                    f"OLD.{field} IS DISTINCT FROM NEW.{field}" for field in USER_FIELDS_SHOWN
                )
                + ")"
            )
        else:
            events, when = "INSERT OR UPDATE OR DELETE", ""
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {_name(table)} AFTER {events} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} "
            f"EXECUTE FUNCTION {_name(table)}()"
        )
    return statements


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return _sqlite_statements(create=create)
    if vendor == "postgresql":
        return _postgresql_statements(create=create)
    raise NotImplementedError(f"Change counts are written for SQLite and PostgreSQL, not {vendor}.")


def create_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accreditation", "0011_information_request_cancel"),
        ("accounts", "0002_notifications"),
        ("providers", "0007_account_request_edit"),
        ("standards", "0006_criterion_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApplicationChanges",
            fields=[
                ("application_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "application change count",
                "verbose_name_plural": "application change counts",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
