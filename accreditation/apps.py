from django.apps import AppConfig


def _programme_lock(programme) -> str:
    """While QISMET has an application of the programme, its details stay as declared."""
    from accreditation.models import PROGRAMME_LOCKED_STATUSES, Application

    application = (
        Application.objects.filter(programme=programme, status__in=PROGRAMME_LOCKED_STATUSES)
        .only("reference", "status")
        .first()
    )
    if application is None:
        return ""
    return (
        f"“{programme.name}” has an application with QISMET ({application.reference}, "
        f"{application.get_status_display().lower()}), so its details cannot change until "
        "QISMET has finished with it. Contact QISMET if something is wrong."
    )


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = "Accreditation"

    def ready(self) -> None:
        from django.test.signals import setting_changed

        from accounts.models import Role
        from accounts.services import register_account_setup
        from providers.locks import register_programme_lock

        from . import permissions  # noqa: F401  (registers this app's rules)
        from .kept_pages import forget_kept_pages
        from .services.assignments import assessor_profile_ensure

        register_programme_lock(_programme_lock)
        # Every new assessor gets an assessor profile with their account.
        register_account_setup(Role.ASSESSOR, assessor_profile_ensure)
        # Kept pages show settings; a test that overrides one must not be shown an old page.
        setting_changed.connect(forget_kept_pages, dispatch_uid="forget_kept_pages")
