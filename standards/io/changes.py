"""Change files: a revision of a standard written as a list of edits (``qismet-standard-changes/1``).

A standard file describes a whole version; a change file describes how the next version differs
from the current one, in the terms an editor works in: update this criterion, add that one, merge
these, remove that one and say why, move, renumber, retitle a theme, change a setting. Applying it
goes through the same services as editing a draft by hand (copy the current version as a draft,
edit, publish), so criteria keep their keys, merges and removals are recorded in the version's
history with their reasons, and the publication checks are the usual ones. Everything happens in
one transaction: a change that cannot be made leaves nothing behind.

The format, field by field (``standards/data/demonstration-2026.2-changes.yaml`` is an example)::

    format: qismet-standard-changes/1
    standard: QISMET-DEMO            # the standard's code
    base_version: "2026.1"           # must be its current published version
    version:
      number: "2026.2"               # the new version; refused if the standard already has it
      notes: What changed …          # the new version's notes
    operations:                      # applied in order
      - op: update                   # change some fields of a criterion; the rest stay
        criterion: "3.7"             # (a weight can be changed but not removed)
        mandatory: true
      - op: add                      # a new criterion, with its key
        theme: 1
        code: "1.12"
        key: whistleblowing
        title: …
        requirement: …               # also guidance, evidence_examples, mandatory,
                                     # not_applicable_allowed, weight, as in a standard file
      - op: merge                    # criteria folded into another, which keeps its key
        into: "3.6"
        criteria: ["2.7", "3.9"]
        reason: …
      - op: delete
        criterion: "2.4"
        reason: …
      - op: move                     # within its theme: after another criterion, or first
        criterion: informed-consent
        after: "2.8"                 # or: first: true
      - op: renumber                 # number a theme's criteria n.1, n.2, … in their order
        theme: 2
      - op: theme
        number: 3
        summary: …                   # and/or title
      - op: settings                 # any of: certificate_validity_months,
        not_applicable_label: …      # not_applicable_label, scale, outcome_rule

A criterion is named by its code in the base version (``"2.7"``: the criterion that was 2.7 in
2026.1, wherever earlier operations have moved it since) or by its key (``informed-consent``),
which is how a criterion added by the file is named. Codes have a dot and keys never do, so the
two cannot be confused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from accounts.models import User
from qismet_portal.exceptions import DomainError

from ..models import (
    CRITERION_CODE_PATTERN,
    CRITERION_KEY_HINT,
    CRITERION_KEY_PATTERN,
    LONG_TEXT,
    MAX_EVIDENCE_EXAMPLE_LENGTH,
    STANDARD_CODE_PATTERN,
    VERSION_NUMBER_PATTERN,
    Criterion,
    Standard,
    StandardVersion,
    VersionEvent,
    VersionStatus,
    criterion_position,
)
from ..scoring import outcome_rule_problems, scale_problems
from .schema import (
    TOO_DEEP,
    Field,
    _check_mapping,
    _check_value,
    _Problems,
    _syntax_problems,
    _yaml_problem,
)

FORMAT = "qismet-standard-changes/1"


class ChangeFileInvalid(DomainError):
    """The change file was refused. ``problems`` lists every reason, each naming its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The change file was refused: " + "; ".join(problems))


@dataclass(frozen=True)
class Operation:
    kind: str
    fields: dict[str, Any]
    place: str  # e.g. "operation 4 (merge)"


@dataclass(frozen=True)
class ChangeDocument:
    standard: str
    base_version: str
    number: str
    notes: str
    operations: list[Operation] = field(default_factory=list)


