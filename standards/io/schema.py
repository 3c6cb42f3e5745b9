"""Reading and checking a ``qismet-standard/1`` file, all of it, before anything is written.

Hand-written rather than a pydantic model because every problem must name its place the way an
administrator reads the file ("Theme 2 › criterion 2.3 › title: this field is required") and the
checks across fields (criterion codes against theme numbers, duplicate codes, the four themes) must
run even when other fields are wrong, so one upload lists everything to fix.

Safety: ``yaml.safe_load`` only (no Python objects), a size limit before parsing, and anchors and
aliases are refused (they can make a small file expand into a huge document). Duplicate keys are
refused too, because YAML would otherwise keep the last one silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.conf import settings

from qismet_portal.exceptions import DomainError

from ..models import (
    CRITERION_CODE_PATTERN,
    CRITERION_KEY_HINT,
    CRITERION_KEY_PATTERN,
    LONG_TEXT,
    MAX_CRITERIA_PER_THEME,
    MAX_EVIDENCE_EXAMPLE_LENGTH,
    MAX_EVIDENCE_EXAMPLES,
    STANDARD_CODE_PATTERN,
    VERSION_NUMBER_PATTERN,
)
from ..scoring import outcome_rule_problems, scale_problems

FORMAT = "qismet-standard/1"


CODE_SHAPE_RE = re.compile(r"^(\d+)\.(\d+)\Z")


class StandardFileInvalid(DomainError):
    """The file was refused. ``problems`` lists every reason, each naming its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The standard file was refused: " + "; ".join(problems))


@dataclass(frozen=True)
class CriterionData:
    code: str
    title: str
    requirement: str
    guidance: str
    evidence_examples: list[str]
    mandatory: bool
    na_allowed: bool
    weight: Decimal | None
    # None when the file gives no key (files written before keys existed): the import makes one.
    key: str | None = None
    merged_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ThemeData:
    number: int
    title: str
    summary: str
    criteria: list[CriterionData]


@dataclass(frozen=True)
class StandardDocument:
    code: str
    name: str
    description: str
    demonstration: bool
    number: str
    notes: str
    certificate_validity_months: int
    not_applicable_label: str
    scale: list[dict[str, str]]
    outcome_rule: dict[str, dict[str, Any]]
    themes: list[ThemeData] = field(default_factory=list)


@dataclass(frozen=True)
class Field:
    kind: str  # text, bool, int, number, text_list, list, mapping, any
    required: bool = False
    max_length: int = LONG_TEXT
    default: Any = None
    pattern: str | None = None
    pattern_hint: str = ""
    minimum: int | None = None
    maximum: int | None = None  # for text_list: the most items (MAX_EVIDENCE_EXAMPLES if None)


STANDARD_FIELDS = {
    "code": Field(
        "text",
        required=True,
        max_length=40,
        pattern=STANDARD_CODE_PATTERN,
        pattern_hint="letters, digits, dots, dashes and underscores only, e.g. QIS-2020",
    ),
    "name": Field("text", required=True, max_length=200),
    "description": Field("text", default=""),
    "demonstration": Field("bool", default=False),
}
VERSION_FIELDS = {
    "number": Field(
        "text",
        required=True,
        max_length=20,
        pattern=VERSION_NUMBER_PATTERN,
        pattern_hint="letters, digits, dots, dashes and underscores only, e.g. 2026.1",
    ),
    "notes": Field("text", default=""),
    "certificate_validity_months": Field("int", default=36, minimum=1, maximum=120),
    "not_applicable_label": Field("text", default="Not applicable", max_length=60),
    "scale": Field("any", required=True),
    "outcome_rule": Field("any", required=True),
}
THEME_FIELDS = {
    "number": Field("int", required=True, minimum=1, maximum=4),
    "title": Field("text", required=True, max_length=200),
    "summary": Field("text", default=""),
    "criteria": Field("list", required=True),
}
KEY_FIELD = Field(
    "text", max_length=40, pattern=CRITERION_KEY_PATTERN, pattern_hint=CRITERION_KEY_HINT
)
CRITERION_FIELDS = {
    "key": KEY_FIELD,
    "code": Field(
        "text",
        required=True,
        max_length=10,
        pattern=CRITERION_CODE_PATTERN,
        pattern_hint="the theme number, a dot and a number, e.g. 2.3",
    ),
    "title": Field("text", required=True, max_length=200),
    "requirement": Field("text", required=True),
    "guidance": Field("text", default=""),
    "evidence_examples": Field("text_list", default=[], max_length=MAX_EVIDENCE_EXAMPLE_LENGTH),
    "mandatory": Field("bool", default=False),
    "not_applicable_allowed": Field("bool", default=False),
    "weight": Field("number"),
    "merged_keys": Field(
        "text_list",
        default=[],
        max_length=40,
        pattern=CRITERION_KEY_PATTERN,
        pattern_hint=CRITERION_KEY_HINT,
        maximum=500,
    ),
}
# Optional criterion fields whose absence (None) is not a failure.
OPTIONAL_CRITERION_FIELDS = ("key", "weight")
TOP_FIELDS = {"format", "standard", "version", "themes"}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, place: list[str], message: str) -> None:
        self.items.append(f"{' › '.join(place)}: {message}" if place else message)


