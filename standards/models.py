"""The QISMET standard: standard → versions → four themes → criteria.

A published version is immutable: applications are pinned to the version they started against, for
their whole life, and an accrediting body must be able to show years later exactly what a provider
was assessed against. Two layers enforce it:

* Python guards here (``save()``/``delete()`` and the QuerySets' ``update()``/``delete()``/
  ``bulk_create()``) raise :class:`~qismet_portal.exceptions.ImmutableError`, which views turn into
  a message;
* database triggers (migration 0003) refuse the same writes from any other path: raw SQL, a shell,
  a future bug that bypasses the ORM.

The only change a published version accepts is its retirement (status published → retired, with
``retired_at``). Status changes go through django-fsm-2 transitions (the field is protected);
business rules for them (what makes a version publishable) live in ``standards.services``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from qismet_portal.exceptions import ImmutableError
from qismet_portal.models import TimeStampedModel

STANDARD_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z"
VERSION_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z"
CRITERION_CODE_PATTERN = r"^[1-4]\.[0-9]{1,3}\Z"
# A criterion's key: lower-case letters, digits and inner dashes, never a dot (so a key can never
# be mistaken for a code such as 2.3).
CRITERION_KEY_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?\Z"
CRITERION_KEY_HINT = (
    "lower-case letters, digits and dashes, up to 40 characters, starting and ending with a "
    "letter or digit, e.g. informed-consent"
)

# Limits shared by the editing forms, the services and the file importer, so that anything made
# in the portal can be exported and imported again.
MAX_CRITERIA_PER_THEME = 60
MAX_EVIDENCE_EXAMPLES = 30
MAX_EVIDENCE_EXAMPLE_LENGTH = 500
LONG_TEXT = 20_000
THEME_NUMBERS = (1, 2, 3, 4)


def new_criterion_key() -> str:
    """A fresh key for a criterion that is new to its standard: 12 random hexadecimal digits.

    Random rather than made from the title, so it says nothing that a later rewording could make
    untrue; files may carry readable keys instead (the demonstration edition does).
    """
    return secrets.token_hex(6)


def criterion_position(code: str) -> int:
    """Where a criterion sits in its theme: the number after the dot (2.10 comes after 2.9).

    Codes are what people cite, so a theme lists its criteria in code order, always: the ``order``
    column of a criterion holds this number, set by the services whenever a code is given.
    """
    _, _, number = code.partition(".")
    return int(number) if number.isdigit() else 0


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
        max_length=40,
        unique=True,
        help_text="Short identifier, e.g. QIS-2020.",
        validators=[
            RegexValidator(
                STANDARD_CODE_PATTERN,
                "Use letters, digits, dots, dashes and underscores only, e.g. QIS-2020.",
            )
        ],
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


# Columns of a version that never change once it has left draft. Only status (published → retired),
# retired_at (set on retirement) and the updated_at bookkeeping column may change after that.
FROZEN_VERSION_FIELDS = (
    "standard_id",
    "number",
    "notes",
    "scale",
    "not_applicable_label",
    "outcome_rule",
    "certificate_validity_months",
    "based_on_id",
    "published_at",
    "published_by_id",
    "created_at",
)


def _locked_version(condition: Q) -> StandardVersion | None:
    """The first non-draft version matching ``condition`` (a lookup from StandardVersion)."""
    return (
        StandardVersion._base_manager.filter(condition)
        .exclude(status=VersionStatus.DRAFT)
        .only("number", "status")
        .first()
    )


def _immutable(number: str, status: str, what: str, verb: str = "changed") -> ImmutableError:
    return ImmutableError(
        f"Version {number} is {VersionStatus(status).label.lower()}, so {what} cannot be {verb}. "
        "Make a new draft from it to revise the standard."
    )


def _refuse_if_locked(condition: Q, what: str, verb: str = "changed") -> None:
    version = _locked_version(condition)
    if version is not None:
        raise _immutable(version.number, version.status, what, verb)


def _target_id(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


class StandardVersionQuerySet(models.QuerySet["StandardVersion"]):
    def drafts(self) -> StandardVersionQuerySet:
        return self.filter(status=VersionStatus.DRAFT)

    def published(self) -> StandardVersionQuerySet:
        return self.filter(status=VersionStatus.PUBLISHED)

    def not_draft(self) -> StandardVersionQuerySet:
        return self.exclude(status=VersionStatus.DRAFT)

    def update(self, **kwargs: Any) -> int:
        if "status" in kwargs:
            raise ImmutableError(
                "A version's status changes only through publishing or retiring it."
            )
        if set(kwargs) - {"updated_at"}:
            _refuse_if_locked(Q(pk__in=self.values("pk")), "it")
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_if_locked(Q(pk__in=self.values("pk")), "it", "deleted")
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        objs = list(objs)
        if any(obj.status != VersionStatus.DRAFT for obj in objs):
            raise ImmutableError("A standard version must start as a draft.")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any) -> int:
        # Checked here, before Django opens its transaction, so a refusal leaves it usable.
        objs = list(objs)
        if "status" in fields:
            raise ImmutableError(
                "A version's status changes only through publishing or retiring it."
            )
        if set(fields) - {"updated_at"}:
            _refuse_if_locked(Q(pk__in=[obj.pk for obj in objs]), "it")
        return super().bulk_update(objs, fields, *args, **kwargs)


class StandardVersion(FSMModelMixin, TimeStampedModel):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="versions")
    number = models.CharField(
        max_length=20,
        help_text="e.g. 2026.1",
        validators=[
            RegexValidator(
                VERSION_NUMBER_PATTERN,
                "Use letters, digits, dots, dashes and underscores only, e.g. 2026.1.",
            )
        ],
    )
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

    objects = StandardVersionQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=models.Q(status=VersionStatus.RETIRED, retired_at__isnull=False)
                | (~models.Q(status=VersionStatus.RETIRED) & models.Q(retired_at__isnull=True)),
                name="standards_retired_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.name} – version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def is_retired(self) -> bool:
        return self.status == VersionStatus.RETIRED

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def clean_fields(self, exclude: Any = None) -> None:
        # The protected status field cannot be re-assigned by full_clean(); transitions set it.
        super().clean_fields(exclude={*(exclude or ()), "status"})

    # State changes only. What makes a version publishable is decided in services.version_publish.
    @transition(field=status, source=VersionStatus.DRAFT, target=VersionStatus.PUBLISHED)
    def publish(self) -> None:
        """Draft → published: from now on the version is immutable."""

    @transition(field=status, source=VersionStatus.PUBLISHED, target=VersionStatus.RETIRED)
    def retire(self) -> None:
        """Published → retired: no new applications; pinned ones keep using it."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            if self.status != VersionStatus.DRAFT:
                raise ImmutableError("A standard version must start as a draft.")
        else:
            self._refuse_frozen_changes()
        super().save(*args, **kwargs)

    def _refuse_frozen_changes(self) -> None:
        stored = (
            StandardVersion._base_manager.filter(pk=self.pk)
            .values("status", "retired_at", *FROZEN_VERSION_FIELDS)
            .first()
        )
        if stored is None or stored["status"] == VersionStatus.DRAFT:
            return
        changed = [name for name in FROZEN_VERSION_FIELDS if getattr(self, name) != stored[name]]
        unchanged_status = (
            self.status == stored["status"] and self.retired_at == stored["retired_at"]
        )
        retiring = (
            stored["status"] == VersionStatus.PUBLISHED
            and self.status == VersionStatus.RETIRED
            and self.retired_at is not None
        )
        if changed or not (unchanged_status or retiring):
            raise _immutable(stored["number"], stored["status"], "it")

    def delete(self, *args: Any, **kwargs: Any):
        _refuse_if_locked(Q(pk=self.pk), "it", "deleted")
        return super().delete(*args, **kwargs)


