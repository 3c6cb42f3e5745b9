"""A criterion keeps its identity (its key) from version to version: copied into each draft, new
for a new criterion, unique in a version, frozen once published; carried by files; followed by the
comparison of versions, by ``criterion_counterpart`` and by ``version_revisions``."""

import re

import pytest
import yaml
from django.db import IntegrityError, connection, transaction

from qismet_portal.exceptions import DomainError, ImmutableError
from standards import services
from standards.diff import versions_compare
from standards.io import StandardFileInvalid, standard_export, standard_import
from standards.models import CRITERION_KEY_PATTERN, Criterion, VersionEvent
from standards.selectors import (
    criterion_counterpart,
    version_predecessor,
    version_revisions,
    version_with_content,
)

from .factories import FILES, draft_version, published_version

pytestmark = pytest.mark.django_db

SMALL = (FILES / "small-standard.yaml").read_bytes()


def _by_code(version) -> dict[str, Criterion]:
    return {c.code: c for c in Criterion.objects.filter(theme__version=version)}


def _keys(version) -> list[str]:
    return list(Criterion.objects.filter(theme__version=version).values_list("key", flat=True))


def _update(criterion, **changes):
    fields = {
        name: getattr(criterion, name)
        for name in ("code", "title", "requirement", "guidance", "evidence_examples", "mandatory")
    }
    return services.criterion_update(criterion=criterion, **{**fields, **changes})


def _copy(version, number):
    return services.version_copy_as_draft(version=version, number=number, user=None)


# --- keys on criteria -----------------------------------------------------------------------


def test_every_criterion_has_a_well_formed_key_unique_in_its_version():
    version = published_version(criteria_per_theme=3)
    keys = _keys(version)
    assert len(keys) == 12 and len(set(keys)) == 12
    assert all(re.match(CRITERION_KEY_PATTERN, key) for key in keys)


def test_a_draft_copy_keeps_every_key_and_merged_key():
    version = published_version(criteria_per_theme=2)
    source = _by_code(version)
    draft = _copy(version, "copy")
    merged = services.criteria_merge(
        criterion=_by_code(draft)["1.1"], merged=[_by_code(draft)["1.2"]]
    )
    services.version_publish(version=draft, user=None)
    again = _copy(draft, "again")
    copied = _by_code(again)
    assert {code: c.key for code, c in copied.items()} == {
        code: c.key for code, c in source.items() if code != "1.2"
    }
    assert copied["1.1"].merged_keys == [source["1.2"].key] == merged.merged_keys


def test_a_new_criterion_gets_a_new_key_or_the_one_given():
    draft = draft_version(criteria_per_theme=1)
    theme = draft.themes.get(number=2)
    fresh = services.criterion_create(theme=theme, code="2.2", title="New", requirement="New.")
    assert re.match(CRITERION_KEY_PATTERN, fresh.key)
    assert _keys(draft).count(fresh.key) == 1
    named = services.criterion_create(
        theme=theme, code="2.3", title="Named", requirement="New.", key="informed-consent"
    )
    assert Criterion.objects.get(pk=named.pk).key == "informed-consent"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("Informed Consent", "lower-case letters"),
        ("2.3", "lower-case letters"),
        ("-dash-first", "lower-case letters"),
        ("x" * 41, "lower-case letters"),
    ],
)
def test_a_badly_formed_key_is_refused(key, message):
    draft = draft_version()
    with pytest.raises(DomainError, match=message):
        services.criterion_create(
            theme=draft.themes.get(number=1), code="1.5", title="x", requirement="x", key=key
        )
    assert not Criterion.objects.filter(theme__version=draft, code="1.5").exists()


