"""Moderation, the recommendation, the decision, its conditions and appeals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accreditation.lifecycle import DECIDED, ApplicationStatus
from qismet_portal.models import TimeStampedModel

from .applications import Application
from .base import AppendOnlyModel


class AgreedScore(TimeStampedModel):
    """The lead assessor's moderated score of one criterion: what the decision rests on."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="agreed_scores"
    )
    criterion = models.ForeignKey("standards.Criterion", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=30)
    rationale = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    improvements = models.TextField("areas for improvement", blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["application", "criterion__theme__number", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="accreditation_one_agreed_score"
            ),
        ]

    def __str__(self) -> str:
        return f"Agreed score of criterion {self.criterion_id} on {self.application_id}"


class Outcome(models.TextChoices):
    """The outcomes of a decision, as the statuses they lead to."""

    ACCREDITED = ApplicationStatus.ACCREDITED.value, ApplicationStatus.ACCREDITED.label
    CONDITIONAL = ApplicationStatus.CONDITIONAL.value, ApplicationStatus.CONDITIONAL.label
    NOT_ACCREDITED = ApplicationStatus.NOT_ACCREDITED.value, ApplicationStatus.NOT_ACCREDITED.label


assert {o.value for o in Outcome} == {s.value for s in DECIDED}


class Recommendation(TimeStampedModel):
    """The lead assessor's recommendation, written at the end of moderation."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="recommendation"
    )
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    summary = models.TextField()
    proposed_conditions = models.TextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recommendation on {self.application_id}"


class Decision(AppendOnlyModel):
    """An administrator's decision, kept as made. An appeal that is upheld adds a new decision;
    the first one stays for the record."""

    class Kind(models.TextChoices):
        FIRST = "first", "Decision"
        APPEAL = "appeal", "Decision on appeal"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FIRST)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    # What the outcome rule of the pinned version gave, and why the decision differs (if it does).
    suggested_outcome = models.CharField(max_length=30, choices=Outcome.choices)
    override_reason = models.TextField(blank=True)
    reasons = models.TextField("reasons for the decision")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    record = models.ForeignKey(
        "accreditation.SubmissionRecord", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "decision"
        ordering = ["application", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=models.F("suggested_outcome")) | ~Q(override_reason=""),
                name="accreditation_decision_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.application_id}: {self.get_outcome_display()}"


class ConditionStatus(models.TextChoices):
    OPEN = "open", "Open"
    EVIDENCE_SENT = "evidence_sent", "Evidence sent, waiting for sign-off"
    SIGNED_OFF = "signed_off", "Signed off"


class Condition(TimeStampedModel):
    """Something the provider must put right by a deadline after a conditional decision."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="conditions"
    )
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="conditions")
    number = models.PositiveSmallIntegerField()
    description = models.TextField()
    due_on = models.DateField("deadline")
    status = models.CharField(
        max_length=20, choices=ConditionStatus.choices, default=ConditionStatus.OPEN
    )
    provider_response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ManyToManyField(
        "accreditation.EvidenceDocument", blank=True, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="accreditation_condition_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status=ConditionStatus.SIGNED_OFF) | Q(signed_off_at__isnull=False),
                name="accreditation_condition_signed_off_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Condition {self.number} of {self.application_id}"

    @property
    def is_overdue(self) -> bool:
        """Still waiting for the provider after its deadline."""
        return self.status == ConditionStatus.OPEN and self.due_on < timezone.localdate()


class AppealStatus(models.TextChoices):
    LODGED = "lodged", "Lodged, waiting for reviewers"
    UNDER_REVIEW = "under_review", "Under review"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


class Appeal(TimeStampedModel):
    """A provider's appeal against a decision, heard by people with no part in it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    grounds = models.TextField()
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppealStatus.choices, default=AppealStatus.LODGED
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="appeals_reviewed"
    )
    outcome_reasons = models.TextField(blank=True)
    outcome_decision = models.OneToOneField(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-lodged_at"]

    def __str__(self) -> str:
        return f"Appeal {self.pk} on {self.application_id}"
