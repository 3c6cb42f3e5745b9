"""What changed between two versions of a standard: settings, themes, criteria added, removed,
merged, changed, renumbered or moved.

Criteria are matched by their key, the identity each criterion keeps from version to version
(copied into every new draft, whatever later happens to its code or text). A criterion whose key is
missing from the other version was added or removed, even if its code or title happens to match
one there; a removed criterion whose key a later criterion lists in ``merged_keys`` was merged
into it. Versions that share no key at all (one of them loaded from a file without keys, say) are
matched as before keys existed: by code, and then by content, so that a criterion whose code
changed but whose title (or, failing that, requirement) is the same is reported as renumbered
("2.3, was 2.2"), not as one removed and one added. A theme that lists the same criteria in a
different order without renumbering them (possible in versions published before order always
followed code) is reported too. All the matching is in ``_match_criteria``.

Text changes are shown word by word (difflib), as segments the template marks up with the
diff-ins / diff-del classes; nothing here builds HTML, so the text stays auto-escaped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from .models import Criterion, StandardVersion
from .scoring import outcome_rule_sentences

TOKEN_RE = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class Segment:
    kind: str  # "equal", "ins" or "del"
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    segments: list[Segment]


@dataclass(frozen=True)
class CriterionChange:
    code: str
    title: str
    criterion_pk: int
    changes: list[FieldChange]

    @property
    def caption(self) -> str:
        return f"Changes to criterion {self.code}"


@dataclass(frozen=True)
class CriterionMove(CriterionChange):
    """A criterion that has a different code in the later version (and maybe other changes)."""

    old_code: str

    @property
    def caption(self) -> str:
        return f"Changes to criterion {self.code} (was {self.old_code})"


@dataclass(frozen=True)
class CriterionMerge:
    """A criterion of the earlier version merged into ``into``, a criterion of the later one."""

    criterion: Criterion
    into: Criterion


@dataclass(frozen=True)
class OrderChange:
    """A theme listing the same codes in a different order."""

    number: int
    before: list[str]
    after: list[str]


@dataclass(frozen=True)
class ThemeChange:
    number: int
    title: str
    changes: list[FieldChange]

    @property
    def caption(self) -> str:
        return f"Changes to theme {self.number}: {self.title}"


@dataclass
class Comparison:
    old: StandardVersion
    new: StandardVersion
    settings: list[FieldChange] = field(default_factory=list)
    themes: list[ThemeChange] = field(default_factory=list)
    added: list[Criterion] = field(default_factory=list)
    removed: list[Criterion] = field(default_factory=list)
    merged: list[CriterionMerge] = field(default_factory=list)
    changed: list[CriterionChange] = field(default_factory=list)
    moved: list[CriterionMove] = field(default_factory=list)
    reordered: list[OrderChange] = field(default_factory=list)
    # Every (old, new) pair of the same criterion, changed or not.
    pairs: list[tuple[Criterion, Criterion]] = field(default_factory=list, repr=False)

    @property
    def has_changes(self) -> bool:
        return bool(
            self.settings
            or self.themes
            or self.added
            or self.removed
            or self.merged
            or self.changed
            or self.moved
            or self.reordered
        )


def word_diff(before: str, after: str) -> list[Segment]:
    """``before`` → ``after`` as equal / deleted / inserted runs of words (whitespace kept)."""
    old, new = TOKEN_RE.findall(before), TOKEN_RE.findall(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    segments: list[Segment] = []

    def emit(kind: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(kind, segments[-1].text + text)
        else:
            segments.append(Segment(kind, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("equal", old[i1:i2])
        else:
            emit("del", old[i1:i2])
            emit("ins", new[j1:j2])
    return segments


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "None"
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    return str(value)


def _change(label: str, before: Any, after: Any) -> FieldChange | None:
    if before == after:
        return None
    old, new = _text(before), _text(after)
    return FieldChange(label, old, new, word_diff(old, new))


def _changes(pairs: list[tuple[str, Any, Any]]) -> list[FieldChange]:
    return [change for label, a, b in pairs if (change := _change(label, a, b)) is not None]


def _scale_lines(scale: list[dict[str, str]]) -> list[str]:
    lines = []
    for level in scale:
        line = f"{level.get('label')} ({level.get('code')}, counts as {level.get('meaning')})"
        if level.get("description"):
            line += f": {level['description']}"
        lines.append(line)
    return lines


def _weight(criterion: Criterion) -> str:
    return "None" if criterion.weight is None else f"{criterion.weight.normalize():f}"


def _criterion_fields(criterion: Criterion) -> list[tuple[str, Any]]:
    return [
        ("Title", criterion.title),
        ("Requirement", criterion.requirement),
        ("Guidance", criterion.guidance),
        ("Examples of evidence", list(criterion.evidence_examples)),
        ("Mandatory", criterion.mandatory),
        ("Not applicable allowed", criterion.na_allowed),
        ("Weight", _weight(criterion)),
    ]


def versions_compare(old: StandardVersion, new: StandardVersion) -> Comparison:
    """Everything that differs from ``old`` to ``new`` (both loaded with their content)."""
    comparison = Comparison(old=old, new=new)
    comparison.settings = _changes(
        [
            ("What changed (notes)", old.notes, new.notes),
            (
                "Certificate validity (months)",
                old.certificate_validity_months,
                new.certificate_validity_months,
            ),
            ("Label for not applicable", old.not_applicable_label, new.not_applicable_label),
            ("Scoring scale", _scale_lines(old.scale), _scale_lines(new.scale)),
            (
                "Outcome rule",
                outcome_rule_sentences(old.outcome_rule),
                outcome_rule_sentences(new.outcome_rule),
            ),
        ]
    )
    old_themes = {theme.number: theme for theme in old.themes.all()}
    new_themes = {theme.number: theme for theme in new.themes.all()}
    for number in sorted(set(old_themes) | set(new_themes)):
        before, after = old_themes.get(number), new_themes.get(number)
        changes = _changes(
            [
                ("Title", getattr(before, "title", ""), getattr(after, "title", "")),
                ("Summary", getattr(before, "summary", ""), getattr(after, "summary", "")),
            ]
        )
        if changes:
            title = (after or before).title  # type: ignore[union-attr]
            comparison.themes.append(ThemeChange(number, title, changes))

    old_criteria, new_criteria = _criteria(old), _criteria(new)
    pairs, removed, comparison.added = _match_criteria(old_criteria, new_criteria)
    comparison.pairs = pairs
    comparison.merged, comparison.removed = _merges(removed, new_criteria)
    for before, after in pairs:
        changes = _changes(
            [
                (label, a, b)
                for (label, a), (_, b) in zip(
                    _criterion_fields(before), _criterion_fields(after), strict=True
                )
            ]
        )
        if before.code != after.code:
            comparison.moved.append(
                CriterionMove(after.code, after.title, after.pk, changes, old_code=before.code)
            )
        elif changes:
            comparison.changed.append(CriterionChange(after.code, after.title, after.pk, changes))
    comparison.reordered = _order_changes(old, new, pairs)
    return comparison


def _criteria(version: StandardVersion) -> list[Criterion]:
    """The version's criteria as its pages list them (the loaded order)."""
    return [c for theme in version.themes.all() for c in theme.criteria.all()]


