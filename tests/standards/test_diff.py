"""Comparing two versions: added, removed and changed criteria, word-level text changes."""

from decimal import Decimal

import pytest

from standards import services
from standards.diff import Segment, versions_compare, word_diff
from standards.models import Criterion
from standards.selectors import version_with_content

from .factories import published_version

pytestmark = pytest.mark.django_db


def test_word_diff_marks_only_the_words_that_changed():
    assert word_diff("The provider has a policy.", "The provider has a written policy.") == [
        Segment("equal", "The provider has a "),
        Segment("ins", "written "),
        Segment("equal", "policy."),
    ]
    assert word_diff("Staff are trained yearly.", "Staff are assessed yearly.") == [
        Segment("equal", "Staff are "),
        Segment("del", "trained"),
        Segment("ins", "assessed"),
        Segment("equal", " yearly."),
    ]
    assert word_diff("same", "same") == [Segment("equal", "same")]


def _revise():
    old = published_version(criteria_per_theme=2, number="2026.1")
    draft = services.version_copy_as_draft(version=old, number="2027.1", user=None)
    criteria = {c.code: c for c in Criterion.objects.filter(theme__version=draft)}
    services.criterion_update(
        criterion=criteria["2.1"],
        code="2.1",
        title=criteria["2.1"].title,
        requirement="The provider meets the revised requirement 2.1.",
        guidance=criteria["2.1"].guidance,
        evidence_examples=["A policy", "An audit"],
        mandatory=False,
        weight=Decimal("2"),
    )
    services.criterion_delete(criterion=criteria["3.2"])
    services.criterion_create(
        theme=draft.themes.get(number=4), code="4.3", title="Feedback", requirement="Ask."
    )
    services.theme_update(theme=draft.themes.get(number=1), title="Leadership", summary="New.")
    services.version_settings_update(
        version=draft,
        scale=old.scale,
        not_applicable_label="Does not apply",
        outcome_rule=old.outcome_rule,
        certificate_validity_months=24,
        notes="Revised.",
    )
    return version_with_content(old.pk), version_with_content(draft.pk)


def test_comparing_a_revision_with_its_source():
    old, new = _revise()
    comparison = versions_compare(old, new)
    assert comparison.has_changes
    assert [c.code for c in comparison.added] == ["4.3"]
    assert [c.code for c in comparison.removed] == ["3.2"]
    assert [c.code for c in comparison.changed] == ["2.1"]
    changes = {change.label: change for change in comparison.changed[0].changes}
    assert list(changes) == ["Requirement", "Examples of evidence", "Mandatory", "Weight"]
    assert changes["Requirement"].segments == [
        Segment("equal", "The provider meets "),
        Segment("ins", "the revised "),
        Segment("equal", "requirement 2.1."),
    ]
    assert (changes["Mandatory"].before, changes["Mandatory"].after) == ("Yes", "No")
    assert (changes["Weight"].before, changes["Weight"].after) == ("None", "2")
    assert changes["Examples of evidence"].after == "A policy\nAn audit"
    settings = {change.label: (change.before, change.after) for change in comparison.settings}
    assert settings == {
        "What changed (notes)": ("Written for the tests.", "Revised."),
        "Certificate validity (months)": ("36", "24"),
        "Label for not applicable": ("Not applicable", "Does not apply"),
    }
    assert [(t.number, [c.label for c in t.changes]) for t in comparison.themes] == [
        (1, ["Title", "Summary"])
    ]


def test_comparing_a_version_with_itself_finds_nothing():
    version = version_with_content(published_version(criteria_per_theme=2).pk)
    comparison = versions_compare(version, version)
    assert not comparison.has_changes
    assert (comparison.added, comparison.removed, comparison.changed) == ([], [], [])


def _update(criterion, **changes):
    fields = {
        name: getattr(criterion, name)
        for name in ("code", "title", "requirement", "guidance", "evidence_examples", "mandatory")
    }
    services.criterion_update(criterion=criterion, **{**fields, **changes})


def _draft_of(version, number="2027.1"):
    return services.version_copy_as_draft(version=version, number=number, user=None)


def test_a_move_is_reported_as_renumbering_not_as_changed_text():
    old = published_version(criteria_per_theme=3, number="2026.1")
    draft = _draft_of(old)
    third = Criterion.objects.get(theme__version=draft, code="1.3")
    services.criterion_move(criterion=third, offset=-1)  # 1.3 ↔ 1.2
    comparison = versions_compare(version_with_content(old.pk), version_with_content(draft.pk))
    assert comparison.has_changes
    assert [(m.old_code, m.code, m.title, m.changes) for m in comparison.moved] == [
        ("1.3", "1.2", "Criterion 1.3", []),
        ("1.2", "1.3", "Criterion 1.2", []),
    ]
    assert (comparison.added, comparison.removed, comparison.changed) == ([], [], [])
    assert comparison.reordered == []


def test_a_criterion_inserted_in_the_middle_renumbers_the_ones_after_it():
    old = published_version(criteria_per_theme=2, number="2026.1")
    draft = _draft_of(old)
    second = Criterion.objects.get(theme__version=draft, code="2.2")
    _update(second, code="2.3", requirement="Reworded.")
    services.criterion_create(
        theme=draft.themes.get(number=2), code="2.2", title="Inserted", requirement="New."
    )
    comparison = versions_compare(version_with_content(old.pk), version_with_content(draft.pk))
    assert [c.code for c in comparison.added] == ["2.2"]
    assert comparison.removed == [] and comparison.changed == []
    [move] = comparison.moved
    assert (move.old_code, move.code) == ("2.2", "2.3")
    assert [change.label for change in move.changes] == ["Requirement"]
    assert move.caption == "Changes to criterion 2.3 (was 2.2)"


def test_a_reworded_criterion_that_kept_its_code_is_changed_not_moved():
    old = published_version(criteria_per_theme=2, number="2026.1")
    draft = _draft_of(old)
    first = Criterion.objects.get(theme__version=draft, code="3.1")
    _update(first, title="New title", requirement="New.")
    comparison = versions_compare(version_with_content(old.pk), version_with_content(draft.pk))
    assert comparison.moved == []
    assert [(c.code, [f.label for f in c.changes]) for c in comparison.changed] == [
        ("3.1", ["Title", "Requirement"])
    ]


def test_a_change_of_order_without_renumbering_is_reported():
    """Versions published before order followed code could list 1.2 before 1.1."""
    old = published_version(criteria_per_theme=3, number="2026.1")
    draft = _draft_of(old)
    Criterion.objects.filter(theme__version=draft, code="1.1").update(order=5)
    comparison = versions_compare(version_with_content(old.pk), version_with_content(draft.pk))
    assert comparison.has_changes
    assert comparison.moved == [] and comparison.changed == []
    assert [(o.number, o.before, o.after) for o in comparison.reordered] == [
        (1, ["1.1", "1.2", "1.3"], ["1.2", "1.3", "1.1"])
    ]
