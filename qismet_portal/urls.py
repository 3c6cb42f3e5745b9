from django.urls import include, path

from accounts.views import passkey_add, passkey_reauthenticate, passkey_remove, two_step_activate
from qismet_portal.dashboard import applications_csv, dashboard
from qismet_portal.health import health
from qismet_portal.home import home
from qismet_portal.views import robots_txt

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/applications.csv", applications_csv, name="applications_csv"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Staff MFA: allauth's set-up pages, which also count as the session's second factor; passkey
    # removal that keeps staff's last second factor; the passkey page that says a refusal itself.
    path("accounts/2fa/totp/activate/", two_step_activate, name="mfa_activate_totp"),
    path("accounts/2fa/webauthn/add/", passkey_add, name="mfa_add_webauthn"),
    path(
        "accounts/2fa/webauthn/reauthenticate/",
        passkey_reauthenticate,
        name="mfa_reauthenticate_webauthn",
    ),
    path("accounts/2fa/webauthn/keys/<int:pk>/remove/", passkey_remove, name="mfa_remove_webauthn"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("standards/", include("standards.urls")),
    path("providers/", include("providers.urls")),
    path("applications/", include("accreditation.urls")),
    path("", include("accreditation.register_urls")),
]

handler403 = "accounts.views.error_403"
handler404 = "accounts.views.error_404"
handler500 = "accounts.views.error_500"
