"""Every change to a standard: versions (publish, retire, copy, settings, delete), themes, criteria.

Each service is atomic and keyword-only, and locks the version row it works on, so two
administrators cannot publish the same draft twice or edit a draft while it is being published.
Drafts are the only thing that can be edited; the models and database refuse the rest anyway, but
checking here first gives a clear message. Status changes go through the model's django-fsm-2
transitions and each one writes a ``VersionEvent`` (who, when, from, to).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django_fsm import TransitionNotAllowed as FSMTransitionNotAllowed

from accounts.models import User
from qismet_portal.exceptions import DomainError, ImmutableError, TransitionNotAllowed

from .models import (
    CRITERION_CODE_PATTERN,
    CRITERION_KEY_HINT,
    CRITERION_KEY_PATTERN,
    MAX_CRITERIA_PER_THEME,
    MAX_EVIDENCE_EXAMPLE_LENGTH,
    MAX_EVIDENCE_EXAMPLES,
    THEME_NUMBERS,
    VERSION_NUMBER_PATTERN,
    Criterion,
    Standard,
    StandardVersion,
    Theme,
    VersionEvent,
    VersionStatus,
    criterion_position,
)
from .scoring import outcome_rule_problems, scale_problems

DEMONSTRATION_EDITION_PATH = Path(__file__).resolve().parent / "data" / "demonstration-edition.yaml"
DEMONSTRATION_REVISION_PATH = (
    Path(__file__).resolve().parent / "data" / "demonstration-2026.2-changes.yaml"
)


class PublishRefused(DomainError):
    """The draft is not ready to publish; ``problems`` says everything that is missing."""

    def __init__(self, version: StandardVersion, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"Version {version.number} cannot be published yet: " + "; ".join(problems)
        )


# --- helpers --------------------------------------------------------------------------------


def _locked(version: StandardVersion) -> StandardVersion:
    """The version re-read under a row lock, so decisions are taken on its current state."""
    # Lock the standard row as well: publishing retires its other published version, so two
    # publications of one standard must queue behind each other.
    return (
        StandardVersion.objects.select_for_update(of=("self", "standard"))
        .select_related("standard")
        .get(pk=version.pk)
    )


def _locked_draft(version: StandardVersion) -> StandardVersion:
    locked = _locked(version)
    if not locked.is_draft:
        raise ImmutableError(
            f"Version {locked.number} is {locked.get_status_display().lower()}, so it cannot be "
            "changed. Make a new draft from it to revise the standard."
        )
    return locked


def _event(
    version: StandardVersion,
    action: str,
    *,
    user: User | None,
    from_status: str = "",
    note: str = "",
) -> VersionEvent:
    return VersionEvent.objects.create(
        version=version,
        action=action,
        from_status=from_status,
        to_status=version.status,
        by=user,
        note=note,
    )


def _check_number(standard: Standard, number: str) -> str:
    number = (number or "").strip()
    if not number or len(number) > 20 or not re.match(VERSION_NUMBER_PATTERN, number):
        raise DomainError(
            "Give a version number of up to 20 letters, digits, dots, dashes or underscores, "
            "e.g. 2026.1."
        )
    if standard.versions.filter(number=number).exists():
        raise DomainError(f"{standard.name} already has a version {number}.")
    return number


def _check_code(theme: Theme, code: str, *, exclude: Criterion | None = None) -> str:
    code = (code or "").strip()
    if not re.match(CRITERION_CODE_PATTERN, code):
        raise DomainError("A criterion code is the theme number, a dot and a number, e.g. 2.3.")
    if code.split(".")[0] != str(theme.number):
        raise DomainError(
            f"Criterion code {code} does not start with the theme number {theme.number}."
        )
    taken = Criterion.objects.filter(theme__version_id=theme.version_id, code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise DomainError(f"This version already has a criterion {code}.")
    return code


def _check_key(version_id: int, key: str) -> str:
    """A key given for a new criterion: well formed, and no identity this version already has."""
    key = (key or "").strip()
    if not re.match(CRITERION_KEY_PATTERN, key):
        raise DomainError(f"A criterion key uses {CRITERION_KEY_HINT}.")
    criteria = Criterion.objects.filter(theme__version_id=version_id)
    if criteria.filter(key=key).exists():
        raise DomainError(f"This version already has a criterion with the key {key}.")
    if any(key in merged for merged in criteria.values_list("merged_keys", flat=True)):
        raise DomainError(
            f"The key {key} belongs to a criterion merged into another one in this version."
        )
    return key


def _version_create(*, standard: Standard, number: str, **fields: Any) -> StandardVersion:
    """Insert a new draft; a number taken meanwhile by someone else is a clear refusal."""
    try:
        with transaction.atomic():
            return StandardVersion.objects.create(standard=standard, number=number, **fields)
    except IntegrityError:
        raise DomainError(f"{standard.name} already has a version {number}.") from None


def _clean_examples(examples: Sequence[str]) -> list[str]:
    cleaned = [example.strip() for example in examples if example and example.strip()]
    if len(cleaned) > MAX_EVIDENCE_EXAMPLES:
        raise DomainError(f"Give at most {MAX_EVIDENCE_EXAMPLES} examples of evidence.")
    too_long = [example for example in cleaned if len(example) > MAX_EVIDENCE_EXAMPLE_LENGTH]
    if too_long:
        raise DomainError(
            f"Each example of evidence can be at most {MAX_EVIDENCE_EXAMPLE_LENGTH} characters; "
            f"“{too_long[0][:40]}…” is longer."
        )
    return cleaned


# --- versions -------------------------------------------------------------------------------


def version_publish_problems(version: StandardVersion) -> list[str]:
    """Everything that stops ``version`` being published; empty when it is ready.

    A published version is what providers are assessed against for years, so it must be complete:
    the four themes, each with at least one criterion, and a usable scale and outcome rule.
    Reads ``version.themes`` and their criteria, so prefetch them to keep it to no queries.
    """
    problems: list[str] = []
    themes = sorted(version.themes.all(), key=lambda theme: theme.number)
    numbers = [theme.number for theme in themes]
    for number in THEME_NUMBERS:
        if number not in numbers:
            problems.append(f"Theme {number} is missing")
    for theme in themes:
        if not theme.title.strip():
            problems.append(f"Theme {theme.number} has no title")
        criteria = list(theme.criteria.all())
        if not criteria:
            problems.append(f"Theme {theme.number} has no criteria")
        for criterion in criteria:
            if not criterion.code.startswith(f"{theme.number}."):
                problems.append(
                    f"Theme {theme.number}: criterion code {criterion.code} does not start with "
                    f"the theme number {theme.number}"
                )
            if not criterion.title.strip() or not criterion.requirement.strip():
                problems.append(f"Criterion {criterion.code} needs a title and a requirement")
    problems += scale_problems(version.scale, ["Scale"])
    problems += outcome_rule_problems(version.outcome_rule, ["Outcome rule"])
    if not version.not_applicable_label.strip():
        problems.append("The label for “not applicable” is empty")
    return problems


@transaction.atomic
def version_publish(*, version: StandardVersion, user: User | None) -> StandardVersion:
    """Publish a draft, retiring the standard's previously published version in the same step.

    Only one version of a standard is current at a time (new applications start against it);
    applications already pinned to the retired version keep it. A draft that is incomplete is
    refused with every problem listed.
    """
    version = _locked(version)
    if not version.is_draft:
        raise TransitionNotAllowed(
            f"Version {version.number} is {version.get_status_display().lower()}; only a draft "
            "can be published."
        )
    prefetch_related_objects([version], "themes__criteria")
    problems = version_publish_problems(version)
    if problems:
        raise PublishRefused(version, problems)
    now = timezone.now()
    current = (
        StandardVersion.objects.select_for_update()
        .filter(standard_id=version.standard_id, status=VersionStatus.PUBLISHED)
        .first()
    )
    if current is not None:
        _retire(current, user=user, at=now, note=f"Replaced by version {version.number}.")
    version.publish()
    version.published_at = now
    version.published_by = user
    version.save()
    _event(version, VersionEvent.Action.PUBLISHED, user=user, from_status=VersionStatus.DRAFT)
    return version


def _retire(version: StandardVersion, *, user: User | None, at, note: str = "") -> None:
    try:
        version.retire()
    except FSMTransitionNotAllowed:
        raise TransitionNotAllowed(
            f"Version {version.number} is {version.get_status_display().lower()}; only the "
            "published version can be retired."
        ) from None
    version.retired_at = at
    version.save(update_fields=["status", "retired_at", "updated_at"])
    _event(
        version,
        VersionEvent.Action.RETIRED,
        user=user,
        from_status=VersionStatus.PUBLISHED,
        note=note,
    )


@transaction.atomic
def version_retire(*, version: StandardVersion, user: User | None) -> StandardVersion:
    """Retire the published version without a successor: no new application can start against it.

    Its content stays exactly as it was, for the applications and certificates that refer to it.
    """
    version = _locked(version)
    _retire(version, user=user, at=timezone.now())
    return version


@transaction.atomic
def version_copy_as_draft(
    *, version: StandardVersion, number: str, user: User | None
) -> StandardVersion:
    """Start a revision: a new draft copying every setting, theme and criterion of ``version``.

    Published versions never change, so revising the standard always means a new version; the copy
    remembers what it was based on so the comparison page can show what changed. Each criterion
    keeps its key, so it can be followed from version to version whatever is later changed.
    """
    source = StandardVersion.objects.select_related("standard").get(pk=version.pk)
    if source.is_draft:
        raise DomainError("Make new drafts from a published or retired version, not from a draft.")
    number = _check_number(source.standard, number)
    draft = _version_create(
        standard=source.standard,
        number=number,
        notes=source.notes,
        scale=source.scale,
        not_applicable_label=source.not_applicable_label,
        outcome_rule=source.outcome_rule,
        certificate_validity_months=source.certificate_validity_months,
        based_on=source,
    )
    themes = {
        theme.number: theme
        for theme in Theme.objects.bulk_create(
            Theme(version=draft, number=t.number, title=t.title, summary=t.summary)
            for t in source.themes.order_by("number")
        )
    }
    Criterion.objects.bulk_create(
        Criterion(
            theme=themes[c.theme.number],
            code=c.code,
            title=c.title,
            requirement=c.requirement,
            guidance=c.guidance,
            evidence_examples=list(c.evidence_examples),
            mandatory=c.mandatory,
            na_allowed=c.na_allowed,
            weight=c.weight,
            order=criterion_position(c.code),
            key=c.key,
            merged_keys=list(c.merged_keys),
        )
        for c in Criterion.objects.filter(theme__version=source).select_related("theme")
    )
    for number_ in THEME_NUMBERS:
        if number_ not in themes:
            Theme.objects.create(version=draft, number=number_, title=f"Theme {number_}")
    _event(
        draft, VersionEvent.Action.COPIED, user=user, note=f"Copied from version {source.number}."
    )
    return draft


@transaction.atomic
def version_draft_create(
    *, standard: Standard, number: str, user: User | None, theme_titles: Sequence[str] = ()
) -> StandardVersion:
    """A new, empty draft of ``standard`` with its four themes (every version has exactly four)."""
    number = _check_number(standard, number)
    draft = _version_create(standard=standard, number=number)
    titles = list(theme_titles) + [""] * 4
    Theme.objects.bulk_create(
        Theme(version=draft, number=n, title=titles[n - 1] or f"Theme {n}") for n in THEME_NUMBERS
    )
    _event(draft, VersionEvent.Action.CREATED, user=user)
    return draft


@transaction.atomic
def version_settings_update(
    *,
    version: StandardVersion,
    scale: list[dict[str, str]],
    not_applicable_label: str,
    outcome_rule: dict[str, dict[str, Any]],
    certificate_validity_months: int,
    notes: str,
) -> StandardVersion:
    """Change a draft's scoring scale, N/A label, outcome rule, certificate validity and notes."""
    version = _locked_draft(version)
    problems = scale_problems(scale, ["Scale"]) + outcome_rule_problems(
        outcome_rule, ["Outcome rule"]
    )
    if not 1 <= certificate_validity_months <= 120:
        problems.append("Certificate validity must be between 1 and 120 months")
    if not not_applicable_label.strip():
        problems.append("The label for “not applicable” is required")
    if problems:
        raise DomainError("; ".join(problems))
    version.scale = scale
    version.not_applicable_label = not_applicable_label.strip()
    version.outcome_rule = outcome_rule
    version.certificate_validity_months = certificate_validity_months
    version.notes = notes
    version.save()
    return version


