"""Production: PostgreSQL, Redis, whitenoise, HTTPS. Refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the host(s) the portal answers on.")
DEBUG = False
# The demo aid that prints two-step codes on screen is never allowed here.
if env.bool("QISMET_DEMO_SHOW_TWO_STEP_CODE", default=False):
    raise ImproperlyConfigured(
        "QISMET_DEMO_SHOW_TWO_STEP_CODE shows sign-in codes on screen: it is for the demo only."
    )
TWO_STEP_DEMO_SHOW_CODE = False

# Redis is the shared cache (sign-in throttling counts across every web process) and the Celery
# broker: without it, limits would be per process and emails would be sent inside web requests.
if not env("REDIS_URL", default=""):
    raise ImproperlyConfigured("REDIS_URL must point at the Redis server (cache and task queue).")
# Behind the TLS proxy, per-address limits must count people, not the proxy: set
# DJANGO_TRUSTED_PROXIES to the proxy's network (docker-compose.yml does). Without it,
# X-Forwarded-For is ignored and every request counts as coming from its direct peer.

# Production runs on PostgreSQL: no silent fall-back to the embedded SQLite file.
DATABASES["default"] = {  # noqa: F405
    **env.db("DATABASE_URL"),
    "CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=60),
    "CONN_HEALTH_CHECKS": True,
}

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
