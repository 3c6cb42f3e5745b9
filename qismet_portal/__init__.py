"""Project package: settings, URL routing, the Celery app and shared building blocks.

It holds no domain logic: that lives in ``standards``, ``providers``, ``accreditation``
and ``accounts``.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
