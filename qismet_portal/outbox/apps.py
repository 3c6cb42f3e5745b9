from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "qismet_portal.outbox"
    label = "outbox"
    verbose_name = "Queued work"
