"""Results per theme, the chart, and the outcome the pinned version's rule suggests."""

import re
from types import SimpleNamespace

import pytest

from accreditation.selectors.results import outcome_suggested, theme_results
from standards.models import default_outcome_rule
from standards.scoring import Outcome, outcome_decide

from .journey import awaiting_decision, in_moderation

pytestmark = pytest.mark.django_db

RULE = default_outcome_rule()


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([(True, "met"), (False, "met")], Outcome.ACCREDITED),
        # The default rule counts only not-met criteria beyond the mandatory ones.
        ([(True, "met"), (False, "partial")], Outcome.ACCREDITED),
        ([(True, "partial"), (False, "met")], Outcome.CONDITIONAL),
        ([(True, "met"), (False, "not_met")], Outcome.CONDITIONAL),
        ([(True, "not_met"), (False, "met")], Outcome.NOT_ACCREDITED),
        ([(True, None), (False, "met")], Outcome.ACCREDITED),  # N/A counts for nothing
        ([(True, None), (False, None)], Outcome.ACCREDITED),
        ([(True, "met"), (False, None), (False, "not_met")], Outcome.CONDITIONAL),
        ([(True, "partial"), (False, None), (True, "met")], Outcome.CONDITIONAL),
    ],
)
def test_outcome_rule_for_mixes_of_levels(results, expected):
    assert outcome_decide(rule=RULE, results=results) == expected


def _scores(stage, mapping):
    return [
        SimpleNamespace(criterion_id=c.pk, level=mapping.get(c.code, "met"))
        for c in stage.criteria
        if mapping.get(c.code) != ""
    ]


def test_theme_results_count_levels_percentages_and_mandatory_short():
    # 3 criteria per theme; the first criterion of each theme is mandatory.
    stage = in_moderation(criteria_per_theme=3)
    criteria = {c.code: c for c in stage.criteria}
    mapping = {"1.2": "partially_met", "1.3": "na", "2.1": "not_met", "2.2": "partially_met"}
    results = theme_results(stage.application, scores=_scores(stage, mapping))
    assert [t.number for t in results.themes] == [1, 2, 3, 4]
    one, two, three = results.themes[:3]
    # Theme 1: 1.1 met, 1.2 partial, 1.3 N/A → 2 applicable, 1 met = 50%.
    assert (one.applicable, one.met, one.not_applicable, one.percent_met) == (2, 1, 1, 50)
    assert [(lv.code, lv.count) for lv in one.levels] == [
        ("met", 1),
        ("partially_met", 1),
        ("not_met", 0),
    ]
    # Theme 2: 2.1 not met, 2.2 partial, 2.3 met → 33%.
    assert (two.applicable, two.met, two.percent_met) == (3, 1, 33)
    assert criteria["2.1"].mandatory and not criteria["2.2"].mandatory
    assert [(item.code, item.level_label) for item in two.mandatory_short] == [("2.1", "Not met")]
    assert (three.applicable, three.met, three.percent_met) == (3, 3, 100)
    assert results.total.applicable == 11 and results.total.met == 8
    assert results.complete
    assert outcome_decide(rule=RULE, results=results.rule_input) == Outcome.NOT_ACCREDITED


def test_unscored_criteria_are_reported_not_counted():
    stage = in_moderation()
    results = theme_results(stage.application, scores=_scores(stage, {"1.1": ""}))
    assert results.themes[0].unscored == 1 and results.themes[0].applicable == 1
    assert not results.complete


def test_suggestion_follows_the_pinned_rule(django_assert_max_num_queries):
    stage = awaiting_decision(outcome="conditional", levels={"1.1": "partially_met"})
    assert outcome_suggested(stage.application) == Outcome.CONDITIONAL
    with django_assert_max_num_queries(2):
        theme_results(stage.application)


def test_chart_has_title_desc_role_and_the_percentages():
    from django.template.loader import render_to_string

    stage = awaiting_decision(
        criteria_per_theme=3, levels={"1.2": "partially_met", "1.3": "not_met"}
    )
    html = render_to_string(
        "components/_theme_results_chart.svg", {"results": theme_results(stage.application)}
    )
    svg = re.search(r"<svg.*</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    labels = re.findall(r">(\d+%|n/a)</text>", svg)
    assert labels == ["33%", "100%", "100%", "100%"]
    assert "Theme 1: " in svg and "33% met (1 of 3 applicable criteria)" in svg
