"""A version's scoring scale and outcome rule: checking them, describing them, applying them.

Both are stored as JSON on the version (so each version carries its own rules for life). These pure
functions are the one place that knows their shape: the file importer, the settings form, the
publish service and, later, the decision step all use them.

Scale: an ordered list of levels, best first, each ``{code, label, meaning, description}`` where
``meaning`` is one of met / partial / not_met (what the level counts as for the outcome rule).

Outcome rule::

    accredited:  {all_mandatory_met: bool, max_not_met: int or null}
    conditional: {max_mandatory_not_met: int or null}

Accredited when (if ``all_mandatory_met``) every applicable mandatory criterion is met and at most
``max_not_met`` criteria are not met; otherwise accredited with conditions when at most
``max_mandatory_not_met`` mandatory criteria are not met; otherwise not accredited. ``null`` means
no limit. Criteria scored "not applicable" count for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .models import ScaleMeaning

SCALE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]*\Z")
SCALE_MIN_LEVELS = 2
SCALE_MAX_LEVELS = 10
SCALE_CODE_MAX = 30
SCALE_LABEL_MAX = 60
SCALE_DESCRIPTION_MAX = 1000
MEANING_RANK = {ScaleMeaning.MET: 0, ScaleMeaning.PARTIAL: 1, ScaleMeaning.NOT_MET: 2}

OUTCOME_FIELDS: dict[str, dict[str, str]] = {
    "accredited": {"all_mandatory_met": "bool", "max_not_met": "limit"},
    "conditional": {"max_mandatory_not_met": "limit"},
}
OUTCOME_LIMIT_MAX = 999


class Outcome:
    ACCREDITED = "accredited"
    CONDITIONAL = "conditional"
    NOT_ACCREDITED = "not_accredited"


def _join(place: list[str], message: str) -> str:
    return f"{' › '.join(place)}: {message}" if place else message


def scale_problems(scale: Any, place: list[str] | None = None) -> list[str]:
    """Every reason ``scale`` is not a usable scale, each naming its place; empty when it is."""
    place = place or []
    if not isinstance(scale, list):
        return [_join(place, "must be a list of levels")]
    problems: list[str] = []
    if not SCALE_MIN_LEVELS <= len(scale) <= SCALE_MAX_LEVELS:
        problems.append(
            _join(
                place,
                f"must have between {SCALE_MIN_LEVELS} and {SCALE_MAX_LEVELS} levels "
                f"(found {len(scale)})",
            )
        )
    codes: list[str] = []
    ranks: list[int] = []
    for index, level in enumerate(scale, start=1):
        where = [*place, f"level {index}"]
        if not isinstance(level, dict):
            problems.append(_join(where, "must be a group of named fields (code, label, meaning)"))
            continue
        for key in sorted(set(level) - {"code", "label", "meaning", "description"}, key=str):
            problems.append(
                _join([*where, str(key)], "unknown field; the format has no such field")
            )
        code = level.get("code")
        if not isinstance(code, str) or not SCALE_CODE_RE.match(code) or len(code) > SCALE_CODE_MAX:
            problems.append(
                _join(
                    [*where, "code"],
                    "is required: lower-case letters, digits and underscores, e.g. partially_met",
                )
            )
        else:
            codes.append(code)
        label = level.get("label")
        if not isinstance(label, str) or not label.strip():
            problems.append(_join([*where, "label"], "this field is required"))
        elif len(label) > SCALE_LABEL_MAX:
            problems.append(
                _join([*where, "label"], f"is too long (the most allowed is {SCALE_LABEL_MAX})")
            )
        description = level.get("description", "")
        if not isinstance(description, str):
            problems.append(_join([*where, "description"], "must be text"))
        elif len(description) > SCALE_DESCRIPTION_MAX:
            problems.append(
                _join(
                    [*where, "description"],
                    f"is too long (the most allowed is {SCALE_DESCRIPTION_MAX} characters)",
                )
            )
        meaning = level.get("meaning")
        if meaning not in ScaleMeaning.values:
            problems.append(_join([*where, "meaning"], "must be one of: met, partial, not_met"))
        else:
            ranks.append(MEANING_RANK[ScaleMeaning(meaning)])
    for code in sorted({code for code in codes if codes.count(code) > 1}):
        problems.append(_join(place, f"the code {code} is used by more than one level"))
    if len(ranks) == len(scale):
        missing = [m.value for m in ScaleMeaning if MEANING_RANK[m] not in ranks]
        if missing:
            problems.append(_join(place, f"needs at least one level meaning {', '.join(missing)}"))
        elif ranks != sorted(ranks):
            problems.append(
                _join(place, "levels must be listed best first: met, then partial, then not_met")
            )
    return problems


def outcome_rule_problems(rule: Any, place: list[str] | None = None) -> list[str]:
    """Every reason ``rule`` is not a usable outcome rule, each naming its place."""
    place = place or []
    if not isinstance(rule, dict):
        return [_join(place, "must be a group of named fields (accredited, conditional)")]
    problems: list[str] = []
    for key in sorted(set(rule) - set(OUTCOME_FIELDS), key=str):
        problems.append(_join([*place, str(key)], "unknown field; the format has no such field"))
    for part, fields in OUTCOME_FIELDS.items():
        where = [*place, part]
        if part not in rule:
            problems.append(_join(where, "this field is required"))
            continue
        values = rule[part]
        if not isinstance(values, dict):
            problems.append(_join(where, f"must be a group of named fields ({', '.join(fields)})"))
            continue
        for key in sorted(set(values) - set(fields), key=str):
            problems.append(
                _join([*where, str(key)], "unknown field; the format has no such field")
            )
        for name, kind in fields.items():
            if name not in values:
                problems.append(_join([*where, name], "this field is required"))
                continue
            value = values[name]
            if kind == "bool" and not isinstance(value, bool):
                problems.append(_join([*where, name], "must be true or false"))
            if kind == "limit" and value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    problems.append(
                        _join([*where, name], "must be a whole number, or null for no limit")
                    )
                elif not 0 <= value <= OUTCOME_LIMIT_MAX:
                    problems.append(
                        _join([*where, name], f"must be between 0 and {OUTCOME_LIMIT_MAX}")
                    )
    return problems


def _criteria(count: int | None) -> str:
    if count is None:
        return "any number of criteria"
    if count == 0:
        return "no criterion"
    return f"at most {count} criteri{'on' if count == 1 else 'a'}"


def outcome_rule_sentences(rule: dict[str, dict[str, Any]]) -> list[str]:
    """The rule in plain English, one sentence per outcome, for the version page and the diff."""
    accredited = rule.get("accredited", {})
    conditional = rule.get("conditional", {})
    parts = []
    if accredited.get("all_mandatory_met"):
        parts.append("every mandatory criterion is met")
    parts.append(f"{_criteria(accredited.get('max_not_met'))} is not met")
    mandatory = conditional.get("max_mandatory_not_met")
    if mandatory is None:
        condition = "otherwise, whatever the mandatory criteria score"
    elif mandatory == 0:
        condition = "no mandatory criterion is not met"
    else:
        condition = f"at most {mandatory} mandatory criteria are not met"
    return [
        f"Accredited when {' and '.join(parts)}.",
        f"Accredited with conditions when {condition}.",
        "Not accredited otherwise. Criteria marked not applicable are left out of every count.",
    ]


def outcome_decide(*, rule: dict[str, dict[str, Any]], results: Iterable[tuple[bool, str]]) -> str:
    """Apply ``rule`` to ``results``: (mandatory, meaning) per criterion, meaning None for N/A.

    Returns one of ``Outcome.ACCREDITED``, ``Outcome.CONDITIONAL``, ``Outcome.NOT_ACCREDITED``.
    """
    not_met = mandatory_not_met = mandatory_short = 0
    for mandatory, meaning in results:
        if meaning is None:
            continue
        if meaning == ScaleMeaning.NOT_MET:
            not_met += 1
            mandatory_not_met += int(mandatory)
        if mandatory and meaning != ScaleMeaning.MET:
            mandatory_short += 1
    accredited, conditional = rule["accredited"], rule["conditional"]
    limit = accredited.get("max_not_met")
    if (not accredited.get("all_mandatory_met") or mandatory_short == 0) and (
        limit is None or not_met <= limit
    ):
        return Outcome.ACCREDITED
    limit = conditional.get("max_mandatory_not_met")
    if limit is None or mandatory_not_met <= limit:
        return Outcome.CONDITIONAL
    return Outcome.NOT_ACCREDITED
