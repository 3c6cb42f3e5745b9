from django.urls import include, path

from qismet_portal.health import health
from qismet_portal.home import home
from qismet_portal.views import robots_txt

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("standards/", include("standards.urls")),
    path("providers/", include("providers.urls")),
    path("applications/", include("accreditation.urls")),
]

handler403 = "accounts.views.error_403"
handler404 = "accounts.views.error_404"
handler500 = "accounts.views.error_500"