@transaction.atomic
def version_draft_delete(*, version: StandardVersion) -> None:
    """Delete a draft and everything in it. Published and retired versions are kept for ever."""
    version = _locked_draft(version)
    version.delete()


# --- themes ---------------------------------------------------------------------------------


@transaction.atomic
def theme_create(*, version: StandardVersion, number: int, title: str, summary: str = "") -> Theme:
    """Add back a missing theme to a draft (drafts are created with all four)."""
    version = _locked_draft(version)
    if number not in THEME_NUMBERS:
        raise DomainError("Themes are numbered 1 to 4.")
    if version.themes.filter(number=number).exists():
        raise DomainError(f"Theme {number} already exists in this version.")
    if not title.strip():
        raise DomainError("A theme needs a title.")
    return Theme.objects.create(
        version=version, number=number, title=title.strip(), summary=summary
    )


@transaction.atomic
def theme_update(*, theme: Theme, title: str, summary: str) -> Theme:
    """Change a draft theme's title and summary. Its number is fixed (the four themes)."""
    _locked_draft(theme.version)
    if not title.strip():
        raise DomainError("A theme needs a title.")
    theme = Theme.objects.get(pk=theme.pk)
    theme.title = title.strip()
    theme.summary = summary
    theme.save()
    return theme


@transaction.atomic
def theme_delete(*, theme: Theme) -> None:
    """Remove a theme and its criteria from a draft; the draft cannot be published without it."""
    _locked_draft(theme.version)
    Theme.objects.get(pk=theme.pk).delete()


