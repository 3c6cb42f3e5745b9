"""Rows that are written once: history lines and submission records."""

from django.db import models

from qismet_portal.exceptions import ImmutableError

# --- append-only rows -----------------------------------------------------------------------
#
# The history and the submission records are written once and never changed or deleted. The
# ORM refuses here (``ImmutableError``, a domain error with a plain message); database triggers
# (migration 0003) refuse the same writes from anything that bypasses the ORM.


class AppendOnlyQuerySet(models.QuerySet):
    def _refuse(self, verb: str):
        raise ImmutableError(
            f"{self.model._meta.verbose_name_plural.capitalize()} are kept as written: they "
            f"cannot be {verb}."
        )

    def update(self, **kwargs):
        self._refuse("changed")

    update.alters_data = True

    def delete(self):
        self._refuse("deleted")

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        self._refuse("changed")

    def update_or_create(self, *args, **kwargs):
        self._refuse("changed")


class AppendOnlyModel(models.Model):
    """A row that is inserted once: saving it again or deleting it raises ``ImmutableError``."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(
                f"This {self._meta.verbose_name} is kept as written: it cannot be changed."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(
            f"This {self._meta.verbose_name} is kept as written: it cannot be deleted."
        )