class VersionEvent(models.Model):
    """One line of a version's history: who did what to it, when, from which status to which."""

    class Action(models.TextChoices):
        CREATED = "created", "Draft created"
        IMPORTED = "imported", "Imported from a file"
        COPIED = "copied", "Draft made from another version"
        REVISED = "revised", "Changes applied from a file"
        CRITERION_REMOVED = "criterion_removed", "Criterion removed"
        CRITERIA_MERGED = "criteria_merged", "Criteria merged"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=VersionStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=VersionStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%d %b %Y})"


class ThemeQuerySet(models.QuerySet["Theme"]):
    def update(self, **kwargs: Any) -> int:
        condition = Q(themes__in=self.values("pk"))
        for key in ("version", "version_id"):
            if key in kwargs:
                condition |= Q(pk=_target_id(kwargs[key]))
        _refuse_if_locked(condition, "its themes")
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_if_locked(Q(themes__in=self.values("pk")), "its themes", "deleted")
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        objs = list(objs)
        _refuse_if_locked(Q(pk__in={obj.version_id for obj in objs}), "its themes")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        _refuse_if_locked(
            Q(themes__pk__in=[obj.pk for obj in objs]) | Q(pk__in={obj.version_id for obj in objs}),
            "its themes",
        )
        return super().bulk_update(objs, fields, *args, **kwargs)


