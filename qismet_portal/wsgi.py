"""WSGI entry point (gunicorn qismet_portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qismet_portal.settings.production")

application = get_wsgi_application()
