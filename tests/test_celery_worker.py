"""A real Celery worker, started as production starts it, runs a task sent through Redis.

The worker is a separate process (`celery -A qismet_portal worker`) on a dedicated Redis database
(15) so it never touches queued work of a development instance. The test process points the
Celery app at the same broker for the duration of the test only.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import pytest
import redis
from celery.result import AsyncResult, EagerResult, allow_join_result
from django.conf import settings
from django.db import connection

from qismet_portal import celery_app
from qismet_portal.tasks import ping
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]
WORKER_DB = 15


def worker_redis_url() -> str:
    """REDIS_URL's server (default 127.0.0.1:6379) with the worker tests' own database number."""
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit((base.scheme, base.netloc, f"/{WORKER_DB}", "", ""))


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def reset_connections(app) -> None:
    """Drop the app's cached broker pool and result backend so new settings take effect.

    The app's pools live in kombu's global registry too: closing them there and emptying it means
    a later test gets fresh pools rather than the closed ones (which fail with "closed pool").
    """
    if app._pool is not None:
        app._pool.force_close_all()
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def celery_app_using(url: str):
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    reset_connections(celery_app)
    try:
        yield celery_app
    finally:
        reset_connections(celery_app)
        celery_app.conf.update(saved)


def stop(process: subprocess.Popen) -> None:
    """Stop the worker and everything it started: warm shutdown, then kill after 20 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Worker:
    node: str
    url: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture
def worker(tmp_path):
    """A worker process consuming the default queue, stopped however the test ends."""
    url = worker_redis_url()
    require_service(redis_answers(url), f"Redis at {url}")
    node = f"qismet-test-{uuid.uuid4().hex[:12]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qismet_portal.settings.test",
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONPATH": str(ROOT),
    }
    if not os.environ.get("DATABASE_URL"):
        # SQLite: give the worker a data folder of its own (ping only runs SELECT 1).
        env["QISMET_DATA_DIR"] = str(tmp_path)
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "qismet_portal",
                "worker",
                "--pool=solo",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-l",
                "INFO",
                "-n",
                node,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stop() reaches every child
        )
        try:
            yield Worker(node=node, url=url, log_path=log_path, process=process)
        finally:
            stop(process)


def result_of(result, timeout: float = 60):
    """A task's result, waited for here in the test process.

    ``allow_join_result`` because a task run eagerly earlier in the same process leaves Celery
    believing it runs inside a worker, where waiting for another task's result is refused.
    """
    with allow_join_result():
        return result.get(timeout=timeout)


def wait_until_ready(app, worker: Worker, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.process.poll() is None:
        replies = app.control.inspect(destination=[worker.node], timeout=1).ping() or {}
        if worker.node in replies:
            return
        time.sleep(0.5)
    pytest.fail(f"worker {worker.node} did not start answering:\n{worker.log()}")


@pytest.mark.services
def test_a_real_worker_runs_ping_through_redis(worker):
    node = worker.node
    with celery_app_using(worker.url) as app:
        wait_until_ready(app, worker)

        result = ping.delay()

        assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)
        try:
            value = result_of(result)
        except Exception as error:
            pytest.fail(f"ping failed: {error!r}\nworker log:\n{worker.log()}")
        expected_vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
        assert value == {"status": "ok", "database": expected_vendor}

        # The result came back through the Redis result backend, from our worker.
        stored = AsyncResult(result.id, app=app)
        assert stored.state == "SUCCESS"
        assert stored.result == value
        meta = app.backend.get_task_meta(result.id)
        assert meta["status"] == "SUCCESS"
        stats = app.control.inspect(destination=[node], timeout=5).stats() or {}
        assert stats.get(node, {}).get("total", {}).get("qismet_portal.ping", 0) >= 1, (
            f"{node} did not run the task: {stats}\n{worker.log()}"
        )
    log = worker.log()
    assert f"Task qismet_portal.ping[{result.id}] succeeded" in log, log


def test_long_task_settings():
    """Tasks survive a killed worker and never outlive Redis's redelivery window."""
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert conf.result_backend_transport_options["visibility_timeout"] == visibility
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility
    assert conf.task_default_queue == "default"
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
