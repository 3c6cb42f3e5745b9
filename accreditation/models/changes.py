"""How many times anything an application's pages show has changed.

One row per application, written only by database triggers (migration 0012): every insert,
update and delete of the application, of anything that belongs to it (answers, evidence,
assignments, scores, requests, decisions, reports, certificates, history…), of its programme and
organisation, of its organisation's memberships, of its standard and the standard's versions, and
a change of name of anyone who works on it or acted on it, adds one to its count, in the same
transaction. The pages kept in the cache (``kept_pages``) are kept under this count, so a kept
page is only reused while nothing it shows has changed, whichever code path, task or database
shell made the change.

On PostgreSQL the triggers run when the transaction commits (deferred constraint triggers), so
the count's row is locked only for the instant of the commit, never while the transaction
waits for another lock; a statement raising several counts takes them in the order of the
applications' ids.
"""

from django.db import models


class ApplicationChanges(models.Model):
    # A plain number, not a foreign key: the triggers of a transaction that deletes a draft
    # application still run at its commit, and must not fail on the deleted row.
    application_id = models.BigIntegerField(primary_key=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "application change count"
        verbose_name_plural = "application change counts"
        default_permissions = ()

    def __str__(self) -> str:
        return f"application {self.application_id}: {self.count} changes"