def test_a_key_is_unique_in_the_whole_version():
    draft = draft_version(criteria_per_theme=2)
    taken = _by_code(draft)["3.1"].key
    for number in (3, 4):  # the same theme, and another theme
        with pytest.raises(DomainError, match="already has a criterion with the key"):
            services.criterion_create(
                theme=draft.themes.get(number=number),
                code=f"{number}.9",
                title="x",
                requirement="x",
                key=taken,
            )
    # A key merged into another criterion is taken too: it names that criterion now.
    gone = _by_code(draft)["2.2"].key
    services.criteria_merge(criterion=_by_code(draft)["2.1"], merged=[_by_code(draft)["2.2"]])
    with pytest.raises(DomainError, match="merged into another one"):
        services.criterion_create(
            theme=draft.themes.get(number=2), code="2.9", title="x", requirement="x", key=gone
        )
    # Another version may use it: keys are what versions share.
    other = draft_version(criteria_per_theme=1)
    services.criterion_create(
        theme=other.themes.get(number=1), code="1.9", title="x", requirement="x", key=taken
    )


def test_the_database_refuses_a_key_twice_in_a_theme():
    draft = draft_version(criteria_per_theme=2)
    first, second = _by_code(draft)["1.1"], _by_code(draft)["1.2"]
    second.key = first.key
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_published_key_cannot_change_through_the_orm_or_the_database():
    version = published_version()
    criterion = _by_code(version)["1.1"]
    key = criterion.key
    criterion.key = "something-else"
    with pytest.raises(ImmutableError):
        criterion.save()
    with pytest.raises(ImmutableError):
        Criterion.objects.filter(pk=criterion.pk).update(key="something-else")
    for sql in (
        "UPDATE standards_criterion SET key = 'raw' WHERE id = %s",
        "UPDATE standards_criterion SET merged_keys = '[\"x\"]' WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="standards: "),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [criterion.pk])
    assert Criterion.objects.get(pk=criterion.pk).key == key


def test_the_key_is_not_on_the_editing_form():
    from standards.forms import CriterionForm

    assert "key" not in CriterionForm.base_fields
    assert "merged_keys" not in CriterionForm.base_fields


# --- merging and removing -------------------------------------------------------------------


def test_merging_keeps_the_first_criterion_and_records_why(administrator):
    draft = draft_version(criteria_per_theme=3)
    criteria = _by_code(draft)
    kept = services.criteria_merge(
        criterion=criteria["3.1"],
        merged=[criteria["3.3"], criteria["2.2"]],
        user=administrator,
        reason="They ask for the same evidence.",
    )
    assert kept.pk == criteria["3.1"].pk and kept.code == "3.1"
    assert kept.merged_keys == [criteria["2.2"].key, criteria["3.3"].key]
    assert sorted(_by_code(draft)) == [
        "1.1", "1.2", "1.3", "2.1", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3"
    ]  # fmt: skip
    event = draft.events.get(action=VersionEvent.Action.CRITERIA_MERGED)
    assert event.by == administrator
    assert event.note == (
        "2.2 “Criterion 2.2”, 3.3 “Criterion 3.3” merged into 3.1 “Criterion 3.1”. "
        "Reason: They ask for the same evidence."
    )


def test_merging_carries_earlier_merges_along():
    draft = draft_version(criteria_per_theme=3)
    criteria = _by_code(draft)
    services.criteria_merge(criterion=criteria["1.2"], merged=[criteria["1.3"]])
    kept = services.criteria_merge(criterion=criteria["1.1"], merged=[criteria["1.2"]])
    assert kept.merged_keys == [criteria["1.2"].key, criteria["1.3"].key]


def test_what_cannot_be_merged():
    draft = draft_version(criteria_per_theme=2)
    criteria = _by_code(draft)
    with pytest.raises(DomainError, match="into itself"):
        services.criteria_merge(criterion=criteria["1.1"], merged=[criteria["1.1"]])
    with pytest.raises(DomainError, match="at least one"):
        services.criteria_merge(criterion=criteria["1.1"], merged=[])
    other = _by_code(draft_version())["1.1"]
    with pytest.raises(DomainError, match="same version"):
        services.criteria_merge(criterion=criteria["1.1"], merged=[other])
    published = _by_code(published_version(criteria_per_theme=2))
    with pytest.raises(ImmutableError):
        services.criteria_merge(criterion=published["1.1"], merged=[published["1.2"]])
    assert len(_by_code(draft)) == 8


def test_a_removal_is_recorded_with_who_and_why(administrator):
    draft = draft_version(criteria_per_theme=2)
    services.criterion_delete(
        criterion=_by_code(draft)["4.2"], user=administrator, reason="Covered by 4.1."
    )
    event = draft.events.get(action=VersionEvent.Action.CRITERION_REMOVED)
    assert (event.by, event.note) == (
        administrator,
        "Criterion 4.2 “Criterion 4.2” removed. Reason: Covered by 4.1.",
    )


# --- files ----------------------------------------------------------------------------------


def test_keys_and_merged_keys_go_out_and_come_back_in_files():
    version = published_version(criteria_per_theme=2)
    draft = _copy(version, "2027.1")
    criteria = _by_code(draft)
    services.criteria_merge(criterion=criteria["2.1"], merged=[criteria["2.2"]])
    exported = standard_export(version=draft)
    data = yaml.safe_load(exported)
    theme_two = data["themes"][1]["criteria"]
    assert theme_two == [
        {
            "key": criteria["2.1"].key,
            "code": "2.1",
            "title": "Criterion 2.1",
            "requirement": "The provider meets requirement 2.1.",
            "guidance": "Show how.",
            "evidence_examples": ["A policy", "Meeting minutes"],
            "mandatory": True,
            "not_applicable_allowed": False,
            "merged_keys": [criteria["2.2"].key],
        }
    ]
    again = standard_import(data=exported.replace("2027.1", "2027.2").encode(), user=None)
    assert {c.code: (c.key, c.merged_keys) for c in _by_code(again).values()} == {
        c.code: (c.key, c.merged_keys) for c in _by_code(draft).values()
    }


def _small_with(change) -> bytes:
    data = yaml.safe_load(SMALL)
    change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def _criterion_data(data, theme, index):
    return data["themes"][theme - 1]["criteria"][index]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: _criterion_data(d, 1, 0).update(key="Not A Key"),
            'Theme 1 › criterion 1.1 › key: "Not A Key" is not allowed here: use lower-case',
        ),
        (
            lambda d: _criterion_data(d, 1, 0).update(key=2026),
            "Theme 1 › criterion 1.1 › key: must be text",
        ),
        (
            lambda d: (
                _criterion_data(d, 1, 0).update(key="same"),
                _criterion_data(d, 2, 0).update(key="same"),
            ),
            "Theme 2 › criterion 2.1 › key: same is used more than once in this version",
        ),
        (
            lambda d: (
                _criterion_data(d, 1, 0).update(key="kept"),
                _criterion_data(d, 2, 0).update(merged_keys=["kept"]),
            ),
            "Theme 2 › criterion 2.1 › merged_keys › item 1: kept is the key of a criterion of "
            "this version, so it was not merged",
        ),
        (
            lambda d: _criterion_data(d, 2, 0).update(merged_keys=["a", "a"]),
            "Theme 2 › criterion 2.1 › merged_keys › item 2: a is listed as merged more than once",
        ),
        (
            lambda d: _criterion_data(d, 2, 0).update(merged_keys="a"),
            "Theme 2 › criterion 2.1 › merged_keys: must be a list of text items",
        ),
    ],
)
def test_bad_keys_in_a_file_are_refused_with_their_place(change, problem):
    with pytest.raises(StandardFileInvalid) as refused:
        standard_import(data=_small_with(change), user=None)
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems
    assert not Criterion.objects.exists()


