"""Revising a standard from a change file (qismet-standard-changes/1): each operation goes
through the editing services, every refusal names its place, and nothing is kept when it fails."""

import pytest
import yaml

from qismet_portal.exceptions import DomainError
from standards import services
from standards.io.changes import ChangeFileInvalid, change_file_parse, standard_revise
from standards.models import Criterion, StandardVersion, VersionEvent, VersionStatus

from .factories import published_version

pytestmark = pytest.mark.django_db


def _criteria(version) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(theme__version=version).order_by("theme__number", "order")
    }


# --- the format -----------------------------------------------------------------------------


def _changes(version, operations, *, number="next", notes="What changed.") -> bytes:
    document = {
        "format": "qismet-standard-changes/1",
        "standard": version.standard.code,
        "base_version": version.number,
        "version": {"number": number, "notes": notes},
        "operations": operations,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


@pytest.fixture
def base():
    return published_version(criteria_per_theme=3)


def test_a_change_file_is_applied_through_the_services_and_published(base, administrator):
    data = _changes(
        base,
        [
            {"op": "update", "criterion": "1.1", "title": "Governance", "mandatory": False},
            {"op": "delete", "criterion": "1.2", "reason": "No longer needed."},
            {"op": "merge", "into": "2.1", "criteria": ["2.3"], "reason": "Same evidence."},
            {
                "op": "add",
                "theme": 4,
                "code": "4.9",
                "key": "new-one",
                "title": "New one",
                "requirement": "Do the new thing.",
                "not_applicable_allowed": True,
            },
            {"op": "move", "criterion": "new-one", "first": True},
            {"op": "move", "criterion": "3.1", "after": "3.3"},
            {"op": "renumber", "theme": 1},
            {"op": "renumber", "theme": 4},
            {"op": "theme", "number": 2, "title": "The programme itself"},
            {"op": "settings", "certificate_validity_months": 24},
        ],
        notes="Revised for the tests.",
    )
    version = standard_revise(data=data, user=administrator, source_name="changes.yaml")
    assert version.status == VersionStatus.PUBLISHED and version.based_on_id == base.pk
    assert StandardVersion.objects.get(pk=base.pk).status == VersionStatus.RETIRED
    criteria = _criteria(version)
    before = _criteria(base)
    assert list(criteria) == [
        "1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "4.4"
    ]  # fmt: skip
    assert criteria["1.1"].title == "Governance" and not criteria["1.1"].mandatory
    assert criteria["1.2"].key == before["1.3"].key  # renumbered to close the gap
    assert criteria["2.1"].merged_keys == [before["2.3"].key]
    assert [criteria[code].key for code in ("3.1", "3.2", "3.3")] == [
        before["3.2"].key,
        before["3.3"].key,
        before["3.1"].key,
    ]
    assert (criteria["4.1"].key, criteria["4.1"].title, criteria["4.1"].na_allowed) == (
        "new-one",
        "New one",
        True,
    )
    assert version.themes.get(number=2).title == "The programme itself"
    assert (version.certificate_validity_months, version.notes) == (24, "Revised for the tests.")
    events = [(e.action, e.by, e.note) for e in version.events.order_by("at", "pk")]
    assert events == [
        (VersionEvent.Action.COPIED, administrator, f"Copied from version {base.number}."),
        (
            VersionEvent.Action.CRITERION_REMOVED,
            administrator,
            "Criterion 1.2 “Criterion 1.2” removed. Reason: No longer needed.",
        ),
        (
            VersionEvent.Action.CRITERIA_MERGED,
            administrator,
            "2.3 “Criterion 2.3” merged into 2.1 “Criterion 2.1”. Reason: Same evidence.",
        ),
        (VersionEvent.Action.REVISED, administrator, "10 changes applied from changes.yaml."),
        (VersionEvent.Action.PUBLISHED, administrator, ""),
    ]


def test_a_change_file_can_leave_a_draft(base):
    version = standard_revise(
        data=_changes(base, [{"op": "update", "criterion": "1.1", "guidance": "New."}]),
        user=None,
        publish=False,
    )
    assert version.is_draft
    assert StandardVersion.objects.get(pk=base.pk).is_published


@pytest.mark.parametrize(
    ("operations", "problem"),
    [
        ([{"op": "rename", "criterion": "1.1"}], "operation 1 › op: say which operation"),
        ([{"op": "update", "criterion": "1.1"}], "operation 1 (update): change at least one of"),
        (
            [{"op": "update", "criterion": "Two point one", "title": "x"}],
            'operation 1 (update) › criterion: "Two point one" is not allowed here',
        ),
        (
            [{"op": "update", "criterion": "1.1", "colour": "red"}],
            "operation 1 (update) › colour: unknown field",
        ),
        (
            [{"op": "delete", "criterion": "1.1"}],
            "operation 1 (delete) › reason: this field is required",
        ),
        (
            [
                {
                    "op": "add",
                    "theme": 2,
                    "code": "3.9",
                    "key": "k",
                    "title": "t",
                    "requirement": "r",
                }
            ],
            "operation 1 (add) › code: 3.9 does not start with the theme number 2",
        ),
        (
            [{"op": "add", "theme": 2, "code": "2.9", "title": "t", "requirement": "r"}],
            "operation 1 (add) › key: this field is required",
        ),
        (
            [
                {
                    "op": "add",
                    "theme": 2,
                    "code": "2.8",
                    "key": "k",
                    "title": "t",
                    "requirement": "r",
                },
                {
                    "op": "add",
                    "theme": 2,
                    "code": "2.9",
                    "key": "k",
                    "title": "t",
                    "requirement": "r",
                },
            ],
            "operation 2 (add) › key: k is already added by operation 1 (add)",
        ),
        (
            [{"op": "merge", "into": "1.1", "criteria": ["1.1"], "reason": "r"}],
            "operation 1 (merge) › criteria › item 1: cannot merge into itself",
        ),
        (
            [{"op": "move", "criterion": "1.1"}],
            "operation 1 (move): give either after (a criterion) or first: true",
        ),
        ([], "operations: must be a list of at least one operation"),
    ],
)
def test_a_bad_change_file_is_refused_with_the_place_of_each_problem(base, operations, problem):
    with pytest.raises(ChangeFileInvalid) as refused:
        standard_revise(data=_changes(base, operations), user=None)
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems
    assert base.standard.versions.count() == 1


def test_the_new_number_must_differ_from_the_base(base):
    data = _changes(base, [{"op": "renumber", "theme": 1}], number=base.number)
    with pytest.raises(ChangeFileInvalid, match="version › number: must differ from base"):
        change_file_parse(data)


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (
            {"op": "update", "criterion": "1.9", "title": "x"},
            "operation 1 (update): version {base} has no criterion 1.9",
        ),
        (
            {"op": "update", "criterion": "nobody", "title": "x"},
            "operation 1 (update): no criterion has the key nobody",
        ),
        (
            {"op": "move", "criterion": "1.1", "after": "2.1"},
            "operation 1 (move): 2.1 is in theme 2, not theme 1",
        ),
        (
            {"op": "add", "theme": 1, "code": "1.2", "key": "k", "title": "t", "requirement": "r"},
            "operation 1 (add): This version already has a criterion 1.2",
        ),
    ],
)
def test_an_operation_that_cannot_be_made_is_named_and_nothing_is_kept(base, operation, message):
    with pytest.raises(ChangeFileInvalid) as refused:
        standard_revise(data=_changes(base, [operation]), user=None)
    assert refused.value.problems[0].startswith(message.format(base=base.number))
    assert base.standard.versions.count() == 1
    assert StandardVersion.objects.get(pk=base.pk).is_published


def test_a_criterion_already_merged_cannot_be_used_again(base):
    data = _changes(
        base,
        [
            {"op": "merge", "into": "1.1", "criteria": ["1.2"], "reason": "r"},
            {"op": "update", "criterion": "1.2", "title": "x"},
        ],
    )
    with pytest.raises(ChangeFileInvalid, match=r"operation 2 .* no longer in the draft"):
        standard_revise(data=data, user=None)
    assert base.standard.versions.count() == 1


def test_the_base_must_be_the_current_published_version(base):
    newer = services.version_copy_as_draft(version=base, number="newer", user=None)
    services.version_publish(version=newer, user=None)
    with pytest.raises(
        DomainError, match="must be its current published version; it has version newer"
    ):
        standard_revise(data=_changes(base, [{"op": "renumber", "theme": 1}]), user=None)
    assert base.standard.versions.count() == 2


def test_a_file_already_applied_is_refused(base):
    data = _changes(base, [{"op": "renumber", "theme": 1}])
    standard_revise(data=data, user=None)
    with pytest.raises(DomainError, match=r"already has a version next \(published\): the changes"):
        standard_revise(data=data, user=None)
    assert base.standard.versions.count() == 2
