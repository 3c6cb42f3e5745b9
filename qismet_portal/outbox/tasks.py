"""The task side of the outbox: run each message once, and relay what the broker missed."""

import logging

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


class OutboxTask(Task):
    """A task whose effect happens once per outbox message, however often it is delivered.

    The message's row is locked for the run and marked done in the same transaction, so a second
    delivery (published twice, or redelivered after a lost acknowledgement) waits for the first,
    then finds it done and does nothing. A failure rolls back the mark, so a retry runs again.
    Arguments are cleared once done: they may carry a token that should not stay in the database.
    A task that fails for good (its retries spent) is marked failed, with the error, and its
    arguments cleared too, so the relay does not publish it again every few hours forever.
    Called directly, or sent without the outbox, the task simply runs.
    """

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from .models import OutboxMessage, OutboxStatus

        if task_id:
            OutboxMessage.objects.filter(task_id=task_id).exclude(status=OutboxStatus.DONE).update(
                status=OutboxStatus.FAILED,
                last_error=f"{type(exc).__name__}: {exc}"[:300],
                args=[],
                kwargs={},
            )
            logger.error("%s[%s] failed for good: %s", self.name, task_id, exc)
        super().on_failure(exc, task_id, args, kwargs, einfo)

    def __call__(self, *args, **kwargs):
        from .models import OutboxMessage, OutboxStatus

        task_id = None if self.request.called_directly else self.request.id
        if not task_id:
            return super().__call__(*args, **kwargs)
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(task_id=task_id).first()
            if message is None:
                return self.run(*args, **kwargs)
            if message.status == OutboxStatus.DONE:
                logger.info("%s[%s] already done; not run again", self.name, task_id)
                return None
            result = self.run(*args, **kwargs)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxStatus.DONE, done_at=timezone.now(), args=[], kwargs={}
            )
            return result


@shared_task(name="qismet_portal.outbox.relay")
def outbox_relay() -> int:
    """Run by Celery beat every minute (beat needs the broker, so it resumes when that is back).

    Also forgets messages done long ago."""
    from .services import outbox_prune
    from .services import outbox_relay as relay

    outbox_prune()
    return relay()
