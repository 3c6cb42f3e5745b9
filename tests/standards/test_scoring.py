"""The scoring scale and outcome rule: checks, plain-English description, the decision."""

import pytest

from standards.models import default_outcome_rule, default_scale
from standards.scoring import (
    Outcome,
    outcome_decide,
    outcome_rule_problems,
    outcome_rule_sentences,
    scale_problems,
)


def test_the_defaults_are_valid():
    assert scale_problems(default_scale()) == []
    assert outcome_rule_problems(default_outcome_rule()) == []


@pytest.mark.parametrize(
    ("scale", "problem"),
    [
        ("met", "must be a list of levels"),
        ([], "must have between 2 and 10 levels (found 0)"),
        (["met", "not_met"], "level 1: must be a group of named fields"),
        (
            [{"code": "Met!", "label": "Met", "meaning": "met"}],
            "level 1 › code: is required: lower-case letters, digits and underscores",
        ),
        (
            [{"code": "met", "label": " ", "meaning": "met"}],
            "level 1 › label: this field is required",
        ),
        (
            [{"code": "met", "label": "Met", "meaning": "met", "colour": "green"}],
            "level 1 › colour: unknown field",
        ),
    ],
)
def test_bad_scales_are_explained(scale, problem):
    problems = scale_problems(scale, ["Scale"])
    assert any(
        p.startswith(f"Scale{' › ' if problem.startswith('level') else ': '}{problem}")
        for p in problems
    ), problems


def test_the_default_rule_in_words():
    assert outcome_rule_sentences(default_outcome_rule()) == [
        "Accredited when every mandatory criterion is met and no criterion is not met.",
        "Accredited with conditions when no mandatory criterion is not met.",
        "Not accredited otherwise. Criteria marked not applicable are left out of every count.",
    ]


def test_a_looser_rule_in_words():
    rule = {
        "accredited": {"all_mandatory_met": False, "max_not_met": 1},
        "conditional": {"max_mandatory_not_met": None},
    }
    assert outcome_rule_sentences(rule)[:2] == [
        "Accredited when at most 1 criterion is not met.",
        "Accredited with conditions when otherwise, whatever the mandatory criteria score.",
    ]


MET, PARTIAL, NOT_MET, NA = "met", "partial", "not_met", None


@pytest.mark.parametrize(
    ("results", "outcome"),
    [
        ([(True, MET), (False, MET)], Outcome.ACCREDITED),
        ([(True, MET), (False, NA), (True, NA)], Outcome.ACCREDITED),
        # "every mandatory criterion is Met and none is Not met": a partial elsewhere is fine
        ([(True, MET), (False, PARTIAL)], Outcome.ACCREDITED),
        ([(True, PARTIAL), (False, MET)], Outcome.CONDITIONAL),
        ([(True, MET), (False, NOT_MET)], Outcome.CONDITIONAL),
        ([(True, NOT_MET), (False, MET)], Outcome.NOT_ACCREDITED),
    ],
)
def test_the_default_rule_decides_as_the_domain_says(results, outcome):
    assert outcome_decide(rule=default_outcome_rule(), results=results) == outcome


def test_limits_of_a_custom_rule():
    rule = {
        "accredited": {"all_mandatory_met": False, "max_not_met": 1},
        "conditional": {"max_mandatory_not_met": 1},
    }
    assert outcome_decide(rule=rule, results=[(True, NOT_MET)]) == Outcome.ACCREDITED
    assert outcome_decide(rule=rule, results=[(True, NOT_MET), (False, NOT_MET)]) == (
        Outcome.CONDITIONAL
    )
    assert outcome_decide(rule=rule, results=[(True, NOT_MET), (True, NOT_MET)]) == (
        Outcome.NOT_ACCREDITED
    )
