"""/health/ reports each dependency, so an orchestrator can tell what is wrong."""

import json
import logging

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from tests.conftest import require_service
from tests.outbox.test_outbox import closed_port
from tests.test_celery_worker import celery_app_using, redis_answers, worker_redis_url

pytestmark = pytest.mark.django_db


def _redis_cache(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "qismet_portal.cache.OutageTolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
        }
    }


def test_everything_up_in_the_embedded_default(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "not used"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_database_that_cannot_be_reached_answers_503_without_saying_why(
    client, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: secret-host.internal")

    monkeypatch.setattr(connection, "cursor", refuse)
    with caplog.at_level(logging.ERROR, logger="qismet_portal.health"):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed"
    assert body["checks"]["database"] == "failed"
    assert body["checks"]["cache"] == "ok"
    assert "secret-host" not in json.dumps(body)
    assert "secret-host" in caplog.text  # the reason goes to the log


def test_redis_down_is_degraded_not_dead_unless_strict(client, settings):
    settings.CACHES = _redis_cache(closed_port())
    with celery_app_using(f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get(reverse("health"))
        strict = client.get(reverse("health") + "?strict")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "failed", "broker": "failed"},
    }
    assert strict.status_code == 503
    assert strict.json()["status"] == "degraded"


@pytest.mark.services
def test_redis_up_reports_cache_and_broker_ok(client, settings):
    url = worker_redis_url()
    require_service(redis_answers(url), f"Redis at {url}")
    settings.CACHES = {
        "default": {**_redis_cache(0)["default"], "LOCATION": url, "KEY_PREFIX": "health-test"}
    }
    with celery_app_using(url):
        response = client.get(reverse("health") + "?strict")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_the_container_health_check_accepts_degraded(tmp_path):
    source = (
        __import__("pathlib").Path(__file__).resolve().parents[1] / ".docker/healthcheck.py"
    ).read_text()
    assert '{"ok", "degraded"}' in source
