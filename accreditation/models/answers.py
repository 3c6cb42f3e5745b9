"""A provider's answers to the criteria and the evidence behind them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from qismet_portal.models import TimeStampedModel

from .applications import NOT_APPLICABLE, Application


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
    # A renewal's answer carried over from the last accreditation: the provider checks it is
    # still current and saves it (choosing a rating, which renewals reset) before submitting.
    carried_over = models.BooleanField(default=False)

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
    # What inspecting the content found that people should know before opening it (for a PDF:
    # JavaScript, actions run on opening, launch actions, embedded files, a broken structure).
    # Each entry is a plain sentence; empty when nothing was found.
    content_warnings = models.JSONField(default=list, blank=True)
    # The revision this one replaced: the previous one of the same document, or, when a file
    # shared with other criteria was replaced for the re-opened criteria of an information
    # request only, the revision of the document it was split from. Lets "what changed" say
    # "replaced" rather than "removed" and "added".
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

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
