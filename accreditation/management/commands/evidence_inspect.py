"""Inspect stored evidence again and refresh each revision's content warnings.

Run after the inspection learns something new (or on files stored before it existed):
``manage.py evidence_inspect`` goes through every PDF revision; ``--application <pk>`` limits
it to one application. Revisions are read one at a time from storage; a missing file is
reported and skipped.
"""

from django.core.management.base import BaseCommand

from accreditation.models import EvidenceRevision
from accreditation.uploads import ACCEPTED, content_warnings


class Command(BaseCommand):
    help = "Inspect stored evidence files again and update their content warnings."

    def add_arguments(self, parser):
        parser.add_argument("--application", type=int, help="Only this application's files.")

    def handle(self, *args, application=None, **options):
        pdf_type = ACCEPTED["pdf"].content_type
        revisions = EvidenceRevision.objects.filter(content_type=pdf_type).order_by("pk")
        if application is not None:
            revisions = revisions.filter(document__application_id=application)
        checked = changed = missing = 0
        for revision in revisions.iterator(chunk_size=200):
            try:
                with revision.file.open("rb") as handle:
                    warnings = content_warnings(handle, "pdf")
            except FileNotFoundError:
                missing += 1
                self.stderr.write(
                    f"Missing from storage: revision {revision.pk} ({revision.file.name})"
                )
                continue
            checked += 1
            if warnings != revision.content_warnings:
                EvidenceRevision.objects.filter(pk=revision.pk).update(content_warnings=warnings)
                changed += 1
        self.stdout.write(
            f"Inspected {checked} PDF revision{'s' if checked != 1 else ''}: "
            f"{changed} changed, {missing} missing from storage."
        )
