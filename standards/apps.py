from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "Standards"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this app's rules)