def _quote_hint(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'must be text; put it in quotes, e.g. "{value}"'
    return "must be text"


def _check_value(value: Any, spec: Field, place: list[str], problems: _Problems) -> Any:
    """The checked value, or None after recording a problem."""
    if spec.kind == "any":
        return value
    if spec.kind == "text":
        if not isinstance(value, str):
            problems.add(place, _quote_hint(value))
            return None
        if spec.required and not value.strip():
            problems.add(place, "must not be empty")
            return None
        if len(value) > spec.max_length:
            problems.add(
                place,
                f"is too long ({len(value)} characters; the most allowed is {spec.max_length})",
            )
            return None
        if spec.pattern and not re.match(spec.pattern, value):
            problems.add(place, f'"{value}" is not allowed here: use {spec.pattern_hint}')
            return None
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            problems.add(place, "must be true or false")
            return None
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(place, "must be a whole number")
            return None
        if not spec.minimum <= value <= spec.maximum:  # type: ignore[operator]
            problems.add(place, f"must be between {spec.minimum} and {spec.maximum}")
            return None
        return value
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(place, "must be a number, e.g. 1.5")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            problems.add(place, "must be a number, e.g. 1.5")
            return None
        if not number.is_finite() or not Decimal(0) < number < Decimal(1000):
            problems.add(place, "must be more than 0 and less than 1000")
            return None
        if number.as_tuple().exponent < -2:  # type: ignore[operator]
            problems.add(place, "may have at most two decimal places")
            return None
        return number
    if spec.kind == "list":
        if not isinstance(value, list):
            problems.add(place, "must be a list")
            return None
        return value
    if spec.kind == "text_list":
        if not isinstance(value, list):
            problems.add(place, "must be a list of text items")
            return None
        most = spec.maximum or MAX_EVIDENCE_EXAMPLES
        if len(value) > most:
            problems.add(place, f"has too many items (the most allowed is {most})")
            return None
        items = []
        item_spec = Field(
            "text",
            required=True,
            max_length=spec.max_length,
            pattern=spec.pattern,
            pattern_hint=spec.pattern_hint,
        )
        for index, item in enumerate(value, start=1):
            checked = _check_value(item, item_spec, [*place, f"item {index}"], problems)
            items.append(checked)
        return None if None in items else items
    raise AssertionError(f"unknown field kind {spec.kind}")


def _check_mapping(
    raw: Any, spec: dict[str, Field], place: list[str], problems: _Problems
) -> dict[str, Any] | None:
    """Check every field of ``raw``; return the checked values (None where a value failed)."""
    if not isinstance(raw, dict):
        problems.add(place, f"must be a group of named fields ({', '.join(spec)})")
        return None
    for key in raw:
        if key not in spec:
            problems.add(
                [*place, str(key)],
                "unknown field (check the spelling; the format has no such field)",
            )
    checked: dict[str, Any] = {}
    for name, field_spec in spec.items():
        if name not in raw or raw[name] is None:
            if field_spec.required:
                problems.add([*place, name], "this field is required")
                checked[name] = None
            else:
                checked[name] = field_spec.default
            continue
        checked[name] = _check_value(raw[name], field_spec, [*place, name], problems)
    return checked


def _check_section(
    raw: dict[str, Any], name: str, spec: dict[str, Field], problems: _Problems
) -> dict[str, Any] | None:
    if raw.get(name) is None:
        problems.add([name], "this field is required")
        return None
    return _check_mapping(raw[name], spec, [name], problems)


def _theme_place(raw: Any, index: int) -> str:
    number = raw.get("number") if isinstance(raw, dict) else None
    if isinstance(number, int) and not isinstance(number, bool):
        return f"Theme {number}"
    return f"theme at position {index}"


def _criterion_place(raw: Any, index: int) -> str:
    code = raw.get("code") if isinstance(raw, dict) else None
    if isinstance(code, str) and code.strip():
        return f"criterion {code}"
    return f"criterion at position {index}"


def _check_themes(raw: Any, problems: _Problems) -> list[ThemeData] | None:
    if raw is None:
        problems.add(["themes"], "this field is required")
        return None
    if not isinstance(raw, list):
        problems.add(["themes"], "must be a list of the four themes")
        return None
    themes: list[ThemeData | None] = []
    numbers: list[int] = []
    code_places: dict[str, list[list[str]]] = {}
    key_places: dict[str, list[list[str]]] = {}
    merged_places: dict[str, list[list[str]]] = {}
    for theme_index, theme_raw in enumerate(raw, start=1):
        place = [_theme_place(theme_raw, theme_index)]
        checked = _check_mapping(theme_raw, THEME_FIELDS, place, problems)
        if checked is None:
            themes.append(None)
            continue
        number = checked["number"]
        if number is not None:
            numbers.append(number)
        criteria_raw = checked["criteria"] or []
        if checked["criteria"] is not None and not criteria_raw:
            problems.add([*place, "criteria"], "a theme needs at least one criterion")
        if len(criteria_raw) > MAX_CRITERIA_PER_THEME:
            problems.add(
                [*place, "criteria"],
                f"has {len(criteria_raw)} criteria; the most allowed is {MAX_CRITERIA_PER_THEME}",
            )
            criteria_raw = []
        criteria: list[CriterionData | None] = []
        for criterion_index, criterion_raw in enumerate(criteria_raw, start=1):
            criterion_place = [*place, _criterion_place(criterion_raw, criterion_index)]
            values = _check_mapping(criterion_raw, CRITERION_FIELDS, criterion_place, problems)
            if values is None:
                criteria.append(None)
                continue
            code = values["code"]
            if code is not None:
                code_places.setdefault(code, []).append(criterion_place)
                prefix = CODE_SHAPE_RE.match(code)
                if number is not None and prefix and int(prefix.group(1)) != number:
                    problems.add(
                        place,
                        f"criterion code {code} does not start with the theme number {number}",
                    )
            if any(
                value is None
                for name, value in values.items()
                if name not in OPTIONAL_CRITERION_FIELDS or criterion_raw.get(name) is not None
            ):
                criteria.append(None)
                continue
            if values["key"] is not None:
                key_places.setdefault(values["key"], []).append([*criterion_place, "key"])
            for index, key in enumerate(values["merged_keys"], start=1):
                merged_places.setdefault(key, []).append(
                    [*criterion_place, "merged_keys", f"item {index}"]
                )
            criteria.append(
                CriterionData(
                    code=values["code"],
                    title=values["title"],
                    requirement=values["requirement"],
                    guidance=values["guidance"],
                    evidence_examples=list(values["evidence_examples"]),
                    mandatory=values["mandatory"],
                    na_allowed=values["not_applicable_allowed"],
                    weight=values["weight"],
                    key=values["key"],
                    merged_keys=list(values["merged_keys"]),
                )
            )
        complete = all(v is not None for v in checked.values()) and None not in criteria
        themes.append(
            ThemeData(
                number=checked["number"],
                title=checked["title"],
                summary=checked["summary"],
                criteria=criteria,  # type: ignore[arg-type]
            )
            if complete
            else None
        )
    for code, places in code_places.items():
        for place in places[1:]:
            problems.add([*place, "code"], f"{code} is used more than once in this version")
    for key, places in key_places.items():
        for place in places[1:]:
            problems.add(place, f"{key} is used more than once in this version")
    for key, places in merged_places.items():
        if key in key_places:
            problems.add(
                places[0], f"{key} is the key of a criterion of this version, so it was not merged"
            )
        for place in places[1:]:
            problems.add(place, f"{key} is listed as merged more than once in this version")
    if len(raw) != 4:
        problems.add(
            ["themes"], f"there must be exactly four themes, numbered 1 to 4 (found {len(raw)})"
        )
    for number in (1, 2, 3, 4):
        if numbers.count(number) > 1:
            problems.add(["themes"], f"theme {number} appears more than once")
        elif number not in numbers and len(numbers) == len(raw):
            problems.add(["themes"], f"theme {number} is missing")
    if None in themes:
        return None
    return sorted(themes, key=lambda theme: theme.number)  # type: ignore[union-attr,return-value]


class _DuplicateKeyLoader(yaml.SafeLoader):
    """SafeLoader only used to compose (never construct) the node tree for duplicate keys."""


TOO_DEEP = (
    "The file is nested far more deeply than a standard file can be; check it is the right file"
)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    problem = getattr(error, "problem", None) or str(error)
    return f"The file is not valid YAML{where}: {problem}"


def _syntax_problems(text: str) -> list[str]:
    """YAML syntax errors, aliases and duplicate keys, found without building any object."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                return [
                    f"Line {mark.line + 1}: anchors and aliases (& and *) are not allowed in a "
                    "standard file; write each value out in full"
                ]
        root = yaml.compose(text, Loader=_DuplicateKeyLoader)
    except yaml.YAMLError as error:
        return [_yaml_problem(error)]
    except RecursionError:
        return [TOO_DEEP]
    problems = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = getattr(key_node, "value", None)
                if isinstance(key, str):
                    if key in seen:
                        problems.append(
                            f'Line {key_node.start_mark.line + 1}: the field "{key}" is given '
                            "twice in the same place"
                        )
                    seen.add(key)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def standard_file_parse(data: bytes) -> StandardDocument:
    """Check a whole standard file and return its content, or raise StandardFileInvalid.

    Nothing is read from or written to the database here: the importer adds the checks that need
    it (an existing version number) and then writes.
    """
    limit = settings.MAX_STANDARD_FILE_BYTES
    if len(data) > limit:
        raise StandardFileInvalid(
            [
                f"The file is too large ({len(data) / 1024:,.0f} KB); the largest accepted is "
                f"{limit / 1024:,.0f} KB"
            ]
        )
    if not data.strip():
        raise StandardFileInvalid(["The file is empty"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StandardFileInvalid(
            ["The file is not UTF-8 text. Save it as UTF-8 (plain text) and try again"]
        ) from None
    syntax = _syntax_problems(text)
    if syntax:
        raise StandardFileInvalid(syntax)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:  # e.g. a !!python tag, which safe_load refuses to build
        raise StandardFileInvalid([_yaml_problem(error)]) from None
    except RecursionError:
        raise StandardFileInvalid([TOO_DEEP]) from None
    if not isinstance(raw, dict):
        raise StandardFileInvalid(
            [
                "The file is not a QISMET standard file: it should be YAML that starts with "
                f'"format: {FORMAT}"'
            ]
        )
    if "format" not in raw:
        raise StandardFileInvalid(
            [f'format: this field is required; the file should start with "format: {FORMAT}"']
        )
    if raw["format"] != FORMAT:
        raise StandardFileInvalid(
            [f'format: this portal reads "{FORMAT}" files, but the file says "{raw["format"]}"']
        )
    problems = _Problems()
    for key in raw:
        if key not in TOP_FIELDS:
            problems.add(
                [str(key)], "unknown field (check the spelling; the format has no such field)"
            )
    standard = _check_section(raw, "standard", STANDARD_FIELDS, problems)
    version = _check_section(raw, "version", VERSION_FIELDS, problems)
    if version is not None:
        if version["scale"] is not None:
            problems.items.extend(scale_problems(version["scale"], ["version", "scale"]))
        if version["outcome_rule"] is not None:
            problems.items.extend(
                outcome_rule_problems(version["outcome_rule"], ["version", "outcome_rule"])
            )
    themes = _check_themes(raw.get("themes"), problems)
    if problems.items:
        raise StandardFileInvalid(problems.items)
    assert standard is not None and version is not None and themes is not None
    return StandardDocument(
        code=standard["code"],
        name=standard["name"],
        description=standard["description"],
        demonstration=standard["demonstration"],
        number=version["number"],
        notes=version["notes"],
        certificate_validity_months=version["certificate_validity_months"],
        not_applicable_label=version["not_applicable_label"],
        scale=[
            {
                "code": level["code"],
                "label": level["label"],
                "meaning": level["meaning"],
                "description": level.get("description") or "",
            }
            for level in version["scale"]
        ],
        outcome_rule={
            "accredited": {
                "all_mandatory_met": version["outcome_rule"]["accredited"]["all_mandatory_met"],
                "max_not_met": version["outcome_rule"]["accredited"]["max_not_met"],
            },
            "conditional": {
                "max_mandatory_not_met": version["outcome_rule"]["conditional"][
                    "max_mandatory_not_met"
                ]
            },
        },
        themes=themes,
    )
