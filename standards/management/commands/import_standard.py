"""Load a standard file (format qismet-standard/1) as a new draft version, or publish it at once.

uv run python manage.py import_standard path/to/standard.yaml [--publish]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qismet_portal.exceptions import DomainError
from standards.io import StandardFileInvalid, standard_import
from standards.models import Criterion


class Command(BaseCommand):
    help = "Import a standard file (qismet-standard/1 YAML) as a new draft version."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The YAML file to import.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the new version at once (retiring the standard's current version).",
        )

    def handle(self, *args, path: str, publish: bool, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"There is no file at {file}.")
        try:
            version = standard_import(
                data=file.read_bytes(), user=None, publish=publish, source_name=file.name
            )
        except StandardFileInvalid as error:
            listing = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(
                f"{file.name} was not imported; nothing has been changed. "
                f"Fix these problems and try again:\n{listing}"
            ) from None
        except DomainError as error:
            raise CommandError(f"{file.name} was not imported: {error}") from None
        state = "published" if version.is_published else "imported as a draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"{version.standard.code} version {version.number} {state}: "
                f"{Criterion.objects.filter(theme__version=version).count()} criteria in 4 themes."
            )
        )
