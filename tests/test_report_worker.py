"""Report renders with a real Celery worker and a real Redis.

Each test starts a redis-server of its own (the broker, the result backend and, where it matters,
the cache) and workers started as production starts them (``celery -A qismet_portal worker``,
prefork pool) that consume the ``reports`` and ``default`` queues and share the test database,
which must be PostgreSQL. The workers get short report timings through the environment (a
heartbeat every half second, stale after three seconds, a queued render lost after two), so a
takeover or a sweep takes seconds rather than minutes.

What is shown: a requested report is rendered by the worker, not by the test process; a render
whose process is killed mid-way (the pool child, or the whole worker) still ends as exactly one
ready report; a report asked for while Redis is down waits in the outbox, the page says so, and
it is made once when Redis is back; a render whose message the broker lost is queued again by the
sweeper.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accreditation.models import AgreedScore, Report, ReportKind, ReportStatus
from accreditation.report_tasks import reports_sweep
from accreditation.selectors.reports import pending_publication
from accreditation.services.reports import report_request
from qismet_portal.outbox.models import OutboxMessage, OutboxStatus
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import Stage, decided
from tests.conftest import require_service
from tests.factories import sign_in
from tests.test_celery_worker import (
    ROOT,
    Worker,
    celery_app_using,
    result_of,
    stop,
    wait_until_ready,
)
from tests.test_redis_outage import RedisServer, database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RENDER_TASK = "accreditation.report_tasks.report_render"
#: The workers' report timings (seconds): see REPORT_* in qismet_portal/settings/base.py.
HEARTBEAT = 0.5
HEARTBEAT_TIMEOUT = 3
REQUEUE_AFTER = 2
#: Upper bound for one render to finish, takeovers and retries included.
RENDER_WAIT = 180

#: A long agreed rationale, as a thorough panel writes it: it makes the report some fifty pages,
#: which take the worker seconds to lay out, so that it can be killed mid-render.
LONG_RATIONALE = "\n\n".join(
    [
        "The panel read the quality policy, the minutes of the quality committee for the last "
        "three years and the audit trail of each change, and spoke to the named owners. The "
        "provider monitors this criterion every term, acts on what it finds and records why. " * 3
    ]
    * 30
)


# --- the services the tests run ---------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    require_service(shutil.which("redis-server") is not None, "redis-server")
    require_service(
        connection.vendor == "postgresql", "PostgreSQL (the worker reads the test's database)"
    )
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def storage(settings, tmp_path) -> Path:
    """Private storage in a fresh folder that the test process and the workers share."""
    return use_private_storage(settings, tmp_path)


@contextmanager
def report_worker(url: str, storage: Path, tmp_path: Path, name: str) -> Iterator[Worker]:
    """A worker on ``url`` consuming both queues, as production's workers together do."""
    node = f"qismet-{name}-{uuid.uuid4().hex[:12]}@localhost"
    data_dir = tmp_path / f"{name}-data"
    data_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qismet_portal.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "QISMET_DATA_DIR": str(data_dir),
        "PRIVATE_MEDIA_ROOT": str(storage),
        "REPORT_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "REPORT_HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_TIMEOUT),
        "REPORT_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER),
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qismet_portal", "worker", "--pool=prefork",
             "--concurrency=1", "-Q", "reports,default", "-l", "INFO", "-n", node,
             "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() and a SIGKILL reach all of it
        )  # fmt: skip
        try:
            yield Worker(node=node, url=url, log_path=log_path, process=process)
        finally:
            stop(process)


def logs(workers: tuple[Worker, ...]) -> str:
    """The workers' logs for a failure message, without WeasyPrint's line per page."""
    return "\n".join(
        f"--- log of {w.node} ---\n"
        + "\n".join(line for line in w.log().splitlines() if "Creating layout - Page" not in line)
        for w in workers
    )


