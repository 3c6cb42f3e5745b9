from django.urls import include, path

from accounts.views import two_step_activate
from qismet_portal.health import health
from qismet_portal.home import home
from qismet_portal.views import robots_txt

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Staff MFA: allauth's set-up page, which also counts as the session's second factor.
    path("accounts/2fa/totp/activate/", two_step_activate, name="mfa_activate_totp"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("standards/", include("standards.urls")),
    path("providers/", include("providers.urls")),
    path("applications/", include("accreditation.urls")),
]

handler403 = "accounts.views.error_403"
handler404 = "accounts.views.error_404"
handler500 = "accounts.views.error_500"
