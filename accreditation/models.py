"""Applications for accreditation and everything a provider puts into them.

One application = one programme of one provider, pinned for life to the standard version it was
started against. Its status changes only through the transitions declared here (django-fsm-2,
protected field), invoked by ``accreditation.services.transitions``, which records each change.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from qismet_portal.exceptions import ImmutableError
from qismet_portal.models import TimeStampedModel


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Statuses in which an application is still alive (one per programme at a time).
OPEN_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
#: Statuses in which the provider may change responses and evidence.
EDITABLE_STATUSES = (ApplicationStatus.DRAFT,)

NOT_APPLICABLE = "na"


class Application(FSMModelMixin, TimeStampedModel):
    reference = models.CharField(max_length=20, unique=True)
    programme = models.ForeignKey(
        "providers.Programme", on_delete=models.PROTECT, related_name="applications"
    )
    version = models.ForeignKey(
        "standards.StandardVersion", on_delete=models.PROTECT, related_name="applications"
    )
    status = FSMField(
        default=ApplicationStatus.DRAFT, choices=ApplicationStatus.choices, protected=True
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The declaration, as signed: who, in what role, when, and the exact words they agreed to.
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declaration_name = models.CharField(max_length=150, blank=True)
    declaration_role = models.CharField(max_length=150, blank=True)
    declaration_text = models.TextField(blank=True)
    declaration_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(status__in=OPEN_STATUSES),
                name="accreditation_one_open_application_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.DRAFT)
                | Q(status=ApplicationStatus.WITHDRAWN, submitted_at__isnull=True)
                | Q(submitted_at__isnull=False, declaration_signed_at__isnull=False),
                name="accreditation_submitted_has_declaration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.programme}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    # Transitions: the table of allowed status changes. Side effects live in the services.
    @transition(field=status, source=ApplicationStatus.DRAFT, target=ApplicationStatus.SUBMITTED)
    def submit(self) -> None:
        """Lock the self-assessment and hand it to QISMET."""

    @transition(field=status, source=list(OPEN_STATUSES), target=ApplicationStatus.WITHDRAWN)
    def withdraw(self) -> None:
        """The provider stops the application before a decision."""


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


class ApplicationEvent(AppendOnlyModel):
    """The application's history: every status change and every change to its evidence.
    Append-only: a line, once written, is never changed or deleted."""

    class Kind(models.TextChoices):
        STARTED = "started", "Application started"
        STATUS = "status", "Status changed"
        EVIDENCE_UPLOADED = "evidence_uploaded", "Evidence uploaded"
        EVIDENCE_REPLACED = "evidence_replaced", "Evidence file replaced"
        EVIDENCE_LINKED = "evidence_linked", "Evidence linked to a criterion"
        EVIDENCE_UNLINKED = "evidence_unlinked", "Evidence removed from a criterion"
        ANSWER_CHANGED = "answer_changed", "Answer changed"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, blank=True)
    reason = models.TextField(blank=True)
    criterion = models.ForeignKey(
        "standards.Criterion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "EvidenceDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "history line"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d %b %Y %H:%M})"


class Response(models.Model):
    """The provider's answer to one criterion: narrative, self-rating and evidence links."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="responses")
    criterion = models.ForeignKey(
        "standards.Criterion", on_delete=models.PROTECT, related_name="responses"
    )
    narrative = models.TextField(blank=True)
    rating = models.CharField(
        max_length=30, blank=True, help_text="A scale code of the version, or 'na'."
    )
    na_justification = models.TextField("why it does not apply", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How many times the answer has been changed. The page sends back the revision it was loaded
    # at, so a save made from an older page is refused instead of silently overwriting.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["criterion__theme__number", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="accreditation_one_response_per_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.criterion.code}"

    @property
    def is_not_applicable(self) -> bool:
        return self.rating == NOT_APPLICABLE

    @property
    def is_answered(self) -> bool:
        """Rated with a narrative, or marked not applicable with a justification."""
        if self.is_not_applicable:
            return bool(self.na_justification.strip())
        return bool(self.rating and self.narrative.strip())


def evidence_upload_to(instance: "EvidenceRevision", filename: str) -> str:
    """Generated storage names only: nothing the uploader typed reaches the file system."""
    import uuid

    return f"evidence/{instance.document.application_id}/{uuid.uuid4().hex}"


class EvidenceDocument(TimeStampedModel):
    """A piece of evidence in an application. Replacing it adds a revision; old ones are kept."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    current = models.OneToOneField(
        "EvidenceRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.current.original_name if self.current else f"Evidence {self.pk}"


class EvidenceRevision(models.Model):
    document = models.ForeignKey(
        EvidenceDocument, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("file name", max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.BigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="accreditation_revision_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0), name="accreditation_revision_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (revision {self.number})"


class EvidenceLink(TimeStampedModel):
    """A document offered as evidence for one criterion, with a pointer to the right place."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="evidence_links")
    document = models.ForeignKey(EvidenceDocument, on_delete=models.CASCADE, related_name="links")
    pointer = models.CharField(
        max_length=200, blank=True, help_text='Where to look, e.g. "section 4, page 12".'
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "document"], name="accreditation_link_once_per_criterion"
            ),
        ]


# --- submission records -----------------------------------------------------------------------


class SubmissionRecord(AppendOnlyModel):
    """Exactly what was submitted, kept for good: one per submission of an application (the
    first, and each re-submission), numbered 1, 2, … Assessors score a record, never the live
    draft, so later edits and replaced files cannot change what a submission said."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="submission_records"
    )
    number = models.PositiveIntegerField()
    version = models.ForeignKey(
        "standards.StandardVersion", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The declaration, as signed.
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declaration_name = models.CharField(max_length=150)
    declaration_role = models.CharField(max_length=150)
    declaration_text = models.TextField()
    declaration_signed_at = models.DateTimeField()
    # The organisation's and the programme's details as they were when submitted.
    organisation = models.JSONField()
    programme = models.JSONField()

    class Meta:
        verbose_name = "submission record"
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="accreditation_submission_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="accreditation_submission_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Submission {self.number} of application {self.application_id}"


class SubmittedAnswer(AppendOnlyModel):
    """One criterion's answer as submitted."""

    record = models.ForeignKey(SubmissionRecord, on_delete=models.PROTECT, related_name="answers")
    criterion = models.ForeignKey("standards.Criterion", on_delete=models.PROTECT, related_name="+")
    narrative = models.TextField(blank=True)
    rating = models.CharField(max_length=30, blank=True)
    na_justification = models.TextField(blank=True)

    class Meta:
        verbose_name = "submitted answer"
        ordering = ["record", "criterion__theme__number", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "criterion"], name="accreditation_submitted_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to criterion {self.criterion_id} in submission {self.record_id}"

    @property
    def is_not_applicable(self) -> bool:
        return self.rating == NOT_APPLICABLE


class SubmittedEvidence(AppendOnlyModel):
    """A file offered as evidence for one submitted answer: the exact revision linked when it
    was submitted, with its hash, name, size and the note on where to look."""

    answer = models.ForeignKey(SubmittedAnswer, on_delete=models.PROTECT, related_name="evidence")
    revision = models.ForeignKey(EvidenceRevision, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField("SHA-256", max_length=64)
    original_name = models.CharField("file name", max_length=255)
    size = models.BigIntegerField()
    pointer = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "submitted evidence"
        verbose_name_plural = "submitted evidence"
        ordering = ["answer", "pk"]

    def __str__(self) -> str:
        return f"{self.original_name} (revision {self.revision_id})"