# --- criteria -------------------------------------------------------------------------------


@transaction.atomic
def criterion_create(
    *,
    theme: Theme,
    code: str,
    title: str,
    requirement: str,
    guidance: str = "",
    evidence_examples: Sequence[str] = (),
    mandatory: bool = False,
    na_allowed: bool = False,
    weight: Decimal | None = None,
    key: str | None = None,
) -> Criterion:
    """Add a criterion to a draft theme, in its place by code. Codes are unique in the version.

    A new criterion is new to the standard, so it gets a fresh key unless one is given (a change
    file names the keys of the criteria it adds, so that later steps and later files can find
    them).
    """
    _locked_draft(theme.version)
    code = _check_code(theme, code)
    extra = {} if key is None else {"key": _check_key(theme.version_id, key)}
    if theme.criteria.count() >= MAX_CRITERIA_PER_THEME:
        raise DomainError(f"A theme can hold at most {MAX_CRITERIA_PER_THEME} criteria.")
    try:
        with transaction.atomic():
            return Criterion.objects.create(
                theme=theme,
                code=code,
                title=title.strip(),
                requirement=requirement.strip(),
                guidance=guidance.strip(),
                evidence_examples=_clean_examples(evidence_examples),
                mandatory=mandatory,
                na_allowed=na_allowed,
                weight=weight,
                order=criterion_position(code),
                **extra,
            )
    except IntegrityError:
        raise DomainError(f"This version already has a criterion {code}.") from None


