"""The portal's URLs plus ``/bench/reference/``, for the benchmarks only (bench/settings.py).

The reference is the least a signed-in page can cost: it goes through the same middleware (the
session is loaded, the user read), then answers a few bytes without a template or a query of
its own. A page's requests per second and latency, set against it, show what the page's own
work costs.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_required
def reference(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"signed in as {request.user.pk}\n", content_type="text/plain")


urlpatterns = [
    path("bench/reference/", reference, name="bench_reference"),
    path("", include("qismet_portal.urls")),
]

handler403 = "accounts.views.error_403"
handler404 = "accounts.views.error_404"
handler500 = "accounts.views.error_500"
