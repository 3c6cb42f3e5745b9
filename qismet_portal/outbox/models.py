import uuid

from django.db import models


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the task queue"
    SENT = "sent", "Handed to the task queue"
    DONE = "done", "Done"
    FAILED = "failed", "Failed for good"


class OutboxMessage(models.Model):
    """One piece of work for the Celery workers, written in the transaction that asked for it.

    The row commits or rolls back with the change it belongs to, so work is never lost while the
    broker is down and never sent for a change that did not happen. ``task_id`` is the Celery task
    id the message is published under, every time it is published: a worker that receives it a
    second time finds the row done and does nothing.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    task_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "id"], name="outbox_status_id_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} ({self.status})"