def wait_for(condition: Callable, what: str, *workers: Worker, timeout: float = RENDER_WAIT):
    """Poll ``condition`` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{logs(workers)}")
        time.sleep(0.05)


def row(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def ready(report: Report) -> Report | None:
    current = row(report)
    if current.status == ReportStatus.FAILED:
        pytest.fail(f"the report failed: {current.error}")
    return current if current.status == ReportStatus.READY else None


def rendering(report: Report) -> Report | None:
    current = row(report)
    return current if current.status == ReportStatus.RENDERING and current.worker else None


def render_pid(report: Report) -> int:
    """The process that rendered (or renders) ``report``, from its ``worker`` field, which must
    name this machine."""
    host, _, pid = report.worker.rpartition(":")
    assert host == socket.gethostname(), report.worker
    return int(pid)


def in_worker(pid: int, worker: Worker) -> bool:
    """Whether ``pid`` is one of ``worker``'s processes (its own process group)."""
    try:
        return os.getpgid(pid) == worker.process.pid
    except ProcessLookupError:
        return False


def assert_one_good_pdf(report: Report, storage: Path) -> None:
    """The report is the only one of its kind for its application, ready, and its file is the
    only report file on disk: a valid PDF whose SHA-256, size and pages the row records."""
    assert Report.objects.filter(application=report.application_id, kind=report.kind).count() == 1
    assert report.status == ReportStatus.READY and report.progress == 100, report.status
    assert report.error == ""
    files = sorted(p.relative_to(storage) for p in storage.rglob("reports/**/*") if p.is_file())
    assert files == [Path(report.file.name)], files
    content = (storage / report.file.name).read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert len(content) == report.size
    assert len(PdfReader(io.BytesIO(content)).pages) == report.pages > 0


def rendered_count(*workers: Worker) -> int:
    """How many renders ran to the end ("rendered" is the task's result only then)."""
    return sum(
        1
        for worker in workers
        for line in worker.log().splitlines()
        if f"Task {RENDER_TASK}[" in line and line.endswith(": 'rendered'")
    )


def long_report_stage() -> Stage:
    stage = decided(
        outcome="conditional", conditions=1, level="partially_met", criteria_per_theme=3
    )
    AgreedScore.objects.filter(application=stage.application).update(rationale=LONG_RATIONALE)
    return stage


def ask(stage: Stage) -> Report:
    report, created = report_request(
        application=stage.application, kind=ReportKind.DRAFT, user=stage.administrator
    )
    assert created
    return report


# --- the tests --------------------------------------------------------------------------------


def test_a_worker_renders_a_requested_report(redis_server, storage, tmp_path):
    stage = decided(
        outcome="conditional", conditions=1, level="partially_met", criteria_per_theme=2
    )
    with (
        celery_app_using(redis_server.url) as app,
        report_worker(redis_server.url, storage, tmp_path, "reports") as worker,
    ):
        wait_until_ready(app, worker)
        report = ask(stage)  # committed: its message is published on commit
        report = wait_for(lambda: ready(report), "the report to be ready", worker)

        assert report.attempts == 1
        assert_one_good_pdf(report, storage)
        # Rendered by a pool process of the worker, not by the test process.
        pid = render_pid(report)
        assert pid != os.getpid()
        assert pid != worker.process.pid and in_worker(pid, worker), (
            report.worker,
            logs((worker,)),
        )
        message = OutboxMessage.objects.get(task_name=RENDER_TASK)
        assert message.status == OutboxStatus.DONE
        assert f"{RENDER_TASK}[{message.task_id}] succeeded" in worker.log(), logs((worker,))
        assert rendered_count(worker) == 1


