"""The Celery application.

Workers start with ``celery -A qismet_portal worker``. Configuration comes from Django settings
under the ``CELERY_`` prefix, which in turn come from environment variables (see settings/base.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qismet_portal.settings.local")

app = Celery("qismet_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Infrastructure tasks live in the project package, which is not an installed app.
app.conf.imports = ("qismet_portal.tasks",)
