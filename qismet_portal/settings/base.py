"""Settings shared by every environment. Everything that varies comes from environment variables.

See .env.example for the full list. Environment modules (local, test, production) only change
defaults; none of them holds a secret.
"""

import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
# A .env file is read only on request, so a compose .env beside the code never leaks into local runs.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False) and (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Runtime data of the embedded default (SQLite file, private media) lives in one ignored folder.
DATA_DIR = env.path("QISMET_DATA_DIR", default=str(BASE_DIR / ".data"))
Path(DATA_DIR).mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed when they are the
# direct peer (qismet_portal/client_ip.py). Empty: the peer address is the client, always.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {error}") from None

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_htmx",
    "rules",
    "accounts",
    "standards",
    "providers",
    "accreditation",
    "qismet_portal.outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so static files get Permissions-Policy too (they never carry a user).
    "qismet_portal.middleware.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: staff reach nothing but sign-out and the two-step pages until they
    # have signed in with their second factor (accounts/two_step.py says exactly what is open).
    "accounts.two_step.StaffTwoStepMiddleware",
]

ROOT_URLCONF = "qismet_portal.urls"
WSGI_APPLICATION = "qismet_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qismet_portal.context_processors.portal",
                "accounts.context_processors.notifications",
            ],
            "libraries": {
                "portal_forms": "qismet_portal.templatetags.portal_forms",
                "portal_layout": "qismet_portal.templatetags.portal_layout",
            },
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{Path(DATA_DIR) / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # A Redis outage must not take pages down: errors become logged cache misses, and short
    # timeouts keep a Redis that does not answer from holding up each request. Sessions then come
    # from the database; throttling falls back as qismet_portal/cache.py and accounts/throttle.py say.
    CACHES = {
        "default": {
            "BACKEND": "qismet_portal.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "qismet",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CACHE_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_CACHE_TIMEOUT", default=0.5),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# What can never change once written (a submission record's answers and the files they name:
# the database refuses any change to them) is kept by each process once read, so the pages that
# show it ask the database once. Local memory in every environment: nothing is ever invalidated,
# so nothing needs sharing between processes, and a Redis outage cannot touch it.
CACHES["immutable"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "immutable",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": env.int("IMMUTABLE_CACHE_ENTRIES", default=4000)},
}
# Application pages, each kept under its application's change count (accreditation.kept_pages):
# a kept page is never stale, so each process keeps its own and nothing is shared or invalidated.
# At most KEPT_PAGE_ENTRIES pages (about 30 kB each) a process; KEPT_PAGE_SECONDS=0 keeps none.
KEPT_PAGE_SECONDS = env.int("KEPT_PAGE_SECONDS", default=600)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": env.int("KEPT_PAGE_ENTRIES", default=1000)},
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's, loading the user with their unread notification count.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# Password-reset and invitation links stay valid for this long (seconds).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
LOGIN_REDIRECT_URL = "home"

# django-allauth: email + password sign-in; accounts are created by administrators (and, later,
# approved provider requests), so public sign-up is closed in the adapter.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = None
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[QISMET] "
# Throttling. Sign-in is throttled by accounts/throttle.py, not by allauth (whose per-account limit
# let anyone lock a known account): failed sign-ins as (failures, seconds) per account *and* client
# address, per address across all accounts, and a much higher ceiling per account across all
# addresses. Reaching the ceiling emails the owner a link, valid SIGNIN_UNLOCK_LINK_MAX_AGE
# seconds, that lifts it. allauth still limits password-reset emails and password changes.
SIGNIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = (5, 15 * 60)
SIGNIN_FAILURES_PER_ADDRESS = (30, 15 * 60)
SIGNIN_FAILURES_PER_ACCOUNT = (50, 60 * 60)
SIGNIN_UNLOCK_LINK_MAX_AGE = 60 * 60
# "login_failed" no longer limits passwords (the adapter's own pre_authenticate replaces allauth's),
# but allauth.mfa counts wrong two-step codes under it, per account ("key") and per address.
ACCOUNT_RATE_LIMITS = {
    "login": "",
    "login_failed": "20/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# Two-step verification (django-allauth MFA). Administrators and assessors must use it before they
# reach anything (accounts/two_step.py); provider users may turn it on from their profile.
# The second factor is an authenticator app (TOTP) or a passkey (WebAuthn), or both; recovery codes
# come with either.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# Passkey sign-in: a passkey the owner chose to use "without a password" signs them in on its own,
# from the sign-in page. allauth asks the device to check it is its owner (fingerprint, face, PIN
# or screen lock) every time, so the passkey is two factors in one: allauth records the sign-in as
# a second-factor step (method "mfa", passwordless), which is what accounts/two_step.py asks of
# staff, and skips the code step. An inactive account is refused as with a password. The portal's
# own password throttle (accounts/throttle.py) does not apply, as there is no secret to guess;
# allauth limits passkey sign-in attempts per address ("webauthn_login", 10 a minute).
MFA_PASSKEY_LOGIN_ENABLED = True
# Passkeys need a secure origin: HTTPS, or http://localhost (which the browser tests and the demo
# use). allauth's MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN would stop checking the origin altogether, so
# it stays off everywhere; 127.0.0.1 is not a name a passkey can belong to: use localhost.
MFA_TOTP_ISSUER = "QISMET portal"
MFA_TOTP_TOLERANCE = 1  # accept the code either side of now: phone clocks drift
MFA_RECOVERY_CODE_COUNT = 10
# Addresses are never "verified" in allauth's sense here (ACCOUNT_EMAIL_VERIFICATION is "none"):
# accounts are made by administrators and set up from a link emailed to that address.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_FORMS = {
    "authenticate": "accounts.forms.TwoStepAuthenticateForm",
    "reauthenticate": "accounts.forms.TwoStepReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
    "add_webauthn": "accounts.forms.AddPasskeyForm",
    "edit_webauthn": "accounts.forms.RenamePasskeyForm",
    "authenticate_webauthn": "accounts.forms.PasskeyAuthenticateForm",
    "reauthenticate_webauthn": "accounts.forms.PasskeyReauthenticateForm",
    "login_webauthn": "accounts.forms.PasskeyLoginForm",
}
#: Roles that must sign in with a second factor.
TWO_STEP_REQUIRED_ROLES = ["administrator", "assessor"]
#: Demo aid: the two-step page shows today's code for the demo accounts (whose secret is
#: published in accounts/demo.py). Only ever on in the embedded demo (local settings with DEBUG);
#: production settings refuse to start with it on, and the page also checks DEBUG.
TWO_STEP_DEMO_SHOW_CODE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(Path(DATA_DIR) / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("PRIVATE_MEDIA_ROOT", default=str(Path(DATA_DIR) / "private"))
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Private media is never served by URL: no route and no web server maps MEDIA_URL; evidence and
# reports go out only through permission-checking views.
MEDIA_URL = "/media/"

MAX_STANDARD_FILE_BYTES = env.int("QISMET_MAX_STANDARD_FILE_BYTES", default=2 * 1024 * 1024)

# Evidence uploads
# Limits are explicit (accreditation/uploads.py reads them). Files stream to a temporary file in
# EVIDENCE_UPLOAD_TEMP_DIR (default: a ".incoming" folder inside the private storage, so the
# finished file is moved into place by a rename, never copied) and are hashed while written.
EVIDENCE_MAX_FILE_BYTES = env.int("EVIDENCE_MAX_FILE_MB", default=50) * 1024 * 1024
EVIDENCE_APPLICATION_QUOTA_BYTES = (
    env.int("EVIDENCE_APPLICATION_QUOTA_MB", default=1024) * 1024 * 1024
)
EVIDENCE_MAX_FILES_PER_UPLOAD = env.int("EVIDENCE_MAX_FILES_PER_UPLOAD", default=20)
EVIDENCE_UPLOAD_CHUNK_BYTES = 1024 * 1024
EVIDENCE_UPLOAD_TEMP_DIR: str | None = None
# Office and OpenDocument files are zip archives: limits read from the central directory only.
EVIDENCE_ZIP_MAX_ENTRIES = 5000
EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
EVIDENCE_ZIP_MAX_RATIO = 200

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="QISMET portal <portal@qismet.org.uk>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Operations", a) for a in env.list("DJANGO_ADMINS", default=[])]

# Content-Security-Policy: no inline script or style anywhere; every asset is served from here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy (qismet_portal/middleware.py): the portal uses none of these browser features,
# so no page, nor anything framed or injected into one, may ask for them.
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
# ...and these only the portal's own pages may use (never a page of another site framed in one):
# creating a passkey and signing in with one.
PERMISSIONS_POLICY_SELF = [
    "publickey-credentials-create",
    "publickey-credentials-get",
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis in production) and written through to the database, so
# a signed-in request costs no session query while sessions still survive a cache flush.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = True

# Celery. With no REDIS_URL (the embedded default) tasks run in-process, so nothing needs installing.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
# Long tasks (PDF rendering): a task is acknowledged only when done, comes back if its worker dies,
# and a worker takes one task at a time. Redis redelivers an unacknowledged task after the
# visibility timeout, so every time limit stays well below it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": VISIBILITY_TIMEOUT}
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=10 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Work is queued through the transactional outbox (qismet_portal/outbox): a broker that is down
# leaves it in the database, so publishing gives up quickly rather than holding up a request.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2)
CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
# A message handed to the broker but not run after this long is published again (the broker lost
# it); the task side runs it at most once whatever happens. Seconds, above the visibility timeout.
OUTBOX_REPUBLISH_AFTER_SECONDS = env.int(
    "OUTBOX_REPUBLISH_AFTER_SECONDS", default=VISIBILITY_TIMEOUT + 3600
)
CELERY_TASK_DEFAULT_QUEUE = "default"
# PDF renders have a queue of their own (and, in docker-compose.yml, workers of their own), so a
# long render never delays an email.
CELERY_TASK_ROUTES = {"accreditation.report_tasks.report_render": {"queue": "reports"}}
CELERY_BEAT_SCHEDULE: dict = {
    "evidence-sweep-stale-uploads": {
        "task": "accreditation.tasks.evidence_sweep_stale_uploads",
        "schedule": 6 * 3600,
    },
    "outbox-relay": {"task": "qismet_portal.outbox.relay", "schedule": 60},
    # Requests for more information past their due date: flagged once each, every morning.
    "information-requests-overdue": {
        "task": "accreditation.tasks.information_requests_overdue",
        "schedule": crontab(hour=7, minute=0),
    },
    # Daily: each draft report whose factual-accuracy window ended is flagged once.
    "factual-accuracy-windows-ended": {
        "task": "accreditation.tasks.factual_accuracy_windows_ended",
        "schedule": crontab(hour=7, minute=0),
    },
    # Renders lost on the way (a message that never ran, a worker that died) are queued again.
    "reports-sweep": {"task": "accreditation.report_tasks.reports_sweep", "schedule": 60},
    # Daily: each condition past its deadline is flagged once (history, email, notification).
    "conditions-overdue": {
        "task": "accreditation.tasks.conditions_overdue",
        "schedule": crontab(hour=7, minute=0),
    },
    # Daily, just after midnight: certificates past their last valid day become expired (the
    # public pages already say so from that day; this records it, once).
    "certificates-expire": {
        "task": "accreditation.certificate_tasks.certificates_expire",
        "schedule": crontab(hour=0, minute=15),
    },
    # Daily: reminders to the provider's leads before a certificate expires, once each.
    "certificate-reminders": {
        "task": "accreditation.certificate_tasks.certificate_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
}
assert CELERY_TASK_TIME_LIMIT < VISIBILITY_TIMEOUT, "time limit must be below visibility"

# Reports (accreditation/services/reports.py): rendered by workers on the "reports" queue.
# A render is stopped after REPORT_RENDER_TIME_LIMIT seconds (it then fails with a plain
# message and can be asked for again). While rendering, the worker writes a heartbeat every
# REPORT_HEARTBEAT_SECONDS; a render whose heartbeat is older than
# REPORT_HEARTBEAT_TIMEOUT_SECONDS is taken over (its worker died). Queued renders that have not
# started after REPORT_REQUEUE_AFTER_SECONDS are queued again by the sweeper.
# The provider's factual-accuracy check of a shared draft report lasts this many working days
# (England and Wales bank holidays counted).
FACTUAL_ACCURACY_WORKING_DAYS = env.int("FACTUAL_ACCURACY_WORKING_DAYS", default=10)
REPORT_RENDER_TIME_LIMIT = env.int("REPORT_RENDER_TIME_LIMIT", default=300)
REPORT_HEARTBEAT_SECONDS = env.float("REPORT_HEARTBEAT_SECONDS", default=5)
REPORT_HEARTBEAT_TIMEOUT_SECONDS = env.int("REPORT_HEARTBEAT_TIMEOUT_SECONDS", default=30)
REPORT_REQUEUE_AFTER_SECONDS = env.int("REPORT_REQUEUE_AFTER_SECONDS", default=600)
# A render whose worker died this many times (killed, out of memory) is marked failed.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# Certificates (accreditation/services/certificates.py): the provider's leads are reminded this
# many days before a certificate's last valid day, once for each number.
# A provider may start the renewal of an active certificate from this many days before it expires.
RENEWAL_OPENS_DAYS_BEFORE_EXPIRY = env.int("RENEWAL_OPENS_DAYS_BEFORE_EXPIRY", default=180)
CERTIFICATE_REMINDER_DAYS = env.list("CERTIFICATE_REMINDER_DAYS", cast=int, default=[90, 30, 7])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint says "Creating layout - Page N" for every page it lays out: not news.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

PORTAL_NAME = "QISMET accreditation portal"

# Provider organisations: how long an emailed invitation works, and how many public account
# requests one address may send in an hour.
PROVIDER_INVITATION_EXPIRY_DAYS = env.int("PROVIDER_INVITATION_EXPIRY_DAYS", default=7)
PROVIDER_ACCOUNT_REQUESTS_PER_HOUR = env.int("PROVIDER_ACCOUNT_REQUESTS_PER_HOUR", default=5)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Changes to a criterion's answer by one person within this many minutes of their previous change
# show as one line in the application's history (autosave writes every few seconds of typing).
ANSWER_HISTORY_MERGE_MINUTES = env.int("ANSWER_HISTORY_MERGE_MINUTES", default=5)
# A provider may appeal a decision until this many days after the day it was made (that day
# included: decided on 1 March, the last day to appeal is 29 March with the default).
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=28)
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
