from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from allauth.mfa.signals import authenticator_added

        from . import permissions  # noqa: F401  (registers this app's rules)
        from .throttle import clear_after_password_reset
        from .two_step import record_setup_as_authentication

        password_reset.connect(clear_after_password_reset, dispatch_uid="signin-throttle-reset")
        authenticator_added.connect(
            record_setup_as_authentication, dispatch_uid="two-step-setup-counts"
        )
