"""Settings for the benchmarks only: the local settings, with the benchmark's URLs (the portal's
own URLs plus a reference page; see bench/urls.py). Never used by the portal itself."""

from qismet_portal.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the seeding sends emails
