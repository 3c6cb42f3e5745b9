"""Transactional outbox: work for the Celery workers that survives a broker outage.

``enqueue(task, *args, **kwargs)`` is how every use case queues a task. It writes an
``OutboxMessage`` row in the caller's transaction; once that transaction commits, the message is
published to Celery under a task id of its own. If the broker cannot be reached, the row stays
pending and the relay (Celery beat every minute, the next successful publish, or
``manage.py outbox_relay``) publishes it later, oldest first. Tasks declared with
``base=OutboxTask`` run at most once per message, so a message published twice, or redelivered by
the broker, has its effect (an email, say) once.

In the embedded default (``CELERY_TASK_ALWAYS_EAGER``) the task runs in-process on commit, as
before.
"""


def enqueue(task, *args, **kwargs):
    """Queue ``task(*args, **kwargs)`` with the current transaction. Arguments must be JSON."""
    from .services import outbox_enqueue

    return outbox_enqueue(task=task, args=args, kwargs=kwargs)
