"""Make version 2026.2 of the demonstration standard from 2026.1 through the editing services.

uv run python manage.py revise_demonstration_standard [--draft] [--file path/to/changes.yaml]

The changes are read from standards/data/demonstration-2026.2-changes.yaml (format
qismet-standard-changes/1, described in standards/io/changes.py). ``manage.py demo`` does this
by itself; the command is for a database that already has the demonstration standard.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qismet_portal.exceptions import DomainError
from standards.io.changes import ChangeFileInvalid, standard_revise
from standards.models import Criterion
from standards.services import DEMONSTRATION_REVISION_PATH


class Command(BaseCommand):
    help = (
        "Apply the demonstration standard's change file: copy 2026.1, edit it through the "
        "services and publish 2026.2."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=str(DEMONSTRATION_REVISION_PATH),
            help="A change file to apply instead of the shipped one.",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Leave the new version as a draft to review and publish in the portal.",
        )

    def handle(self, *args, file: str, draft: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        try:
            version = standard_revise(
                data=path.read_bytes(), user=None, source_name=path.name, publish=not draft
            )
        except ChangeFileInvalid as error:
            listing = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(
                f"{path.name} was not applied; nothing has been changed:\n{listing}"
            ) from None
        except DomainError as error:
            raise CommandError(str(error)) from None
        state = "published" if version.is_published else "made as a draft"
        count = Criterion.objects.filter(theme__version=version).count()
        base = version.based_on.number if version.based_on else "?"
        self.stdout.write(
            self.style.SUCCESS(
                f"{version.standard.code} version {version.number} {state} from version "
                f"{base}: {count} criteria in 4 themes."
            )
        )