@transaction.atomic
def criterion_update(
    *,
    criterion: Criterion,
    code: str,
    title: str,
    requirement: str,
    guidance: str = "",
    evidence_examples: Sequence[str] = (),
    mandatory: bool = False,
    na_allowed: bool = False,
    weight: Decimal | None = None,
) -> Criterion:
    """Change a draft criterion (its theme stays the same; its code must still match it)."""
    criterion = Criterion.objects.select_related("theme__version").get(pk=criterion.pk)
    _locked_draft(criterion.theme.version)
    criterion.code = _check_code(criterion.theme, code, exclude=criterion)
    criterion.order = criterion_position(criterion.code)
    criterion.title = title.strip()
    criterion.requirement = requirement.strip()
    criterion.guidance = guidance.strip()
    criterion.evidence_examples = _clean_examples(evidence_examples)
    criterion.mandatory = mandatory
    criterion.na_allowed = na_allowed
    criterion.weight = weight
    criterion.save()
    return criterion


def _described(criterion: Criterion) -> str:
    return f"{criterion.code} “{criterion.title}”"


@transaction.atomic
def criterion_delete(*, criterion: Criterion, user: User | None = None, reason: str = "") -> None:
    """Remove a criterion from a draft, recording in the version's history who did and why.

    A removed criterion is one that providers renewing their accreditation will no longer answer,
    so the reason is worth keeping beside the version, not only in someone's memory.
    """
    criterion = Criterion.objects.select_related("theme__version").get(pk=criterion.pk)
    version = _locked_draft(criterion.theme.version)
    criterion.delete()
    note = f"Criterion {_described(criterion)} removed."
    if reason.strip():
        note += f" Reason: {reason.strip()}"
    _event(version, VersionEvent.Action.CRITERION_REMOVED, user=user, note=note)


