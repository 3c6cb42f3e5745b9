"""Infrastructure tasks that belong to no domain app."""

from celery import shared_task
from django.db import connection


@shared_task(name="qismet_portal.ping")
def ping() -> dict[str, str]:
    """Prove a worker is alive and can reach the database; used by health checks and CI."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"status": "ok", "database": connection.vendor if one == 1 else "unreachable"}