# A code (CRITERION_CODE_PATTERN) or a key (CRITERION_KEY_PATTERN).
REFERENCE_PATTERN = r"^(?:[1-4]\.[0-9]{1,3}|[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)\Z"
REFERENCE = Field(
    "text",
    required=True,
    max_length=40,
    pattern=REFERENCE_PATTERN,
    pattern_hint="a criterion's code in the base version, e.g. 2.3, or its key, e.g. "
    "informed-consent",
)
REASON = Field("text", required=True, max_length=2000)
THEME_NUMBER = Field("int", required=True, minimum=1, maximum=4)
CONTENT_FIELDS = {
    "title": Field("text", max_length=200),
    "requirement": Field("text"),
    "guidance": Field("text"),
    "evidence_examples": Field("text_list", max_length=MAX_EVIDENCE_EXAMPLE_LENGTH),
    "mandatory": Field("bool"),
    "not_applicable_allowed": Field("bool"),
    "weight": Field("number"),
}
OPERATIONS: dict[str, dict[str, Field]] = {
    "update": {"criterion": REFERENCE, **CONTENT_FIELDS},
    "add": {
        "theme": THEME_NUMBER,
        "code": Field(
            "text",
            required=True,
            max_length=10,
            pattern=CRITERION_CODE_PATTERN,
            pattern_hint="the theme number, a dot and a number, e.g. 2.3",
        ),
        "key": Field(
            "text",
            required=True,
            max_length=40,
            pattern=CRITERION_KEY_PATTERN,
            pattern_hint=CRITERION_KEY_HINT,
        ),
        **CONTENT_FIELDS,
        "title": Field("text", required=True, max_length=200),
        "requirement": Field("text", required=True),
    },
    "merge": {"into": REFERENCE, "criteria": Field("list", required=True), "reason": REASON},
    "delete": {"criterion": REFERENCE, "reason": REASON},
    "move": {
        "criterion": REFERENCE,
        "after": replace(REFERENCE, required=False),
        "first": Field("bool"),
    },
    "renumber": {"theme": THEME_NUMBER},
    "theme": {
        "number": THEME_NUMBER,
        "title": Field("text", max_length=200),
        "summary": Field("text"),
    },
    "settings": {
        "certificate_validity_months": Field("int", minimum=1, maximum=120),
        "not_applicable_label": Field("text", max_length=60),
        "scale": Field("any"),
        "outcome_rule": Field("any"),
    },
}
# The fields an operation must change at least one of.
AT_LEAST_ONE = {
    "update": tuple(CONTENT_FIELDS),
    "theme": ("title", "summary"),
    "settings": tuple(OPERATIONS["settings"]),
}
VERSION_FIELDS = {
    "number": Field(
        "text",
        required=True,
        max_length=20,
        pattern=VERSION_NUMBER_PATTERN,
        pattern_hint="letters, digits, dots, dashes and underscores only, e.g. 2026.2",
    ),
    "notes": Field("text", required=True, max_length=LONG_TEXT),
}
TOP_FIELDS = {"format", "standard", "base_version", "version", "operations"}


def _check_operation(raw: Any, index: int, problems: _Problems) -> Operation | None:
    kind = raw.get("op") if isinstance(raw, dict) else None
    if kind not in OPERATIONS:
        problems.add(
            [f"operation {index}", "op"],
            f"say which operation this is: one of {', '.join(OPERATIONS)}",
        )
        return None
    place = f"operation {index} ({kind})"
    spec = {"op": Field("text", required=True), **OPERATIONS[kind]}
    before = len(problems.items)
    checked = _check_mapping(raw, spec, [place], problems)
    if checked is None or len(problems.items) > before:
        return None
    given = {name: value for name, value in checked.items() if raw.get(name) is not None}
    given.pop("op")
    if kind in AT_LEAST_ONE and not set(given) & set(AT_LEAST_ONE[kind]):
        problems.add([place], f"change at least one of {', '.join(AT_LEAST_ONE[kind])}")
    if kind == "add":
        prefix = given["code"].split(".")[0]
        if prefix != str(given["theme"]):
            problems.add(
                [place, "code"],
                f"{given['code']} does not start with the theme number {given['theme']}",
            )
    if kind == "merge":
        if not given["criteria"]:
            problems.add([place, "criteria"], "name at least one criterion to merge")
        for number, item in enumerate(given["criteria"], start=1):
            _check_value(item, REFERENCE, [place, "criteria", f"item {number}"], problems)
            if item == given["into"]:
                problems.add([place, "criteria", f"item {number}"], "cannot merge into itself")
    if kind == "move" and ("after" in given) == bool(given.get("first")):
        problems.add([place], "give either after (a criterion) or first: true")
    if kind == "settings":
        if "scale" in given:
            problems.items.extend(scale_problems(given["scale"], [place, "scale"]))
        if "outcome_rule" in given:
            problems.items.extend(
                outcome_rule_problems(given["outcome_rule"], [place, "outcome_rule"])
            )
    return Operation(kind, given, place)


