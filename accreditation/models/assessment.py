"""Assessors, their declared interests, their assignments, their scores and their requests for
more information.

Independence is enforced per application, not by job title: anyone with an active assessor
profile (an assessor, or an administrator who also assesses) may be assigned, unless they have
declared an interest in the provider within the conflict window (``COI_WINDOW_YEARS``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from qismet_portal.models import TimeStampedModel

from .applications import Application

#: An interest in a provider that ended less than this many years ago still conflicts.
COI_WINDOW_YEARS = 2


class AssessorProfile(TimeStampedModel):
    """What makes a person assignable: their expertise, availability and whether they are
    taking work. Holding an active profile is the assessor capability, whatever the role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessor_profile"
    )
    conditions = models.CharField(
        "conditions they know well",
        max_length=300,
        blank=True,
        help_text="For example: diabetes, chronic pain, COPD, mental health.",
    )
    delivery_modes = models.JSONField(
        "delivery models they know well",
        default=list,
        blank=True,
        help_text="Codes of providers.DeliveryMode.",
    )
    availability = models.CharField(
        max_length=300, blank=True, help_text="For example: two applications a month; not August."
    )
    max_active_assignments = models.PositiveSmallIntegerField("most assignments at once", default=3)
    is_active = models.BooleanField(
        "taking assignments",
        default=True,
        help_text="Inactive assessors are not offered for new assignments.",
    )

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"Assessor profile of {self.user}"


class InterestKind(models.TextChoices):
    EMPLOYED = "employed", "Employed by them"
    CONSULTANCY = "consultancy", "Advised or did consultancy for them"
    FUNDED = "funded", "Funded by them, or funded them"
    TRUSTEE = "trustee", "Trustee, director or volunteer"
    PERSONAL = "personal", "Close personal or family connection"
    OTHER = "other", "Other interest"


class DeclaredInterest(TimeStampedModel):
    """An assessor's interest in a provider organisation, with dates. One that is ongoing or
    ended less than ``COI_WINDOW_YEARS`` ago keeps them off that provider's applications."""

    profile = models.ForeignKey(AssessorProfile, on_delete=models.CASCADE, related_name="interests")
    organisation = models.ForeignKey(
        "providers.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=InterestKind.choices)
    description = models.CharField(max_length=300, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="Leave empty if it is ongoing.")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="accreditation_interest_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.organisation}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "Lead assessor"
    SECOND = "second", "Second assessor"


class AssignmentStatus(models.TextChoices):
    OFFERED = "offered", "Waiting for the assessor to accept"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REMOVED = "removed", "Replaced"


#: Assignments that hold a place on the application (one lead, one second, at a time).
LIVE_ASSIGNMENT = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)


class Assignment(FSMModelMixin, TimeStampedModel):
    """An assessor's part in one application. Nothing of the application is visible to them
    until they accept and sign the conflict-of-interest declaration (``declared_at``)."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="assignments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(max_length=10, choices=AssignmentRole.choices)
    status = FSMField(
        default=AssignmentStatus.OFFERED, choices=AssignmentStatus.choices, protected=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("scoring due by")
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    removed_reason = models.TextField(blank=True)
    # The conflict-of-interest declaration, as signed.
    declaration_text = models.TextField(blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    # "Complete my scoring": every criterion scored, handed over for moderation.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "role", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "role"],
                condition=Q(status__in=LIVE_ASSIGNMENT),
                name="accreditation_one_live_assignment_per_role",
            ),
            models.UniqueConstraint(
                fields=["application", "assessor"],
                condition=Q(status__in=LIVE_ASSIGNMENT),
                name="accreditation_assessor_once_per_application",
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.ACCEPTED) | Q(declared_at__isnull=False),
                name="accreditation_accepted_assignment_declared",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on {self.application_id}: {self.assessor}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_ASSIGNMENT

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @transition(field=status, source=AssignmentStatus.OFFERED, target=AssignmentStatus.ACCEPTED)
    def accept(self) -> None:
        """Accepted, with the conflict-of-interest declaration signed."""

    @transition(field=status, source=AssignmentStatus.OFFERED, target=AssignmentStatus.DECLINED)
    def decline(self) -> None:
        """Declined, with a reason."""

    @transition(field=status, source=list(LIVE_ASSIGNMENT), target=AssignmentStatus.REMOVED)
    def remove(self) -> None:
        """An administrator reassigned the place to someone else."""


class Score(TimeStampedModel):
    """One assessor's score of one criterion: the level (a code of the pinned version's scale,
    or "na"), a rationale and findings. Blind: no other assessor sees it until both have
    completed their scoring."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey("standards.Criterion", on_delete=models.PROTECT, related_name="+")
    # The submission record the score was given against (a later re-submission may change the
    # answer; the workspace then says so).
    record = models.ForeignKey(
        "accreditation.SubmissionRecord", on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=30, blank=True)
    rationale = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    improvements = models.TextField("areas for improvement", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Same conflict protection as the provider's answers: a save from an older page is refused.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["assignment", "criterion__theme__number", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="accreditation_one_score_per_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"Score of criterion {self.criterion_id} by assignment {self.assignment_id}"


class InformationRequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for the provider"
    ANSWERED = "answered", "Answered"
    CANCELLED = "cancelled", "Cancelled"


class InformationRequest(TimeStampedModel):
    """An assessor's request for more information on named criteria. While it is open, only
    those criteria re-open for the provider; the answer is a new submission record."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="information_requests"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=10,
        choices=InformationRequestStatus.choices,
        default=InformationRequestStatus.OPEN,
    )
    criteria = models.ManyToManyField("standards.Criterion", related_name="+")
    # The record the request was raised against, and the one that answered it.
    record = models.ForeignKey(
        "accreditation.SubmissionRecord", on_delete=models.PROTECT, related_name="+"
    )
    answered_record = models.ForeignKey(
        "accreditation.SubmissionRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    provider_note = models.TextField("note from the provider", blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.TextField("why it was cancelled", blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status=InformationRequestStatus.OPEN),
                name="accreditation_one_open_information_request",
            ),
        ]

    def __str__(self) -> str:
        return f"Information request {self.pk} on application {self.application_id}"
