"""Django's ``flush``, made to work with the immutability triggers on SQLite.

A flush empties every table on purpose. PostgreSQL does it with TRUNCATE, which does not fire the
row triggers that keep published versions immutable and an application's history and submission
records append-only; SQLite deletes row by row, so those triggers would refuse (and test runs
that flush between tests, such as browser tests on the live server, would fail). On SQLite this
command drops the standards and accreditation triggers, flushes and recreates them from their
stored definitions, all in one transaction: a failure leaves the triggers in place.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction


class Command(flush.Command):
    def handle(self, **options):
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=database):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                    "(name LIKE 'standards\\_%' ESCAPE '\\' "
                    "OR name LIKE 'accreditation\\_%' ESCAPE '\\')"
                )
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
            result = super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
        return result
