"""Redis stops under a signed-in user: pages answer, work waits in the outbox, emails go out once.

A dedicated redis-server on a free port is the cache and the broker; a real Celery worker, started
as production starts it, shares the test database (PostgreSQL) and writes its emails to files.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accreditation.models import Application, ApplicationStatus
from accreditation.tasks import notify_application_submitted
from qismet_portal.outbox.models import OutboxMessage, OutboxStatus
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.test_applications import (
    _sign,
    _submit_url,
    complete,
    signatory_of,
    started_application,
)
from tests.conftest import require_service
from tests.factories import TEST_PASSWORD, AdministratorFactory
from tests.outbox.test_outbox import closed_port
from tests.test_celery_worker import (
    ROOT,
    Worker,
    celery_app_using,
    redis_answers,
    stop,
    wait_until_ready,
)


class RedisServer:
    """A redis-server of the test's own, which the test can stop and start again."""

    def __init__(self, folder: Path):
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not redis_answers(self.url):
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server on port {self.port} did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        assert not redis_answers(self.url)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@contextmanager
def worker_on(url: str, tmp_path: Path, mail_dir: Path):
    node = f"qismet-outage-{uuid.uuid4().hex[:12]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qismet_portal.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "QISMET_TEST_EMAIL_DIR": str(mail_dir),
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qismet_portal", "worker", "--pool=solo",
             "-Q", "default", "-l", "INFO", "-n", node, "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield Worker(node=node, url=url, log_path=log_path, process=process)
        finally:
            stop(process)


def subjects(mail_dir: Path) -> list[str]:
    """Subject of every email the worker wrote (one file per connection, one email each)."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        found += [
            line.removeprefix("Subject: ")
            for line in path.read_text().splitlines()
            if line.startswith("Subject: ")
        ]
    return sorted(found)


def wait_for(condition, what: str, worker: Worker, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\nworker log:\n{worker.log()}")
        time.sleep(0.5)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_stops_under_a_signed_in_user_and_the_emails_go_out_once(tmp_path, settings):
    require_service(shutil.which("redis-server") is not None, "redis-server")
    require_service(
        connection.vendor == "postgresql", "PostgreSQL (the worker reads the test's database)"
    )
    use_private_storage(settings, tmp_path)
    (tmp_path / "redis").mkdir()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    redis_server = RedisServer(tmp_path / "redis")
    redis_server.start()
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
    application = complete(started_application(criteria_per_theme=1))
    AdministratorFactory(email="screening@qismet.example.org")
    signatory = signatory_of(application)
    reference = Application.objects.get(pk=application.pk).reference
    try:
        with (
            worker_on(redis_server.url, tmp_path, mail_dir) as worker,
            celery_app_using(redis_server.url) as app,
        ):
            wait_until_ready(app, worker)
            client = Client()
            signed_in = client.post(
                reverse("account_login"),
                {"login": signatory.email, "password": TEST_PASSWORD},
                follow=True,
            )
            assert signed_in.redirect_chain[-1][0] == reverse("home")

            redis_server.stop()

            home = client.get(reverse("home"))
            assert home.status_code == 200
            assert signatory.full_name.encode() in home.content  # still signed in
            assert client.get(_submit_url(application)).status_code == 200
            started = time.monotonic()
            submitted = _sign(client, application, full_name=signatory.full_name)
            assert time.monotonic() - started < 10
            assert submitted.status_code == 302
            detail = client.get(submitted["Location"])
            assert detail.status_code == 200
            assert reference.encode() in detail.content
            assert Application.objects.get(pk=application.pk).status == (
                ApplicationStatus.SUBMITTED
            )
            health = client.get(reverse("health"))
            assert health.status_code == 200
            assert health.json()["checks"] == {
                "database": "ok",
                "cache": "failed",
                "broker": "failed",
            }
            waiting = list(OutboxMessage.objects.order_by("pk"))
            assert [m.status for m in waiting] == [OutboxStatus.PENDING] * 2
            assert [m.task_name.rsplit(".", 1)[1] for m in waiting] == [
                "notify_application_submitted",
                "confirm_application_submitted",
            ]
            assert subjects(mail_dir) == []

            redis_server.start()
            call_command("outbox_relay")

            wait_for(
                lambda: all(m.status == OutboxStatus.DONE for m in OutboxMessage.objects.all()),
                "the queued emails to be sent",
                worker,
            )
            # The same message delivered again (published twice, or redelivered after a lost
            # acknowledgement) finds its row done and sends nothing.
            notify_application_submitted.apply_async(
                args=[application.pk], task_id=str(waiting[0].task_id), ignore_result=True
            )
            wait_for(
                lambda: "already done; not run again" in worker.log(),
                "the repeated message to be refused",
                worker,
            )
            assert subjects(mail_dir) == sorted(
                [
                    f"[QISMET] Application {reference} submitted for screening",
                    f"[QISMET] We have received application {reference}",
                ]
            )
            assert client.get(reverse("home")).status_code == 200
    finally:
        redis_server.stop()