def test_a_file_without_keys_still_imports_and_gets_new_keys():
    first = standard_import(data=SMALL, user=None)
    second = standard_import(data=SMALL.replace(b'"2026.1"', b'"2026.2"'), user=None)
    assert len(set(_keys(first)) | set(_keys(second))) == 10


# --- the comparison follows keys ------------------------------------------------------------


def _compare(old, new):
    return versions_compare(version_with_content(old.pk), version_with_content(new.pk))


def test_the_comparison_follows_a_criterion_whose_code_title_and_text_all_changed():
    old = published_version(criteria_per_theme=2, number="2026.1")
    draft = _copy(old, "2026.2")
    criteria = _by_code(draft)
    services.criterion_delete(criterion=criteria["1.1"])
    _update(criteria["1.2"], code="1.1", title="Entirely new title", requirement="New words.")
    comparison = _compare(old, draft)
    [move] = comparison.moved
    assert (move.old_code, move.code, move.title) == ("1.2", "1.1", "Entirely new title")
    assert [change.label for change in move.changes] == ["Title", "Requirement"]
    # Matched by code, 1.1 would have been "changed" and 1.2 "removed".
    assert [c.code for c in comparison.removed] == ["1.1"]
    assert comparison.changed == [] and comparison.added == []


def test_a_new_criterion_taking_a_removed_ones_code_is_added_not_changed():
    old = published_version(criteria_per_theme=2, number="2026.1")
    draft = _copy(old, "2026.2")
    services.criterion_delete(criterion=_by_code(draft)["4.2"])
    services.criterion_create(
        theme=draft.themes.get(number=4), code="4.2", title="Criterion 4.2", requirement="Other."
    )
    comparison = _compare(old, draft)
    assert [c.code for c in comparison.added] == ["4.2"]
    assert [c.code for c in comparison.removed] == ["4.2"]
    assert comparison.changed == [] and comparison.moved == []