def test_a_pool_process_killed_mid_render_leaves_one_ready_report(redis_server, storage, tmp_path):
    """The pool child is killed while it renders: the worker gives the message back (acks late,
    rejected on worker loss), the next delivery finds the heartbeat fresh and tries again later,
    then takes the stale render over. One row, one file, one finished render."""
    stage = long_report_stage()
    with (
        celery_app_using(redis_server.url) as app,
        report_worker(redis_server.url, storage, tmp_path, "reports") as worker,
    ):
        wait_until_ready(app, worker)
        report = ask(stage)
        claimed = wait_for(lambda: rendering(report), "the render to start", worker, timeout=60)
        pid = render_pid(claimed)
        assert pid != worker.process.pid and in_worker(pid, worker), claimed.worker
        os.kill(pid, signal.SIGKILL)
        after_kill = row(report)
        assert (after_kill.status, after_kill.attempts) == (ReportStatus.RENDERING, 1), (
            "the render finished before it could be killed: make the report longer"
        )
        assert after_kill.progress < 100 and not after_kill.file
        wait_for(
            lambda: f"pid:{pid} exited with 'signal 9 (SIGKILL)'" in worker.log(),
            "the worker to see its pool process die",
            worker,
            timeout=30,
        )

        report = wait_for(lambda: ready(report), "the render to be taken over", worker)
        assert report.attempts >= 2
        assert render_pid(report) != pid
        assert_one_good_pdf(report, storage)
        assert rendered_count(worker) == 1, logs((worker,))
        assert "WorkerLostError" in worker.log(), logs((worker,))
        assert OutboxMessage.objects.get(task_name=RENDER_TASK).status == OutboxStatus.DONE


def test_a_worker_killed_mid_render_is_made_up_for_by_the_sweeper(redis_server, storage, tmp_path):
    """The whole worker is killed while it renders. Redis gives an unacknowledged message back
    only after the visibility timeout (hours), so the sweeper finds the stale heartbeat and
    queues the render again, for a new worker."""
    stage = long_report_stage()
    with celery_app_using(redis_server.url) as app:
        with report_worker(redis_server.url, storage, tmp_path, "first") as first:
            wait_until_ready(app, first)
            report = ask(stage)
            claimed = wait_for(lambda: rendering(report), "the render to start", first, timeout=60)
            killed = render_pid(claimed)
            assert in_worker(killed, first), claimed.worker
            os.killpg(first.process.pid, signal.SIGKILL)
            first.process.wait(timeout=10)
        after_kill = row(report)
        assert (after_kill.status, after_kill.attempts) == (ReportStatus.RENDERING, 1), (
            "the render finished before it could be killed: make the report longer"
        )

        with report_worker(redis_server.url, storage, tmp_path, "second") as second:
            wait_until_ready(app, second)
            # Nothing delivers the killed worker's message again: the render stays abandoned.
            time.sleep(HEARTBEAT_TIMEOUT + 1)
            abandoned = row(report)
            assert (abandoned.status, abandoned.attempts) == (ReportStatus.RENDERING, 1)
            assert abandoned.heartbeat_at < timezone.now() - timedelta(seconds=HEARTBEAT_TIMEOUT)

            swept = reports_sweep.apply_async()
            assert result_of(swept) == 1, logs((first, second))

            report = wait_for(lambda: ready(report), "the swept render", first, second)
            assert report.attempts == 2
            assert in_worker(render_pid(report), second), report.worker
            assert_one_good_pdf(report, storage)
            assert rendered_count(first) == 0 and rendered_count(second) == 1
            assert result_of(reports_sweep.apply_async()) == 0