def _loose(text: str) -> str:
    """Text compared loosely: whitespace and case do not count."""
    return " ".join(text.split()).casefold()


def _match_criteria(
    old: list[Criterion], new: list[Criterion]
) -> tuple[list[tuple[Criterion, Criterion]], list[Criterion], list[Criterion]]:
    """Pair each criterion of ``old`` with its counterpart in ``new``: (pairs, removed, added).

    By key when the versions share any identity (a key in both, or an old key merged into a new
    criterion); otherwise by code and content (``_match_by_content``).
    """
    old_keys = {c.key for c in old if c.key}
    new_keys = {key for c in new for key in (c.key, *c.merged_keys) if key}
    if not old_keys & new_keys:
        return _match_by_content(old, new)
    old_left = {c.key: c for c in old}
    pairs: list[tuple[Criterion, Criterion]] = []
    added: list[Criterion] = []
    for after in new:
        before = old_left.pop(after.key, None)
        if before is None:
            added.append(after)
        else:
            pairs.append((before, after))
    return pairs, list(old_left.values()), added


def _merges(
    removed: list[Criterion], new: list[Criterion]
) -> tuple[list[CriterionMerge], list[Criterion]]:
    """Split ``removed`` into the criteria merged into one of ``new`` and those simply removed."""
    into = {key: after for after in new for key in after.merged_keys}
    merged = [CriterionMerge(c, into[c.key]) for c in removed if c.key in into]
    return merged, [c for c in removed if c.key not in into]


def _match_by_content(
    old: list[Criterion], new: list[Criterion]
) -> tuple[list[tuple[Criterion, Criterion]], list[Criterion], list[Criterion]]:
    """Matching for versions without a shared identity: (pairs, removed, added).

    In turn: the same code and title; then the same title, then the same requirement, under any
    code (a renumbered criterion); then the same code whatever its text (a criterion reworded).
    What is left was removed or added.
    """
    old_left = {c.code: c for c in old}
    new_left = {c.code: c for c in new}
    pairs: list[tuple[Criterion, Criterion]] = []

    def pair(before: Criterion, after: Criterion) -> None:
        pairs.append((before, after))
        del old_left[before.code], new_left[after.code]

    for code, after in list(new_left.items()):
        before = old_left.get(code)
        if before is not None and _loose(before.title) == _loose(after.title):
            pair(before, after)
    for attribute in ("title", "requirement"):
        candidates: dict[str, list[Criterion]] = {}
        for before in old_left.values():
            candidates.setdefault(_loose(getattr(before, attribute)), []).append(before)
        for after in list(new_left.values()):
            text = _loose(getattr(after, attribute))
            if text and candidates.get(text):
                pair(candidates[text].pop(0), after)
    for code, after in list(new_left.items()):
        if code in old_left:
            pair(old_left[code], after)
    return pairs, list(old_left.values()), list(new_left.values())


def _order_changes(
    old: StandardVersion, new: StandardVersion, pairs: list[tuple[Criterion, Criterion]]
) -> list[OrderChange]:
    """Themes whose criteria that kept their code are listed in a different order."""
    kept = {before.pk: after.pk for before, after in pairs if before.code == after.code}
    kept_after = set(kept.values())
    new_themes = {theme.number: theme for theme in new.themes.all()}
    changes = []
    for theme in old.themes.all():
        counterpart = new_themes.get(theme.number)
        if counterpart is None:
            continue
        before = [c.code for c in theme.criteria.all() if c.pk in kept]
        after = [c.code for c in counterpart.criteria.all() if c.pk in kept_after]
        if before != after:
            changes.append(OrderChange(theme.number, before, after))
    return changes
