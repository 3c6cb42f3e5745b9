from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = "Accreditation"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this app's rules)