class Theme(models.Model):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    objects = ThemeQuerySet.as_manager()

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        condition = Q(pk=self.version_id)
        if not self._state.adding:
            condition |= Q(themes__pk=self.pk)
        _refuse_if_locked(condition, "its themes")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        _refuse_if_locked(Q(themes__pk=self.pk), "its themes", "deleted")
        return super().delete(*args, **kwargs)


class CriterionQuerySet(models.QuerySet["Criterion"]):
    def update(self, **kwargs: Any) -> int:
        condition = Q(themes__criteria__in=self.values("pk"))
        for key in ("theme", "theme_id"):
            if key in kwargs:
                condition |= Q(themes__pk=_target_id(kwargs[key]))
        _refuse_if_locked(condition, "its criteria")
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_if_locked(Q(themes__criteria__in=self.values("pk")), "its criteria", "deleted")
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        objs = list(objs)
        _refuse_if_locked(Q(themes__pk__in={obj.theme_id for obj in objs}), "its criteria")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        _refuse_if_locked(
            Q(themes__criteria__pk__in=[obj.pk for obj in objs])
            | Q(themes__pk__in={obj.theme_id for obj in objs}),
            "its criteria",
        )
        return super().bulk_update(objs, fields, *args, **kwargs)


class Criterion(models.Model):
    """One requirement of a version.

    ``code`` is what people cite and may change from one version to the next (a criterion is
    renumbered); ``key`` is the criterion's identity across versions: copied unchanged into each
    new draft, given afresh to a criterion that is new, and unique within a version. Renewals and
    the comparison of versions follow a criterion by its key, whatever happens to its code or text.
    When criteria are merged, the one kept lists the others' keys in ``merged_keys``.
    """

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(
        max_length=40,
        default=new_criterion_key,
        editable=False,
        help_text="Identity of the criterion across versions; never changes.",
        validators=[RegexValidator(CRITERION_KEY_PATTERN, f"Use {CRITERION_KEY_HINT}.")],
    )
    code = models.CharField(
        max_length=10,
        help_text="Theme number, a dot and a number, e.g. 2.3.",
        validators=[
            RegexValidator(
                CRITERION_CODE_PATTERN, "Use the theme number, a dot and a number, e.g. 2.3."
            )
        ],
    )
    title = models.CharField(max_length=200)
    requirement = models.TextField()
    guidance = models.TextField(blank=True)
    evidence_examples = models.JSONField(default=list, blank=True)
    mandatory = models.BooleanField(default=False)
    na_allowed = models.BooleanField("not applicable allowed", default=False)
    weight = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # The number after the dot of ``code`` (see criterion_position): the theme's criteria are listed
    # in code order, numerically, and moving a criterion renumbers it.
    order = models.PositiveSmallIntegerField(default=0)
    merged_keys = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Keys of criteria of earlier versions that were merged into this one.",
    )

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["theme__number", "order", "code"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "code"], name="standards_criterion_code_unique"
            ),
            # Unique in the whole version: the database checks it within a theme (a criterion
            # never changes theme), and the services and the importer across the version.
            models.UniqueConstraint(fields=["theme", "key"], name="standards_criterion_key_unique"),
            models.CheckConstraint(
                condition=models.Q(weight__isnull=True) | models.Q(weight__gt=0),
                name="standards_criterion_weight_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        condition = Q(themes__pk=self.theme_id)
        if not self._state.adding:
            condition |= Q(themes__criteria__pk=self.pk)
        _refuse_if_locked(condition, "its criteria")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        _refuse_if_locked(Q(themes__criteria__pk=self.pk), "its criteria", "deleted")
        return super().delete(*args, **kwargs)