def test_merged_criteria_are_reported_as_merged_not_removed():
    old = published_version(criteria_per_theme=3, number="2026.1")
    draft = _copy(old, "2026.2")
    criteria = _by_code(draft)
    services.criteria_merge(criterion=criteria["3.1"], merged=[criteria["3.3"], criteria["1.2"]])
    comparison = _compare(old, draft)
    assert comparison.removed == []
    assert [(m.criterion.code, m.into.code) for m in comparison.merged] == [
        ("1.2", "3.1"),
        ("3.3", "3.1"),
    ]
    assert comparison.has_changes


def test_versions_sharing_no_key_are_matched_by_content():
    """Two imports of a file without keys share no identity, so content decides, as before."""
    first = standard_import(data=SMALL, user=None)
    services.version_publish(version=first, user=None)
    second = standard_import(data=SMALL.replace(b'"2026.1"', b'"2026.2"'), user=None)
    renamed = _by_code(second)["1.2"]
    _update(renamed, title="Safeguarding adults and children")
    comparison = _compare(first, second)
    assert [c.code for c in comparison.changed] == ["1.2"]
    assert comparison.added == [] and comparison.removed == []


# --- following a criterion ------------------------------------------------------------------


@pytest.fixture
def family():
    """2026.1 → 2026.2: 1.1 renumbered to 1.2 and reworded, 1.2 now 1.1, 2.2 merged into 2.1,
    4.2 removed, 3.3 new."""
    old = published_version(criteria_per_theme=2, number="2026.1")
    draft = _copy(old, "2026.2")
    criteria = _by_code(draft)
    services.criterion_move(criterion=criteria["1.2"], offset=-1)
    _update(Criterion.objects.get(pk=criteria["1.1"].pk), requirement="Reworded.")
    services.criteria_merge(criterion=criteria["2.1"], merged=[criteria["2.2"]])
    services.criterion_delete(criterion=criteria["4.2"])
    services.criterion_create(
        theme=draft.themes.get(number=3), code="3.3", title="New", requirement="New."
    )
    new = services.version_publish(version=draft, user=None)
    return _by_code(old), _by_code(new), old, new