@transaction.atomic
def criteria_merge(
    *,
    criterion: Criterion,
    merged: Sequence[Criterion],
    user: User | None = None,
    reason: str = "",
) -> Criterion:
    """Merge ``merged`` into ``criterion``: they leave the draft and their identities go with it.

    ``criterion`` keeps its own key and code and lists the keys of the merged criteria (and of any
    merged into them before) in ``merged_keys``, so a renewal can still follow an answer given to
    a merged criterion, and the comparison of versions says "merged into" rather than "removed".
    Its text is not changed here: reword it with ``criterion_update``. Criteria may come from any
    theme of the same draft.
    """
    criterion = Criterion.objects.select_related("theme__version").get(pk=criterion.pk)
    version = _locked_draft(criterion.theme.version)
    others = list(
        Criterion.objects.filter(pk__in=[c.pk for c in merged])
        .select_related("theme")
        .order_by("theme__number", "order")
    )
    if not others or len(others) != len({c.pk for c in merged}):
        raise DomainError("Choose at least one other criterion of this version to merge.")
    if any(other.pk == criterion.pk for other in others):
        raise DomainError("A criterion cannot be merged into itself.")
    if any(other.theme.version_id != version.pk for other in others):
        raise DomainError("Only criteria of the same version can be merged.")
    keys = list(criterion.merged_keys)
    for other in others:
        for key in (other.key, *other.merged_keys):
            if key not in keys:
                keys.append(key)
    for other in others:
        other.delete()
    criterion.merged_keys = keys
    criterion.save(update_fields=["merged_keys"])
    note = (
        f"{', '.join(_described(other) for other in others)} merged into {_described(criterion)}."
    )
    if reason.strip():
        note += f" Reason: {reason.strip()}"
    _event(version, VersionEvent.Action.CRITERIA_MERGED, user=user, note=note)
    return criterion


@dataclass(frozen=True)
class Renumbering:
    """One criterion whose code a reorder changed: ``criterion`` carries its new code."""

    criterion: Criterion
    old_code: str

    @property
    def new_code(self) -> str:
        return self.criterion.code

    def __str__(self) -> str:
        return f"{self.old_code} “{self.criterion.title}” is now {self.new_code}"


@transaction.atomic
def criteria_reorder(*, theme: Theme, criterion_ids: Sequence[int]) -> list[Renumbering]:
    """Put a draft theme's criteria in the given order (every criterion of the theme, once).

    Codes are what assessors, providers and reports cite, and a theme always lists its criteria in
    code order, so changing the order means renumbering: the codes the theme already uses are
    handed out again, lowest first, in the new order. Returns the criteria whose code changed, so
    the page can say exactly which codes are now different.
    """
    _locked_draft(theme.version)
    criteria = {c.pk: c for c in theme.criteria.all()}
    if sorted(criterion_ids) != sorted(criteria):
        raise DomainError("Give every criterion of the theme exactly once to reorder them.")
    codes = sorted((c.code for c in criteria.values()), key=criterion_position)
    changed = [
        Renumbering(criterion=criteria[pk], old_code=criteria[pk].code)
        for pk, code in zip(criterion_ids, codes, strict=True)
        if criteria[pk].code != code
    ]
    # Codes are unique in a theme and the database checks that row by row, so the criteria that
    # change step aside under temporary codes first (the version's lock keeps this private).
    for step, item in enumerate(changed):
        item.criterion.code = f"~{step}"
    Criterion.objects.bulk_update([item.criterion for item in changed], ["code"])
    for pk, code in zip(criterion_ids, codes, strict=True):
        criteria[pk].code = code
        criteria[pk].order = criterion_position(code)
    Criterion.objects.bulk_update(criteria.values(), ["code", "order"])
    return changed


