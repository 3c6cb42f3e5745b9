"""Results per theme, and the outcome the pinned version's rule suggests.

Results are shown per theme (the percentage of applicable criteria met, the count at each level
of the pinned scale, the mandatory criteria that fall short), never as one opaque number. They
are worked out in Python from two queries (the version's criteria with their themes, and the
scores), so any page can show them at a cost that does not grow with the standard.

Scores are the agreed scores by default; ``scores=`` takes any rows with ``criterion_id`` and
``level`` (one assessor's scores, say) so the same table and chart serve other pages. "na"
(not applicable) counts for nothing; a criterion without a score is reported as not yet scored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from accreditation.models import NOT_APPLICABLE, AgreedScore, Application
from standards.models import ScaleMeaning
from standards.outline import outline
from standards.scoring import outcome_decide

#: Colours of the chart's bars by what a level means (contrast ≥ 3:1 against white).
MEANING_COLOURS = {
    ScaleMeaning.MET: "#1e6b37",
    ScaleMeaning.PARTIAL: "#a35200",
    ScaleMeaning.NOT_MET: "#a4202d",
}
#: The chart's geometry, in SVG user units (the drawing scales to the width it is given).
CHART_WIDTH = 520
CHART_BAR_WIDTH = 400
CHART_ROW_HEIGHT = 58
CHART_TOP = 44


@dataclass
class LevelCount:
    code: str
    label: str
    meaning: str
    count: int = 0


@dataclass
class ShortCriterion:
    """A mandatory criterion scored below met."""

    code: str
    title: str
    level_label: str


@dataclass
class Segment:
    label: str
    count: int
    x: float
    width: float
    colour: str


@dataclass
class ThemeResult:
    number: int
    title: str
    criteria: int = 0
    applicable: int = 0
    met: int = 0
    not_applicable: int = 0
    unscored: int = 0
    levels: list[LevelCount] = field(default_factory=list)
    mandatory_short: list[ShortCriterion] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    y: int = 0

    @property
    def percent_met(self) -> int | None:
        """Whole percent of applicable criteria met; None when nothing applies."""
        if not self.applicable:
            return None
        return round(100 * self.met / self.applicable)

    @property
    def label(self) -> str:
        return f"Theme {self.number}: {self.title}"


@dataclass
class Results:
    themes: list[ThemeResult]
    total: ThemeResult
    scale: list[dict]
    not_applicable_label: str
    #: (mandatory, meaning or None) per scored criterion: what the outcome rule reads.
    rule_input: list[tuple[bool, str | None]]

    @property
    def complete(self) -> bool:
        return self.total.unscored == 0

    @property
    def chart_height(self) -> int:
        return CHART_TOP + CHART_ROW_HEIGHT * len(self.themes) + 8

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH

    @property
    def chart_bar_width(self) -> int:
        return CHART_BAR_WIDTH

    @property
    def legend(self) -> list[dict]:
        x = 0
        items = []
        for meaning in ScaleMeaning:
            labels = [level["label"] for level in self.scale if level["meaning"] == meaning]
            text = " / ".join(labels)
            items.append({"x": x, "text": text, "colour": MEANING_COLOURS[meaning]})
            x += 40 + 8 * len(text)
        return items

    @property
    def description(self) -> str:
        """One sentence per theme, for the chart's <desc>."""
        parts = []
        for theme in self.themes:
            if theme.percent_met is None:
                parts.append(f"{theme.label}: no applicable criteria scored.")
            else:
                parts.append(
                    f"{theme.label}: {theme.percent_met}% met "
                    f"({theme.met} of {theme.applicable} applicable criteria)."
                )
        return " ".join(parts)


def _segments(result: ThemeResult) -> list[Segment]:
    segments = []
    x = 0.0
    if not result.applicable:
        return segments
    for level in result.levels:
        if not level.count:
            continue
        width = round(CHART_BAR_WIDTH * level.count / result.applicable, 1)
        segments.append(
            Segment(
                label=level.label,
                count=level.count,
                x=round(x, 1),
                width=width,
                colour=MEANING_COLOURS.get(level.meaning, "#555555"),
            )
        )
        x += width
    return segments


def theme_results(application: Application, *, scores: Iterable | None = None) -> Results:
    """Per-theme results of ``application`` from ``scores`` (its agreed scores by default)."""
    version = application.version
    scale = list(version.scale)
    meaning_of = {level["code"]: level["meaning"] for level in scale}
    label_of = {level["code"]: level["label"] for level in scale}
    if scores is None:
        scores = AgreedScore.objects.filter(application=application).only("criterion_id", "level")
    level_by_criterion = {score.criterion_id: score.level for score in scores if score.level}
    criteria = outline(version).criteria

    def blank(number: int, title: str) -> ThemeResult:
        return ThemeResult(
            number=number,
            title=title,
            levels=[LevelCount(lv["code"], lv["label"], lv["meaning"]) for lv in scale],
        )

    themes: dict[int, ThemeResult] = {}
    total = blank(0, "All themes")
    rule_input: list[tuple[bool, str | None]] = []
    for criterion in criteria:
        theme = criterion.theme
        result = themes.get(theme.number) or themes.setdefault(
            theme.number, blank(theme.number, theme.title)
        )
        level = level_by_criterion.get(criterion.pk)
        for target in (result, total):
            target.criteria += 1
            if not level:
                target.unscored += 1
            elif level == NOT_APPLICABLE or level not in meaning_of:
                target.not_applicable += 1
            else:
                target.applicable += 1
                target.met += meaning_of[level] == ScaleMeaning.MET
                for count in target.levels:
                    if count.code == level:
                        count.count += 1
                if criterion.mandatory and meaning_of[level] != ScaleMeaning.MET:
                    target.mandatory_short.append(
                        ShortCriterion(criterion.code, criterion.title, label_of[level])
                    )
        if level:
            rule_input.append(
                (criterion.mandatory, None if level == NOT_APPLICABLE else meaning_of.get(level))
            )
    ordered = [themes[number] for number in sorted(themes)]
    for index, result in enumerate(ordered):
        result.segments = _segments(result)
        result.y = CHART_TOP + CHART_ROW_HEIGHT * index
    return Results(
        themes=ordered,
        total=total,
        scale=scale,
        not_applicable_label=version.not_applicable_label,
        rule_input=rule_input,
    )


def outcome_suggested(application: Application, results: Results | None = None) -> str:
    """The outcome the pinned version's rule gives for the agreed scores (N/A counts for
    nothing). One of the ``Outcome`` values, which are also the decided statuses."""
    results = results or theme_results(application)
    return outcome_decide(rule=application.version.outcome_rule, results=results.rule_input)