def change_file_parse(data: bytes) -> ChangeDocument:
    """Check a whole change file and return its content, or raise ChangeFileInvalid.

    Only what the file says on its own is checked here; whether its criteria exist is known once
    the standard is read (``standard_revise``).
    """
    if len(data) > settings.MAX_STANDARD_FILE_BYTES:
        raise ChangeFileInvalid(["The file is too large"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ChangeFileInvalid(["The file is not UTF-8 text"]) from None
    syntax = _syntax_problems(text)
    if syntax:
        raise ChangeFileInvalid(syntax)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ChangeFileInvalid([_yaml_problem(error)]) from None
    except RecursionError:
        raise ChangeFileInvalid([TOO_DEEP]) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ChangeFileInvalid(
            [f'The file is not a change file: it should start with "format: {FORMAT}"']
        )
    problems = _Problems()
    for key in raw:
        if key not in TOP_FIELDS:
            problems.add(
                [str(key)], "unknown field (check the spelling; the format has no such field)"
            )
    top = _check_mapping(
        {name: raw.get(name) for name in ("standard", "base_version")},
        {
            "standard": Field(
                "text",
                required=True,
                max_length=40,
                pattern=STANDARD_CODE_PATTERN,
                pattern_hint="the standard's code, e.g. QISMET-DEMO",
            ),
            "base_version": VERSION_FIELDS["number"],
        },
        [],
        problems,
    )
    version = _check_mapping(raw.get("version"), VERSION_FIELDS, ["version"], problems)
    operations: list[Operation] = []
    raw_operations = raw.get("operations")
    if not isinstance(raw_operations, list) or not raw_operations:
        problems.add(["operations"], "must be a list of at least one operation")
        raw_operations = []
    for index, item in enumerate(raw_operations, start=1):
        operation = _check_operation(item, index, problems)
        if operation is not None:
            operations.append(operation)
    added: dict[str, str] = {}
    for operation in operations:
        if operation.kind == "add":
            key = operation.fields["key"]
            if key in added:
                problems.add([operation.place, "key"], f"{key} is already added by {added[key]}")
            added.setdefault(key, operation.place)
    if top and version and top["base_version"] == version["number"]:
        problems.add(["version", "number"], "must differ from base_version")
    if problems.items:
        raise ChangeFileInvalid(problems.items)
    assert top is not None and version is not None
    return ChangeDocument(
        standard=top["standard"],
        base_version=top["base_version"],
        number=version["number"],
        notes=version["notes"],
        operations=operations,
    )


# --- applying -------------------------------------------------------------------------------


def _refusal(standard: Standard | None, document: ChangeDocument, source: str) -> str | None:
    """Why the file cannot be applied to the standard as it stands, or None."""
    if standard is None:
        return f"There is no standard {document.standard} in the portal to revise."
    done = standard.versions.filter(number=document.number).first()
    if done is not None:
        state = done.get_status_display().lower()
        return (
            f"{standard.code} already has a version {document.number} ({state}): the changes in "
            f"{source} have been applied already, so nothing was changed."
        )
    current = standard.versions.filter(status=VersionStatus.PUBLISHED).first()
    if current is None or current.number != document.base_version:
        now = f"version {current.number}" if current else "no version"
        return (
            f"The changes in {source} are written against version {document.base_version} of "
            f"{standard.code}, which must be its current published version; it has {now} "
            "published now, so nothing was changed."
        )
    return None


class _Applier:
    """Applies one operation after another to the draft, each through a service."""

    def __init__(self, draft: StandardVersion, base: StandardVersion, user: User | None):
        from .. import services

        self.services = services
        self.draft = draft
        self.base = base
        self.user = user
        self.base_keys = dict(
            Criterion.objects.filter(theme__version=base).values_list("code", "key")
        )
        self.known_keys = set(self.base_keys.values())

    def find(self, reference: str) -> Criterion:
        if re.match(CRITERION_CODE_PATTERN, reference):
            key = self.base_keys.get(reference)
            if key is None:
                raise DomainError(f"version {self.base.number} has no criterion {reference}")
        else:
            key = reference
        criterion = (
            Criterion.objects.select_related("theme")
            .filter(theme__version=self.draft, key=key)
            .first()
        )
        if criterion is not None:
            return criterion
        if key in self.known_keys:
            raise DomainError(
                f"criterion {reference} is no longer in the draft: an earlier operation removed "
                "or merged it"
            )
        raise DomainError(f"no criterion has the key {reference}")

    def apply(self, operation: Operation) -> None:
        getattr(self, f"_{operation.kind}")(**operation.fields)

    def _content(self, criterion: Criterion | None, given: dict[str, Any]) -> dict[str, Any]:
        current = {
            "title": criterion.title if criterion else "",
            "requirement": criterion.requirement if criterion else "",
            "guidance": criterion.guidance if criterion else "",
            "evidence_examples": list(criterion.evidence_examples) if criterion else [],
            "mandatory": criterion.mandatory if criterion else False,
            "na_allowed": criterion.na_allowed if criterion else False,
            "weight": criterion.weight if criterion else None,
        }
        for name, value in given.items():
            current["na_allowed" if name == "not_applicable_allowed" else name] = value
        return current

    def _update(self, *, criterion: str, **given: Any) -> None:
        target = self.find(criterion)
        self.services.criterion_update(
            criterion=target, code=target.code, **self._content(target, given)
        )

    def _add(self, *, theme: int, code: str, key: str, **given: Any) -> None:
        self.services.criterion_create(
            theme=self.draft.themes.get(number=theme),
            code=code,
            key=key,
            **self._content(None, given),
        )
        self.known_keys.add(key)

    def _merge(self, *, into: str, criteria: list[str], reason: str) -> None:
        self.services.criteria_merge(
            criterion=self.find(into),
            merged=[self.find(reference) for reference in criteria],
            user=self.user,
            reason=reason,
        )

    def _delete(self, *, criterion: str, reason: str) -> None:
        self.services.criterion_delete(
            criterion=self.find(criterion), user=self.user, reason=reason
        )

    def _move(self, *, criterion: str, after: str | None = None, first: bool = False) -> None:
        moving = self.find(criterion)
        theme = moving.theme
        order = [
            c.pk
            for c in sorted(theme.criteria.all(), key=lambda c: criterion_position(c.code))
            if c.pk != moving.pk
        ]
        place = 0
        if after is not None:
            anchor = self.find(after)
            if anchor.theme_id != theme.pk:
                raise DomainError(
                    f"{after} is in theme {anchor.theme.number}, not theme {theme.number}: a "
                    "criterion moves within its theme"
                )
            place = order.index(anchor.pk) + 1
        order.insert(place, moving.pk)
        self.services.criteria_reorder(theme=theme, criterion_ids=order)

    def _renumber(self, *, theme: int) -> None:
        self.services.theme_renumber(theme=self.draft.themes.get(number=theme))

    def _theme(self, *, number: int, **given: Any) -> None:
        theme = self.draft.themes.get(number=number)
        self.services.theme_update(
            theme=theme,
            title=given.get("title", theme.title),
            summary=given.get("summary", theme.summary),
        )

    def _settings(self, **given: Any) -> None:
        self.settings(given)

    def settings(self, given: dict[str, Any]) -> None:
        version = StandardVersion.objects.get(pk=self.draft.pk)
        self.services.version_settings_update(
            version=version,
            scale=given.get("scale", version.scale),
            not_applicable_label=given.get("not_applicable_label", version.not_applicable_label),
            outcome_rule=given.get("outcome_rule", version.outcome_rule),
            certificate_validity_months=given.get(
                "certificate_validity_months", version.certificate_validity_months
            ),
            notes=given.get("notes", version.notes),
        )


def standard_revise(
    *, data: bytes, user: User | None, source_name: str = "changes", publish: bool = True
) -> StandardVersion:
    """Make the next version of a standard from a change file: copy, edit and (by default) publish.

    The same steps an administrator takes in the portal, through the same services, so the new
    version's history reads as if they had: draft made from the base version, each removal and
    merge with its reason, the file applied, published (retiring the base version; applications
    already started stay pinned to it). Refused, with nothing changed, if the file is invalid, if
    the base version is not the standard's current published version, if the new version number
    is taken (the file was applied already), or if any operation cannot be made; the refusal
    names the operation.
    """
    from ..services import version_copy_as_draft, version_publish

    document = change_file_parse(data)
    with transaction.atomic():
        standard = Standard.objects.select_for_update().filter(code=document.standard).first()
        refusal = _refusal(standard, document, source_name)
        if refusal:
            raise DomainError(refusal)
        base = standard.versions.get(number=document.base_version)
        draft = version_copy_as_draft(version=base, number=document.number, user=user)
        applier = _Applier(draft, base, user)
        for operation in document.operations:
            try:
                applier.apply(operation)
            except DomainError as error:
                raise ChangeFileInvalid([f"{operation.place}: {error}"]) from None
        applier.settings({"notes": document.notes})
        count = len(document.operations)
        VersionEvent.objects.create(
            version=draft,
            action=VersionEvent.Action.REVISED,
            to_status=VersionStatus.DRAFT,
            by=user,
            note=f"{count} change{'s' if count != 1 else ''} applied from {source_name}.",
        )
        if publish:
            draft = version_publish(version=draft, user=user)
    return draft