@transaction.atomic
def theme_renumber(*, theme: Theme) -> list[Renumbering]:
    """Number a draft theme's criteria n.1, n.2, … in their order, closing any gaps.

    Removing or merging criteria leaves gaps in the codes (2.6 followed by 2.8); a revision
    usually closes them before it is published. Each criterion keeps its key, so renewals and the
    comparison of versions still follow it. Returns the criteria whose code changed.
    """
    version = _locked_draft(theme.version)
    theme = version.themes.get(pk=theme.pk)
    criteria = sorted(theme.criteria.all(), key=lambda c: criterion_position(c.code))
    codes = [f"{theme.number}.{position}" for position in range(1, len(criteria) + 1)]
    changed = [
        Renumbering(criterion=c, old_code=c.code)
        for c, code in zip(criteria, codes, strict=True)
        if c.code != code
    ]
    # As in criteria_reorder: step aside under temporary codes, then take the new ones.
    for step, item in enumerate(changed):
        item.criterion.code = f"~{step}"
    Criterion.objects.bulk_update([item.criterion for item in changed], ["code"])
    for criterion, code in zip(criteria, codes, strict=True):
        criterion.code = code
        criterion.order = criterion_position(code)
    Criterion.objects.bulk_update(criteria, ["code", "order"])
    return changed


@transaction.atomic
def criterion_move(*, criterion: Criterion, offset: int) -> list[Renumbering]:
    """Move a draft criterion up (offset -1) or down (+1) within its theme, swapping codes.

    The criterion takes its neighbour's code and the neighbour takes its code, so code and order
    stay together. Returns both renumberings (nothing when it is already first or last).
    """
    criterion = Criterion.objects.select_related("theme__version").get(pk=criterion.pk)
    theme = criterion.theme
    _locked_draft(theme.version)  # read the order under the lock, so moves cannot undo each other
    ids = [c.pk for c in sorted(theme.criteria.all(), key=lambda c: criterion_position(c.code))]
    index = ids.index(criterion.pk)
    target = index + offset
    if not 0 <= target < len(ids):
        return []
    ids[index], ids[target] = ids[target], ids[index]
    return criteria_reorder(theme=theme, criterion_ids=ids)


# --- demonstration edition ------------------------------------------------------------------


def demonstration_edition_load(*, path: Path | None = None) -> StandardVersion:
    """Load and publish the portal's own illustrative standard, once.

    Idempotent: if the file's standard already has that version (in any status) it is returned
    untouched, so ``manage.py demo`` can run any number of times. The file must be marked as
    demonstration content, so the portal always labels it as not an official QISMET standard.
    """
    from .io import standard_file_parse, standard_import

    path = path or DEMONSTRATION_EDITION_PATH
    data = path.read_bytes()
    document = standard_file_parse(data)
    if not document.demonstration:
        raise DomainError(f"{path.name} must say demonstration: true under standard.")
    existing = StandardVersion.objects.filter(
        standard__code=document.code, number=document.number
    ).first()
    if existing is not None:
        return existing
    return standard_import(data=data, user=None, publish=True, source_name=path.name)


def demonstration_revision_publish(*, path: Path | None = None) -> StandardVersion:
    """Publish the demonstration standard's revision (2026.2) from its change file, once.

    Idempotent for ``manage.py demo``: if the file's new version already exists (in any status)
    it is returned untouched. Otherwise the change file is applied through the editing services
    (``standard_revise``), which refuses, changing nothing, unless the version it revises is the
    standard's current published one. Only a demonstration standard is revised this way.
    """
    from .io.changes import change_file_parse, standard_revise

    path = path or DEMONSTRATION_REVISION_PATH
    data = path.read_bytes()
    document = change_file_parse(data)
    standard = Standard.objects.filter(code=document.standard).first()
    if standard is not None and not standard.is_demonstration:
        raise DomainError(f"{standard.code} is not demonstration content; {path.name} is for one.")
    existing = StandardVersion.objects.filter(
        standard__code=document.standard, number=document.number
    ).first()
    if existing is not None:
        return existing
    return standard_revise(data=data, user=None, source_name=path.name)
