"""Writing, publishing and relaying outbox messages (see the package docstring for the why)."""

import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from qismet_portal.celery import app as celery_app

from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The message could not be handed to the broker; it stays pending."""


def outbox_enqueue(*, task: Task, args: Sequence = (), kwargs: dict | None = None) -> OutboxMessage:
    """Record the task in the current transaction and publish it once that commits.

    A rolled-back transaction takes the message with it, so nothing is ever sent about a change
    that did not happen; a committed one keeps it until a worker has run it.
    """
    message = OutboxMessage.objects.create(
        task_name=task.name, args=list(args), kwargs=dict(kwargs or {})
    )
    message_id = message.pk
    transaction.on_commit(lambda: outbox_publish(message_id=message_id))
    return message


def outbox_publish(*, message_id: int) -> bool:
    """Publish one pending message now. False when the broker is down (it stays pending).

    After a successful publish, any messages left pending by an earlier outage are relayed by a
    worker, so the backlog clears as soon as the broker is back and someone does something.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:  # already published by the relay
            return True
        try:
            _publish(message)
        except BrokerUnavailable:
            return False
    if not celery_app.conf.task_always_eager and _backlog().exists():
        from .tasks import outbox_relay

        with contextlib.suppress(BrokerUnavailable):
            _apply(outbox_relay, task_id=None)
    return True


def outbox_relay(*, limit: int = 500) -> int:
    """Publish pending messages, oldest first; return how many were published.

    Rows are locked with SKIP LOCKED, so several relays (beat, a command, a publish) never hand
    the same message over twice at once. Also republished: messages handed over so long ago that
    the broker must have lost them (its data was wiped) and no worker has run them; the task side
    makes that harmless if it did. Stops at the first broker failure: the rest stays pending.
    """
    published = 0
    while published < limit:
        with transaction.atomic():
            batch = list(
                _backlog().select_for_update(skip_locked=True).order_by("pk")[: min(50, limit)]
            )
            if not batch:
                break
            for message in batch:
                try:
                    _publish(message)
                except BrokerUnavailable:
                    return published
                published += 1
    if published:
        logger.info("Outbox relay published %d queued task(s)", published)
    return published


def outbox_mark_done(*, task_id: str) -> None:
    """Mark a message done from a task that keeps its own record of what it did (a report's
    row, say) and so does not run under ``OutboxTask``'s lock; the relay then leaves it alone."""
    OutboxMessage.objects.filter(task_id=task_id).exclude(status=OutboxStatus.DONE).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), args=[], kwargs={}
    )


def outbox_prune(*, older_than_days: int = 30) -> int:
    """Delete messages done more than ``older_than_days`` ago; the table holds work, not history."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = OutboxMessage.objects.filter(status=OutboxStatus.DONE, done_at__lt=cutoff).delete()
    return deleted


def _backlog():
    lost_after = timedelta(seconds=settings.OUTBOX_REPUBLISH_AFTER_SECONDS)
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING) | OutboxMessage.objects.filter(
        status=OutboxStatus.SENT, sent_at__lt=timezone.now() - lost_after
    )


def _task(name: str) -> Task:
    if name not in celery_app.tasks:
        import_string(name)  # registers a shared task defined in a module not imported yet
    return celery_app.tasks[name]


def _apply(task: Task, *, task_id: str | None, args=(), kwargs=None) -> None:
    """Hand over without retrying: a broker that is down must not hold up a web request.

    The result is not stored (the outbox row says whether the work is done), which also keeps the
    publish away from the result backend's own reconnection loop.
    """
    options = {"args": args, "kwargs": kwargs or {}, "task_id": task_id, "ignore_result": True}
    if celery_app.conf.task_always_eager:
        task.apply_async(**options)  # runs here; its failure is the task's, as without the outbox
        return
    transport_options = {**celery_app.conf.broker_transport_options, "max_retries": 0}
    try:
        with celery_app.connection_for_write(transport_options=transport_options) as connection:
            task.apply_async(**options, retry=False, connection=connection)
    except Exception as error:
        logger.warning("Task queue unreachable, %s stays queued: %r", task.name, error)
        raise BrokerUnavailable(str(error)) from error


def _publish(message: OutboxMessage) -> None:
    """Publish under the row lock the caller holds, then mark it sent (unless already done)."""
    try:
        _apply(
            _task(message.task_name),
            task_id=str(message.task_id),
            args=message.args,
            kwargs=message.kwargs,
        )
    except BrokerUnavailable as error:
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=str(error)[:300]
        )
        raise
    # An eager run has already marked it done; only a message still waiting becomes "sent".
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.DONE).update(
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        last_error="",
    )