def test_the_counterpart_of_a_criterion_in_another_version(family):
    old, new, old_version, new_version = family
    assert criterion_counterpart(old["1.1"], new_version) == new["1.2"]
    assert criterion_counterpart(new["1.2"], old_version) == old["1.1"]
    assert criterion_counterpart(old["3.1"], new_version) == new["3.1"]
    assert criterion_counterpart(old["2.2"], new_version) == new["2.1"]  # merged into
    assert criterion_counterpart(old["4.2"], new_version) is None  # removed
    assert criterion_counterpart(new["3.3"], old_version) is None  # new
    assert criterion_counterpart(old["1.1"], old_version) == old["1.1"]
    # The same keys in another standard are another standard's criteria.
    other = standard_import(
        data=standard_export(version=old_version)
        .replace(f"code: {old_version.standard.code}", "code: ELSEWHERE")
        .replace("2026.1", "2030.1")
        .encode(),
        user=None,
    )
    assert _by_code(other)["1.1"].key == old["1.1"].key
    assert criterion_counterpart(old["1.1"], other) is None


def test_the_counterpart_takes_one_query(family, django_assert_num_queries):
    old, _new, _old_version, new_version = family
    with django_assert_num_queries(1):
        criterion_counterpart(old["1.1"], new_version)


def test_the_revisions_of_a_version_since_the_one_before(family, django_assert_max_num_queries):
    old, new, old_version, new_version = family
    assert version_predecessor(new_version) == old_version
    with django_assert_max_num_queries(4):
        revisions = version_revisions(new_version)
    status = {item.criterion.code: item.status for item in revisions.criteria}
    assert status == {
        "1.1": "renumbered",
        "1.2": "changed",
        "2.1": "unchanged",
        "3.1": "unchanged",
        "3.2": "unchanged",
        "3.3": "new",
        "4.1": "unchanged",
    }
    by_code = {item.criterion.code: item for item in revisions.criteria}
    assert by_code["1.2"].is_renumbered and by_code["1.2"].previous == old["1.1"]
    [requirement] = by_code["1.2"].changes
    assert requirement.label == "Requirement" and requirement.after == "Reworded."
    assert [s.kind for s in requirement.segments] == ["del", "ins"]
    assert by_code["2.1"].merged_from == [old["2.2"]]
    assert [c.code for c in revisions.removed] == ["4.2"]
    assert [(m.criterion.code, m.into.code) for m in revisions.merged] == [("2.2", "2.1")]
    assert [item.criterion.code for item in revisions.with_status("new")] == ["3.3"]
    assert new["3.3"].key not in {c.key for c in old.values()}


def test_a_first_version_has_only_new_criteria():
    version = published_version(criteria_per_theme=1)
    assert version_predecessor(version) is None
    assert {item.status for item in version_revisions(version).criteria} == {"new"}


def test_a_version_imported_after_another_follows_it():
    first = standard_import(data=SMALL, user=None, publish=True)
    second = standard_import(data=SMALL.replace(b'"2026.1"', b'"2026.2"'), user=None)
    assert version_predecessor(second) == first


def test_the_delete_page_records_who_removed_a_criterion_and_why(login, administrator):
    from django.urls import reverse

    draft = draft_version(criteria_per_theme=2)
    criterion = _by_code(draft)["2.2"]
    client = login(administrator)
    page = client.get(reverse("standards:criterion_delete", args=[criterion.pk]))
    assert b"Why is it removed?" in page.content
    client.post(
        reverse("standards:criterion_delete", args=[criterion.pk]),
        {"reason": "Folded into 2.1."},
    )
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    event = draft.events.get(action=VersionEvent.Action.CRITERION_REMOVED)
    assert (event.by, event.note) == (
        administrator,
        "Criterion 2.2 “Criterion 2.2” removed. Reason: Folded into 2.1.",
    )
