from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from . import permissions  # noqa: F401  (registers this app's rules)
        from .throttle import clear_after_password_reset

        password_reset.connect(clear_after_password_reset, dispatch_uid="signin-throttle-reset")
