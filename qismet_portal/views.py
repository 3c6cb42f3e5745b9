"""Pages of the site as a whole rather than of one app."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

#: Crawled: the public home page, the register, verification and the public request form.
#: Everything else needs an account, or is reached from an emailed link, and is no business of
#: search engines.
PUBLIC_UNDER_PRIVATE = ("providers:account_request", "standards:about")
#: Public at the top level, named so that nobody mistakes them for private ones: the register of
#: accredited programmes and the verification of a certificate (page and JSON).
PUBLIC_PAGES = ("register:register", "register:verify")
PRIVATE_PREFIXES = (
    "/accounts/",
    "/applications/",
    "/providers/",
    "/standards/",
    "/profile/",
    "/assessors/",
    "/health/",
)


@require_GET
@cache_control(max_age=24 * 3600, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    lines += [f"Allow: {reverse(name)}" for name in (*PUBLIC_UNDER_PRIVATE, *PUBLIC_PAGES)]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
