"""The QISMET standard: standard → versions → four themes → criteria.

A published version is immutable (see guards below and the database triggers in the migrations):
applications are pinned to the version they started against, for their whole life.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_fsm import FSMField, FSMModelMixin

from qismet_portal.models import TimeStampedModel


class ScaleMeaning(models.TextChoices):
    """What a level of a version's scoring scale means to the outcome rule."""

    MET = "met", "Met"
    PARTIAL = "partial", "Partially met"
    NOT_MET = "not_met", "Not met"


def default_scale() -> list[dict[str, str]]:
    return [
        {
            "code": "met",
            "label": "Met",
            "meaning": "met",
            "description": "The requirement is fully in place and the evidence shows it.",
        },
        {
            "code": "partially_met",
            "label": "Partially met",
            "meaning": "partial",
            "description": "Some of the requirement is in place; there are gaps to close.",
        },
        {
            "code": "not_met",
            "label": "Not met",
            "meaning": "not_met",
            "description": "The requirement is not in place, or there is no evidence that it is.",
        },
    ]


def default_outcome_rule() -> dict[str, dict[str, object]]:
    return {
        "accredited": {"all_mandatory_met": True, "max_not_met": 0},
        "conditional": {"max_mandatory_not_met": 0},
    }


class Standard(TimeStampedModel):
    code = models.CharField(
        max_length=40, unique=True, help_text="Short identifier, e.g. QIS-2020."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_demonstration = models.BooleanField(
        "demonstration content",
        default=False,
        help_text="Illustrative content written for this portal, not an official QISMET standard.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class StandardVersion(FSMModelMixin, TimeStampedModel):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="versions")
    number = models.CharField(max_length=20, help_text="e.g. 2026.1")
    status = FSMField(default=VersionStatus.DRAFT, choices=VersionStatus.choices, protected=True)
    notes = models.TextField("what changed", blank=True)
    scale = models.JSONField(default=default_scale)
    not_applicable_label = models.CharField(max_length=60, default="Not applicable")
    outcome_rule = models.JSONField(default=default_outcome_rule)
    certificate_validity_months = models.PositiveSmallIntegerField(
        default=36, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived_versions"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["standard__name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "number"], name="standards_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["standard"],
                condition=models.Q(status=VersionStatus.PUBLISHED),
                name="standards_one_published_version",
            ),
            models.CheckConstraint(
                condition=models.Q(certificate_validity_months__gte=1)
                & models.Q(certificate_validity_months__lte=120),
                name="standards_validity_months_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status=VersionStatus.DRAFT)
                | models.Q(published_at__isnull=False),
                name="standards_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.name} – version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Theme(models.Model):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="standards_theme_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1) & models.Q(number__lte=4),
                name="standards_theme_number_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Theme {self.number}: {self.title}"


class Criterion(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(max_length=10, help_text="Theme number, a dot and a number, e.g. 2.3.")
    title = models.CharField(max_length=200)
    requirement = models.TextField()
    guidance = models.TextField(blank=True)
    evidence_examples = models.JSONField(default=list, blank=True)
    mandatory = models.BooleanField(default=False)
    na_allowed = models.BooleanField("not applicable allowed", default=False)
    weight = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["theme__number", "order", "code"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "code"], name="standards_criterion_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
