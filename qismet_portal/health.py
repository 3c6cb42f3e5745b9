"""The health endpoint: what an orchestrator needs to know about each dependency.

``GET /health/`` answers JSON such as
``{"status": "degraded", "checks": {"database": "ok", "cache": "failed", "broker": "failed"}}``.

- 503 when the database cannot be reached: the portal cannot serve anything, so a load balancer
  should stop sending it people.
- 200 with ``"degraded"`` when only Redis (cache or broker) is down: pages still work (sessions
  fall back to the database, queued work waits in the outbox), and restarting web containers
  would not bring Redis back. Monitoring should alert on ``degraded``.
- ``GET /health/?strict`` answers 503 whenever any check fails, for readiness probes that
  should take a container out of service until every dependency is back.

Each check is short (the cache and broker use timeouts of a second or two) and reports only
``ok``, ``failed`` or ``not used``; errors go to the log, never into the response.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from qismet_portal.celery import app as celery_app

logger = logging.getLogger(__name__)

OK, FAILED, NOT_USED = "ok", "failed", "not used"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database cannot be reached")
        return FAILED
    return OK


def check_cache() -> str:
    """Write, read back and delete a key of its own: the cache hides its errors as misses."""
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=10)
        answered = cache.get(key) == value
        cache.delete(key)
    except Exception:
        logger.exception("Health check: the cache cannot be reached")
        answered = False
    if not answered:
        logger.warning("Health check: the cache does not answer")
    return OK if answered else FAILED


def check_broker() -> str:
    """Connect to the Celery broker once, without retrying. In-process tasks need no broker."""
    if celery_app.conf.task_always_eager:
        return NOT_USED
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0)
    except Exception:
        logger.exception("Health check: the task queue broker cannot be reached")
        return FAILED
    return OK


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "cache": check_cache(), "broker": check_broker()}
    failed = [name for name, result in checks.items() if result == FAILED]
    status = "failed" if "database" in failed else "degraded" if failed else "ok"
    strict = "strict" in request.GET
    http_status = 503 if (status == "failed" or (strict and failed)) else 200
    return JsonResponse({"status": status, "checks": checks}, status=http_status)
