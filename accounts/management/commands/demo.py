"""Run the portal on the embedded default with demonstration data and logins.

uv run manage.py demo            # migrate, load demo data, print logins, serve on :8000
uv run manage.py demo --no-serve # set up only
"""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_people_create
from qismet_portal.exceptions import DomainError


class Command(BaseCommand):
    help = "Set up the embedded demonstration portal (SQLite, demo standard, demo logins) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up, print logins and stop."
        )
        parser.add_argument(
            "--allow-any-database",
            action="store_true",
            help="Run on a database other than the embedded SQLite file (a test server, say).",
        )

    def handle(self, *args, addrport: str, no_serve: bool, allow_any_database: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "The demo sets known passwords, so it only runs with DJANGO_DEBUG on."
            )
        if connection.vendor != "sqlite" and not allow_any_database:
            raise CommandError(
                "The demo resets the passwords of its demo accounts, so it only runs on the embedded "
                "SQLite database. Add --allow-any-database to run it against "
                f"{connection.settings_dict.get('NAME')} all the same."
            )
        if os.environ.get("RUN_MAIN") != "true":  # the autoreloader's child process skips set-up
            self._set_up(addrport)
        if not no_serve:
            call_command("runserver", addrport)

    def _set_up(self, addrport: str) -> None:
        from standards.selectors import published_versions
        from standards.services import (
            demonstration_edition_load,
            demonstration_revision_publish,
        )

        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        version = demonstration_edition_load()
        logins = demo_people_create()
        # Applications at every stage, made through every app's services (project layer). They
        # are started against 2026.1 while it is still the published version, so they stay
        # pinned to it once 2026.2 replaces it; a database where 2026.2 is already out keeps
        # the applications it has.
        from qismet_portal.demo_journey import demo_journey_create

        made = (
            demo_journey_create(version=version, password=DEMO_PASSWORD)
            if version.is_published
            else []
        )
        # Then the revision, made through the editing services from its change file: new
        # applications start against it. If someone has since published another version of the
        # demonstration standard, the demo runs on that one and says why 2026.2 was not made.
        try:
            current = demonstration_revision_publish()
        except DomainError as error:
            current = (
                published_versions().filter(standard_id=version.standard_id).first() or version
            )
            self.stdout.write(self.style.WARNING(f"  The revision was not applied: {error}"))
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(self.style.SUCCESS("\nQISMET accreditation portal (demonstration)"))
        self.stdout.write(
            f"  Standard: {current} (new applications); the demo applications use version "
            f"{version.number}"
        )
        for line in made:
            self.stdout.write(f"  Demo application {line}")
        self.stdout.write(f"  Open http://{host}/ and sign in with any of these:")
        width = max(len(login.email) for login in logins)
        for login in logins:
            self.stdout.write(f"    {login.email.ljust(width)}  {login.description}")
        self.stdout.write(f"  Password for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(
            f"  Signed out, anyone can open the register (http://{host}/register/) and verify a\n"
            f"  certificate (http://{host}/verify/)."
        )
        self.stdout.write(
            "  The administrator and assessors also give a two-step code: the code page shows\n"
            "  today's code in this demo, or add this key to an authenticator app: "
            f"{DEMO_TOTP_SECRET}"
        )
        if not host.startswith("localhost:"):
            port = host.rsplit(":", 1)[1]
            self.stdout.write(
                f"  To try passkeys, open http://localhost:{port}/ instead: a passkey belongs to a\n"
                "  site's name, never to a numeric address."
            )
        self.stdout.write("  Emails (password resets, invitations) are printed in this terminal.\n")
