"""Write a version of a standard out as a qismet-standard/1 YAML file.

uv run python manage.py export_standard QIS-2020 2026.1 [-o path/to/file.yaml]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from standards.io import export_filename, standard_export
from standards.models import StandardVersion


class Command(BaseCommand):
    help = "Export a version of a standard as a qismet-standard/1 YAML file."

    def add_arguments(self, parser):
        parser.add_argument("code", help="The standard's code, e.g. QIS-2020.")
        parser.add_argument("number", help="The version number, e.g. 2026.1.")
        parser.add_argument(
            "-o", "--output", help="Where to write the file ('-' or nothing: standard output)."
        )

    def handle(self, *args, code: str, number: str, output: str | None, **options):
        version = (
            StandardVersion.objects.select_related("standard")
            .filter(standard__code=code, number=number)
            .first()
        )
        if version is None:
            known = ", ".join(
                StandardVersion.objects.filter(standard__code=code)
                .order_by("created_at")
                .values_list("number", flat=True)
            )
            hint = f" Its versions are: {known}." if known else " There is no such standard."
            raise CommandError(f"{code} has no version {number}.{hint}")
        text = standard_export(version=version)
        if not output or output == "-":
            self.stdout.write(text, ending="")
            return
        target = Path(output)
        if target.is_dir():
            target = target / export_filename(version)
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not write {target}: {error.strerror}.") from None
        self.stderr.write(self.style.SUCCESS(f"Wrote {target}"))
