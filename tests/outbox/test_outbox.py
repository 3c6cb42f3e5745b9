"""The transactional outbox: queued work commits with the change, waits out a broker outage and
has its effect once."""

import socket
import time

import pytest
from celery import shared_task
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from qismet_portal.celery import app as celery_app
from qismet_portal.outbox import enqueue
from qismet_portal.outbox.models import OutboxMessage, OutboxStatus
from qismet_portal.outbox.services import outbox_publish, outbox_relay
from qismet_portal.outbox.tasks import OutboxTask
from tests.test_celery_worker import celery_app_using

pytestmark = pytest.mark.django_db


@shared_task(base=OutboxTask)
def notify(address: str, *, fail: bool = False) -> str:
    """A task with an effect that can be counted: one email."""
    if fail:
        raise ValueError("the mail server said no")
    mail.send_mail("Outbox test", "Hello", None, [address])
    return address


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down():
    """Celery publishes to a Redis address where nothing listens (as when Redis is stopped)."""
    with celery_app_using(f"redis://127.0.0.1:{closed_port()}/0") as app:
        yield app


class Publishes(list):
    """What reached the (pretend) broker; ``refuse`` makes it act as if it were down."""

    refuse = False


@pytest.fixture
def published(monkeypatch):
    """A broker that accepts everything: publishes are recorded instead of delivered."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    calls = Publishes()

    def apply_async(args=None, kwargs=None, **options):
        if calls.refuse:
            raise ConnectionRefusedError("broker down")
        calls.append({"args": list(args), "kwargs": kwargs, **options})

    monkeypatch.setattr(notify, "apply_async", apply_async)
    return calls


def test_the_message_is_written_in_the_callers_transaction_and_rolls_back_with_it(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(notify, "ada@example.org")
        assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_in_process_the_task_runs_on_commit_once_and_forgets_its_arguments(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = enqueue(notify, "ada@example.org")
        assert mail.outbox == []  # nothing before the commit
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    assert message.done_at is not None
    assert (message.args, message.kwargs) == ([], {})  # a token in the arguments is not kept
    assert message.task_name == "tests.outbox.test_outbox.notify"


def test_on_commit_the_message_is_published_under_its_own_task_id(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(notify, "ada@example.org", fail=False)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.sent_at is not None and message.attempts == 1
    (call,) = published
    assert call["args"] == ["ada@example.org"] and call["kwargs"] == {"fail": False}
    assert call["task_id"] == str(message.task_id)
    assert call["retry"] is False  # a broker that is down is not waited for


def test_a_broker_that_is_down_leaves_the_message_pending_without_holding_up_the_request(
    broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(notify, "ada@example.org")
    assert time.monotonic() - started < 3
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "connecting" in message.last_error or "refused" in message.last_error.lower()
    assert outbox_relay() == 0  # still down: the relay stops at once and keeps it
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 2)
    assert mail.outbox == []


def test_the_relay_publishes_pending_messages_oldest_first_and_only_once(published):
    first = OutboxMessage.objects.create(task_name=notify.name, args=["a@example.org"])
    second = OutboxMessage.objects.create(task_name=notify.name, args=["b@example.org"])
    OutboxMessage.objects.create(
        task_name=notify.name, args=["c@example.org"], status=OutboxStatus.DONE
    )
    recent = OutboxMessage.objects.create(
        task_name=notify.name, args=["d@example.org"], status=OutboxStatus.SENT
    )
    OutboxMessage.objects.filter(pk=recent.pk).update(sent_at=timezone.now())

    assert outbox_relay() == 2
    assert [c["task_id"] for c in published] == [str(first.task_id), str(second.task_id)]
    assert outbox_relay() == 0
    assert len(published) == 2
    assert outbox_publish(message_id=first.pk) is True  # already handed over: not again
    assert len(published) == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
        OutboxStatus.SENT,
        OutboxStatus.DONE,
    }


def test_the_relay_stops_at_the_first_broker_failure_and_keeps_the_rest(published):
    messages = [
        OutboxMessage.objects.create(task_name=notify.name, args=[f"{n}@example.org"])
        for n in range(3)
    ]
    published.refuse = True
    assert outbox_relay() == 0
    assert [m.status for m in OutboxMessage.objects.all()] == [OutboxStatus.PENDING] * 3
    assert OutboxMessage.objects.get(pk=messages[0].pk).attempts == 1
    assert OutboxMessage.objects.get(pk=messages[1].pk).attempts == 0

    published.refuse = False
    assert outbox_relay() == 3
    assert [c["args"] for c in published] == [[f"{n}@example.org"] for n in range(3)]


def test_a_message_the_broker_lost_is_published_again_after_a_long_wait(published, settings):
    settings.OUTBOX_REPUBLISH_AFTER_SECONDS = 600
    lost = OutboxMessage.objects.create(
        task_name=notify.name, args=["a@example.org"], status=OutboxStatus.SENT
    )
    OutboxMessage.objects.filter(pk=lost.pk).update(
        sent_at=timezone.now() - timezone.timedelta(seconds=601)
    )
    assert outbox_relay() == 1
    assert published[0]["task_id"] == str(lost.task_id)


def test_the_next_successful_publish_relays_what_an_outage_left_behind(
    published, monkeypatch, django_capture_on_commit_callbacks
):
    from qismet_portal.outbox import tasks

    relays = []
    monkeypatch.setattr(tasks.outbox_relay, "apply_async", lambda **kw: relays.append(kw))
    OutboxMessage.objects.create(task_name=notify.name, args=["left@example.org"])
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(notify, "new@example.org")
    assert len(relays) == 1  # a worker clears the backlog


def test_a_message_delivered_twice_has_its_effect_once():
    message = OutboxMessage.objects.create(
        task_name=notify.name, args=["ada@example.org"], status=OutboxStatus.SENT
    )
    task_id = str(message.task_id)
    assert notify.apply(args=["ada@example.org"], task_id=task_id).get() == "ada@example.org"
    assert notify.apply(args=["ada@example.org"], task_id=task_id).get() is None
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.DONE


def test_a_failed_run_is_not_marked_done_and_a_final_failure_is_not_republished(
    published, settings
):
    message = OutboxMessage.objects.create(
        task_name=notify.name, args=["ada@example.org"], status=OutboxStatus.SENT
    )
    task_id = str(message.task_id)
    # as a worker runs it: the failure is recorded, not raised into the caller
    result = notify.apply(
        args=["ada@example.org"], kwargs={"fail": True}, task_id=task_id, throw=False
    )
    assert result.failed()
    failed = OutboxMessage.objects.get(pk=message.pk)
    assert len(mail.outbox) == 0
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error.startswith("ValueError")
    assert failed.args == [] and failed.kwargs == {}  # no token left behind
    settings.OUTBOX_REPUBLISH_AFTER_SECONDS = 0
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    assert outbox_relay() == 0 and published == []


def test_a_task_run_outside_the_outbox_simply_runs():
    assert notify("ada@example.org") == "ada@example.org"
    assert notify.apply(args=["bob@example.org"]).get() == "bob@example.org"
    assert len(mail.outbox) == 2


def test_the_relay_command_reports_what_it_published(published, capsys):
    OutboxMessage.objects.create(task_name=notify.name, args=["a@example.org"])
    call_command("outbox_relay")
    assert "Published 1 queued task(s)." in capsys.readouterr().out
    assert len(published) == 1


def test_beat_runs_the_relay_every_minute():
    schedule = celery_app.conf.beat_schedule["outbox-relay"]
    assert schedule == {"task": "qismet_portal.outbox.relay", "schedule": 60}
    assert "qismet_portal.outbox.relay" in celery_app.tasks


def test_every_email_use_case_queues_through_the_outbox():
    """Every task of the apps is an outbox task, but for the periodic housekeeping ones."""
    from celery import Task

    import accounts.tasks
    import accreditation.tasks
    import providers.tasks

    housekeeping = {
        "accreditation.tasks.evidence_sweep_stale_uploads",
        # Daily beat tasks; each email they cause is queued through the outbox.
        "accreditation.tasks.conditions_overdue",
        "accreditation.tasks.information_requests_overdue",
        "accreditation.tasks.factual_accuracy_windows_ended",
    }
    tasks = [
        value
        for module in (accounts.tasks, accreditation.tasks, providers.tasks)
        for value in vars(module).values()
        if isinstance(value, Task) and value.name.startswith(module.__name__)
    ]
    assert len(tasks) >= 8
    for task in tasks:
        if task.name not in housekeeping:
            assert isinstance(task, OutboxTask), task.name


def test_the_relay_task_forgets_messages_done_a_month_ago():
    from qismet_portal.outbox.tasks import outbox_relay as relay_task

    old, recent = (
        OutboxMessage.objects.create(task_name=notify.name, status=OutboxStatus.DONE)
        for _ in range(2)
    )
    OutboxMessage.objects.filter(pk=old.pk).update(
        done_at=timezone.now() - timezone.timedelta(days=31)
    )
    OutboxMessage.objects.filter(pk=recent.pk).update(done_at=timezone.now())
    waiting = OutboxMessage.objects.create(task_name=notify.name, args=["a@example.org"])
    assert relay_task.apply().get() == 1  # in-process here: the waiting message runs
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert len(mail.outbox) == 1
