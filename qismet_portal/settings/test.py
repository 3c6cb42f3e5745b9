"""Test settings. DATABASE_URL and REDIS_URL, when set (as in CI), point at real services."""

import os
import re

from .base import *  # noqa: F403
from .base import REDIS_URL, env

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker process started by a test writes its emails to files the test can read.
if os.environ.get("QISMET_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["QISMET_TEST_EMAIL_DIR"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Tests call tasks through the same on_commit path as production; a worker test overrides this.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# Parallel test processes (pytest-xdist) each get their own Redis database for the cache, so one
# process's cache.clear() (a FLUSHDB) never wipes the counters another is in the middle of using.
# Databases 1-13; 0 is REDIS_URL's own and 15 belongs to the worker and infrastructure tests.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and re.fullmatch(r"gw\d+", _xdist_worker):
    CACHES["default"]["LOCATION"] = re.sub(  # noqa: F405
        r"(/\d*)?$", f"/{1 + int(_xdist_worker[2:]) % 13}", REDIS_URL.rstrip("/"), count=1
    )
