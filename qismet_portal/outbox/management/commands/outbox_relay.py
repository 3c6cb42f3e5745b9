from django.core.management.base import BaseCommand

from qismet_portal.outbox.services import outbox_relay


class Command(BaseCommand):
    help = "Hand queued work that is still waiting (for example after a broker outage) to Celery."

    def handle(self, *args, **options):
        published = outbox_relay()
        self.stdout.write(f"Published {published} queued task(s).")