def test_a_report_asked_for_while_redis_is_down_is_made_once_it_is_back(
    redis_server, storage, tmp_path, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "qismet_portal.cache.OutageTolerantRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "qismet",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    stage = decided(
        outcome="conditional", conditions=1, level="partially_met", criteria_per_theme=2
    )
    application = stage.application
    page = reverse("accreditation:report_list", args=[application.pk])
    client = Client()
    sign_in(client, stage.administrator)
    with (
        celery_app_using(redis_server.url) as app,
        report_worker(redis_server.url, storage, tmp_path, "reports") as worker,
    ):
        wait_until_ready(app, worker)
        assert client.get(page).status_code == 200

        redis_server.stop()

        started = time.monotonic()
        asked = client.post(page, {"kind": "draft"})
        assert time.monotonic() - started < 10
        assert asked.status_code == 302 and asked["Location"] == page
        shown = client.get(page)
        assert shown.status_code == 200
        text = shown.content.decode()
        assert "Draft report version 1 is being made" in text
        assert "cannot reach its task queue" in text
        report = Report.objects.get(application=application)
        assert report.status == ReportStatus.QUEUED
        message = OutboxMessage.objects.get(task_name=RENDER_TASK)
        assert message.status == OutboxStatus.PENDING and message.args == [report.pk]
        assert pending_publication([report.pk]) == {report.pk}
        progress = client.get(
            reverse("accreditation:report_progress", args=[application.pk, report.pk])
        )
        assert progress.status_code == 200
        assert "cannot reach its task queue" in progress.content.decode()
        # Asking again meanwhile makes no second report and no second render.
        again = client.post(page, {"kind": "draft"}, follow=True)
        assert again.status_code == 200
        assert "Nothing has changed since draft report version 1" in again.content.decode()
        assert Report.objects.count() == 1
        assert OutboxMessage.objects.filter(task_name=RENDER_TASK).count() == 1

        redis_server.start()
        call_command("outbox_relay", stdout=io.StringIO())

        report = wait_for(lambda: ready(report), "the report once Redis is back", worker)
        assert report.attempts == 1
        assert_one_good_pdf(report, storage)
        assert in_worker(render_pid(report), worker), report.worker
        assert OutboxMessage.objects.get(task_name=RENDER_TASK).status == OutboxStatus.DONE
        assert rendered_count(worker) == 1
        text = client.get(page).content.decode()
        assert "cannot reach its task queue" not in text
        assert "Download the draft report" in text
        download = client.get(
            reverse("accreditation:report_download", args=[application.pk, report.pk])
        )
        assert download.status_code == 200
        body = b"".join(download.streaming_content)
        assert hashlib.sha256(body).hexdigest() == report.sha256


def test_the_sweeper_queues_again_a_render_the_broker_lost(
    redis_server, storage, tmp_path, settings
):
    stage = decided(
        outcome="conditional", conditions=1, level="partially_met", criteria_per_theme=2
    )
    broker = redis.Redis.from_url(redis_server.url)
    with celery_app_using(redis_server.url) as app:
        # Asked for while no worker runs: the message waits in Redis, on the reports queue.
        report = ask(stage)
        lost = OutboxMessage.objects.get(task_name=RENDER_TASK)
        assert lost.status == OutboxStatus.SENT
        assert broker.llen("reports") == 1 and broker.llen("default") == 0
        broker.flushall()  # the broker loses it (restarted without its data, say)

        with report_worker(redis_server.url, storage, tmp_path, "reports") as worker:
            wait_until_ready(app, worker)
            # Nothing comes for it: the report waits, queued, until the sweeper calls it lost.
            queued_since = row(report).updated_at
            while timezone.now() < queued_since + timedelta(seconds=REQUEUE_AFTER + 1):
                time.sleep(0.2)
            waiting = row(report)
            assert (waiting.status, waiting.attempts) == (ReportStatus.QUEUED, 0)

            assert result_of(reports_sweep.apply_async()) == 1, logs((worker,))

            report = wait_for(lambda: ready(report), "the swept render", worker)
            assert report.attempts == 1
            assert_one_good_pdf(report, storage)
            assert in_worker(render_pid(report), worker), report.worker
            assert result_of(reports_sweep.apply_async()) == 0

            # Much later the relay publishes the lost message again (it was never run): the
            # worker finds the report made and leaves it as it is.
            settings.OUTBOX_REPUBLISH_AFTER_SECONDS = 1
            assert OutboxMessage.objects.get(pk=lost.pk).status == OutboxStatus.SENT
            call_command("outbox_relay", stdout=io.StringIO())
            wait_for(
                lambda: OutboxMessage.objects.get(pk=lost.pk).status == OutboxStatus.DONE,
                "the lost message to be run",
                worker,
                timeout=60,
            )
            assert f"{RENDER_TASK}[{lost.task_id}] succeeded" in worker.log()
            assert ": 'nothing to do'" in worker.log()
            unchanged = row(report)
            assert (unchanged.attempts, unchanged.sha256, unchanged.finished_at) == (
                report.attempts,
                report.sha256,
                report.finished_at,
            )
            assert rendered_count(worker) == 1
