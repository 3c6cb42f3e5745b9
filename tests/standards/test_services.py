"""Use cases of the standard: publishing, retiring, copying, editing drafts, the demonstration."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from qismet_portal.exceptions import DomainError, ImmutableError, TransitionNotAllowed
from standards import services
from standards.models import (
    Criterion,
    Standard,
    StandardVersion,
    Theme,
    VersionEvent,
    VersionStatus,
    default_scale,
)

from .factories import (
    FILES,
    CriterionFactory,
    StandardFactory,
    draft_version,
    published_version,
    retired_version,
)

pytestmark = pytest.mark.django_db


def _codes(version) -> list[str]:
    return list(
        Criterion.objects.filter(theme__version=version)
        .order_by("theme__number", "order")
        .values_list("code", flat=True)
    )


# --- publish --------------------------------------------------------------------------------


def test_publishing_a_complete_draft(administrator):
    draft = draft_version(criteria_per_theme=2)
    before = timezone.now()
    version = services.version_publish(version=draft, user=administrator)
    version = StandardVersion.objects.get(pk=version.pk)
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_at >= before
    assert version.published_by == administrator
    assert version.retired_at is None
    event = version.events.get()
    assert (event.action, event.from_status, event.to_status, event.by) == (
        VersionEvent.Action.PUBLISHED,
        VersionStatus.DRAFT,
        VersionStatus.PUBLISHED,
        administrator,
    )


def test_publishing_retires_the_previously_published_version(administrator):
    old = published_version()
    other_standard = published_version()
    new = draft_version(standard=old.standard)
    services.version_publish(version=new, user=administrator)
    old = StandardVersion.objects.get(pk=old.pk)
    assert old.status == VersionStatus.RETIRED
    assert old.retired_at is not None
    assert StandardVersion.objects.get(pk=new.pk).status == VersionStatus.PUBLISHED
    assert StandardVersion.objects.get(pk=other_standard.pk).status == VersionStatus.PUBLISHED
    retired_event = old.events.get(action=VersionEvent.Action.RETIRED)
    assert retired_event.note == f"Replaced by version {new.number}."
    assert retired_event.by == administrator


def _drop_theme_4(version):
    Criterion.objects.filter(theme__version=version, theme__number=4).delete()
    Theme.objects.filter(version=version, number=4).delete()


def _empty_theme_2(version):
    Criterion.objects.filter(theme__version=version, theme__number=2).delete()


def _bad_scale(version):
    version.scale = [{"code": "met", "label": "Met", "meaning": "met"}]
    version.save()


def _bad_rule(version):
    version.outcome_rule = {"accredited": {"all_mandatory_met": "yes"}}
    version.save()


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (_drop_theme_4, "Theme 4 is missing"),
        (_empty_theme_2, "Theme 2 has no criteria"),
        (_bad_scale, "Scale: must have between 2 and 10 levels (found 1)"),
        (_bad_scale, "Scale: needs at least one level meaning partial, not_met"),
        (_bad_rule, "Outcome rule › accredited › all_mandatory_met: must be true or false"),
        (_bad_rule, "Outcome rule › conditional: this field is required"),
    ],
)
def test_an_incomplete_draft_is_not_published(spoil, problem):
    draft = draft_version()
    spoil(draft)
    with pytest.raises(services.PublishRefused) as refused:
        services.version_publish(version=draft, user=None)
    assert problem in refused.value.problems
    assert problem in str(refused.value)
    draft = StandardVersion.objects.get(pk=draft.pk)
    assert draft.status == VersionStatus.DRAFT
    assert draft.published_at is None
    assert not draft.events.exists()


def test_publishing_twice_is_refused():
    version = published_version()
    with pytest.raises(TransitionNotAllowed, match="only a draft can be published"):
        services.version_publish(version=version, user=None)


def test_a_refused_publication_leaves_the_current_version_published():
    current = published_version()
    draft = draft_version(standard=current.standard)
    _empty_theme_2(draft)
    with pytest.raises(services.PublishRefused):
        services.version_publish(version=draft, user=None)
    assert StandardVersion.objects.get(pk=current.pk).status == VersionStatus.PUBLISHED


# --- retire ---------------------------------------------------------------------------------


def test_retiring_the_published_version(administrator):
    version = services.version_retire(version=published_version(), user=administrator)
    version = StandardVersion.objects.get(pk=version.pk)
    assert version.status == VersionStatus.RETIRED
    assert version.retired_at is not None
    assert version.events.filter(action=VersionEvent.Action.RETIRED, by=administrator).exists()


@pytest.mark.parametrize("make", [draft_version, retired_version])
def test_only_the_published_version_can_be_retired(make):
    version = make()
    with pytest.raises(TransitionNotAllowed, match="only the published version can be retired"):
        services.version_retire(version=version, user=None)
    assert StandardVersion.objects.get(pk=version.pk).status == version.status


# --- copy as draft --------------------------------------------------------------------------


def test_a_copy_is_a_draft_with_everything_of_its_source(administrator):
    source = draft_version(criteria_per_theme=3)
    source.scale = [*default_scale()[:2], {**default_scale()[2], "label": "Not there"}]
    source.certificate_validity_months = 24
    source.not_applicable_label = "Does not apply"
    source.save()
    CriterionFactory(
        theme=source.themes.get(number=2),
        code="2.7",
        order=7,
        weight=Decimal("2.50"),
        na_allowed=True,
        evidence_examples=["One", "Two"],
    )
    source = services.version_publish(version=source, user=administrator)

    copy = services.version_copy_as_draft(version=source, number="2027.1", user=administrator)

    copy = StandardVersion.objects.get(pk=copy.pk)
    assert copy.status == VersionStatus.DRAFT
    assert copy.based_on == source
    assert copy.published_at is None and copy.published_by is None
    for name in ("scale", "outcome_rule", "certificate_validity_months", "not_applicable_label"):
        assert getattr(copy, name) == getattr(source, name), name
    fields = ("code", "title", "requirement", "guidance", "evidence_examples", "mandatory")
    fields += ("na_allowed", "weight", "order", "theme__number", "theme__title")
    assert list(
        Criterion.objects.filter(theme__version=copy).order_by("code").values_list(*fields)
    ) == list(Criterion.objects.filter(theme__version=source).order_by("code").values_list(*fields))
    assert list(copy.themes.values_list("number", "title", "summary")) == list(
        source.themes.values_list("number", "title", "summary")
    )
    event = copy.events.get()
    assert event.action == VersionEvent.Action.COPIED
    assert event.note == f"Copied from version {source.number}."
    assert StandardVersion.objects.get(pk=source.pk).status == VersionStatus.PUBLISHED


def test_editing_a_copy_leaves_its_source_alone():
    source = published_version()
    copy = services.version_copy_as_draft(version=source, number="next", user=None)
    criterion = Criterion.objects.get(theme__version=copy, code="1.1")
    services.criterion_update(
        criterion=criterion, code="1.1", title="Changed", requirement="Changed"
    )
    assert Criterion.objects.get(theme__version=source, code="1.1").title == "Criterion 1.1"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "Give a version number"),
        ("with space", "Give a version number"),
        ("x" * 21, "Give a version number"),
        ("taken", "already has a version taken"),
    ],
)
def test_a_copy_needs_a_new_valid_number(number, message):
    source = published_version(number="taken")
    with pytest.raises(DomainError, match=message):
        services.version_copy_as_draft(version=source, number=number, user=None)
    assert source.standard.versions.count() == 1


def test_drafts_are_not_copied():
    draft = draft_version()
    with pytest.raises(DomainError, match="not from a draft"):
        services.version_copy_as_draft(version=draft, number="other", user=None)
    assert draft.standard.versions.count() == 1


# --- new drafts, settings, deletion ---------------------------------------------------------


def test_a_new_draft_has_its_four_themes():
    standard = StandardFactory()
    draft = services.version_draft_create(
        standard=standard, number="1", user=None, theme_titles=["Leadership"]
    )
    assert list(draft.themes.values_list("number", "title")) == [
        (1, "Leadership"),
        (2, "Theme 2"),
        (3, "Theme 3"),
        (4, "Theme 4"),
    ]
    assert draft.events.get().action == VersionEvent.Action.CREATED


def test_updating_a_drafts_settings():
    draft = draft_version()
    scale = [
        {"code": "good", "label": "Good", "meaning": "met", "description": ""},
        {"code": "some", "label": "Some", "meaning": "partial", "description": "Gaps."},
        {"code": "none", "label": "None", "meaning": "not_met", "description": ""},
    ]
    rule = {
        "accredited": {"all_mandatory_met": False, "max_not_met": None},
        "conditional": {"max_mandatory_not_met": 2},
    }
    services.version_settings_update(
        version=draft,
        scale=scale,
        not_applicable_label=" Does not apply ",
        outcome_rule=rule,
        certificate_validity_months=12,
        notes="New scale.",
    )
    draft = StandardVersion.objects.get(pk=draft.pk)
    assert (draft.scale, draft.outcome_rule) == (scale, rule)
    assert draft.not_applicable_label == "Does not apply"
    assert draft.certificate_validity_months == 12
    assert draft.notes == "New scale."


def test_invalid_settings_are_refused_with_every_problem():
    draft = draft_version()
    with pytest.raises(DomainError) as refused:
        services.version_settings_update(
            version=draft,
            scale=[{"code": "met", "label": "Met", "meaning": "met", "description": ""}] * 2,
            not_applicable_label="",
            outcome_rule={"accredited": {}, "conditional": {}},
            certificate_validity_months=0,
            notes="",
        )
    message = str(refused.value)
    assert "Scale: the code met is used by more than one level" in message
    assert "Outcome rule › accredited › all_mandatory_met: this field is required" in message
    assert "Certificate validity must be between 1 and 120 months" in message
    assert "not applicable" in message
    assert StandardVersion.objects.get(pk=draft.pk).scale == default_scale()


def test_settings_of_a_published_version_cannot_change():
    version = published_version()
    with pytest.raises(ImmutableError, match="is published, so it cannot be changed"):
        services.version_settings_update(
            version=version,
            scale=default_scale(),
            not_applicable_label="N/A",
            outcome_rule=version.outcome_rule,
            certificate_validity_months=12,
            notes="",
        )
    assert StandardVersion.objects.get(pk=version.pk).certificate_validity_months == 36


def test_deleting_a_draft_deletes_its_content():
    draft = draft_version(criteria_per_theme=2)
    services.version_draft_delete(version=draft)
    assert not StandardVersion.objects.filter(pk=draft.pk).exists()
    assert not Theme.objects.filter(version_id=draft.pk).exists()
    assert not Criterion.objects.exists()


@pytest.mark.parametrize("make", [published_version, retired_version])
def test_published_and_retired_versions_are_not_deleted(make):
    version = make()
    with pytest.raises(ImmutableError, match="cannot be changed"):
        services.version_draft_delete(version=version)
    assert StandardVersion.objects.filter(pk=version.pk).exists()


# --- themes and criteria --------------------------------------------------------------------


def test_editing_a_theme():
    draft = draft_version()
    theme = draft.themes.get(number=3)
    services.theme_update(theme=theme, title=" Facilitators ", summary="Who delivers it.")
    theme.refresh_from_db()
    assert (theme.number, theme.title, theme.summary) == (3, "Facilitators", "Who delivers it.")
    with pytest.raises(DomainError, match="needs a title"):
        services.theme_update(theme=theme, title=" ", summary="")


def test_a_theme_can_be_removed_and_added_back_in_a_draft():
    draft = draft_version()
    services.theme_delete(theme=draft.themes.get(number=4))
    assert list(draft.themes.values_list("number", flat=True)) == [1, 2, 3]
    assert "Theme 4 is missing" in services.version_publish_problems(draft)
    with pytest.raises(DomainError, match="numbered 1 to 4"):
        services.theme_create(version=draft, number=5, title="Five")
    with pytest.raises(DomainError, match="already exists"):
        services.theme_create(version=draft, number=3, title="Three")
    services.theme_create(version=draft, number=4, title="Performance", summary="KPIs")
    assert draft.themes.get(number=4).title == "Performance"


def test_themes_of_a_published_version_cannot_change():
    version = published_version()
    theme = version.themes.get(number=1)
    with pytest.raises(ImmutableError):
        services.theme_update(theme=theme, title="New", summary="")
    with pytest.raises(ImmutableError):
        services.theme_delete(theme=theme)
    assert Theme.objects.get(pk=theme.pk).title == "Leadership, management and organisation"


def test_adding_a_criterion_puts_it_last_in_its_theme():
    draft = draft_version(criteria_per_theme=2)
    theme = draft.themes.get(number=2)
    criterion = services.criterion_create(
        theme=theme,
        code="2.10",
        title=" Accessible venues ",
        requirement="Venues are accessible.",
        evidence_examples=["Access audit", " ", "Venue list "],
        mandatory=True,
        na_allowed=True,
        weight=Decimal("1.5"),
    )
    criterion.refresh_from_db()
    assert criterion.title == "Accessible venues"
    assert criterion.evidence_examples == ["Access audit", "Venue list"]
    assert (criterion.mandatory, criterion.na_allowed, criterion.weight) == (
        True,
        True,
        Decimal("1.50"),
    )
    assert _codes(draft)[2:5] == ["2.1", "2.2", "2.10"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("3.1", "does not start with the theme number 2"),
        ("2.1", "already has a criterion 2.1"),
        ("2", "the theme number, a dot and a number"),
        ("", "the theme number, a dot and a number"),
    ],
)
def test_criterion_codes_are_checked(code, message):
    draft = draft_version()
    theme = draft.themes.get(number=2)
    with pytest.raises(DomainError, match=message):
        services.criterion_create(theme=theme, code=code, title="T", requirement="R")
    assert _codes(draft) == ["1.1", "2.1", "3.1", "4.1"]


def test_updating_and_deleting_a_criterion():
    draft = draft_version(criteria_per_theme=2)
    criterion = Criterion.objects.get(theme__version=draft, code="1.2")
    services.criterion_update(
        criterion=criterion, code="1.5", title="Renamed", requirement="New requirement."
    )
    criterion.refresh_from_db()
    assert (criterion.code, criterion.title, criterion.requirement) == (
        "1.5",
        "Renamed",
        "New requirement.",
    )
    with pytest.raises(DomainError, match=r"already has a criterion 1\.1"):
        services.criterion_update(criterion=criterion, code="1.1", title="x", requirement="x")
    services.criterion_delete(criterion=criterion)
    assert _codes(draft) == ["1.1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2"]


def test_criteria_of_a_published_version_cannot_change():
    version = published_version()
    theme = version.themes.get(number=1)
    criterion = theme.criteria.get()
    with pytest.raises(ImmutableError):
        services.criterion_create(theme=theme, code="1.2", title="T", requirement="R")
    with pytest.raises(ImmutableError):
        services.criterion_update(criterion=criterion, code="1.1", title="T", requirement="R")
    with pytest.raises(ImmutableError):
        services.criterion_delete(criterion=criterion)
    with pytest.raises(ImmutableError):
        services.criteria_reorder(theme=theme, criterion_ids=[criterion.pk])
    assert _codes(version) == ["1.1", "2.1", "3.1", "4.1"]


def _listed(theme) -> list[tuple[str, str]]:
    """(code, title) of a theme's criteria as every page lists them."""
    return [(c.code, c.title) for c in Criterion.objects.filter(theme=theme)]


def test_moving_a_criterion_up_renumbers_it_and_its_neighbour():
    draft = draft_version(criteria_per_theme=3)
    theme = draft.themes.get(number=1)
    second = theme.criteria.get(code="1.2")
    renumbered = services.criterion_move(criterion=second, offset=-1)
    assert [(item.old_code, item.new_code) for item in renumbered] == [
        ("1.2", "1.1"),
        ("1.1", "1.2"),
    ]
    assert str(renumbered[0]) == "1.2 “Criterion 1.2” is now 1.1"
    # The list is in code order and the criterion moved up is now the one cited as 1.1.
    assert _listed(theme) == [
        ("1.1", "Criterion 1.2"),
        ("1.2", "Criterion 1.1"),
        ("1.3", "Criterion 1.3"),
    ]
    assert Criterion.objects.get(pk=second.pk).code == "1.1"
    orders = list(Criterion.objects.filter(theme=theme).values_list("code", "order"))
    assert orders == [("1.1", 1), ("1.2", 2), ("1.3", 3)]
    assert services.criterion_move(criterion=second, offset=-1) == []  # already first
    assert _listed(theme)[0] == ("1.1", "Criterion 1.2")


def test_moving_down_past_a_gap_in_the_codes_swaps_the_two_codes():
    draft = draft_version(criteria_per_theme=2)
    theme = draft.themes.get(number=2)
    last = theme.criteria.get(code="2.2")
    services.criterion_update(criterion=last, code="2.7", title="Later", requirement="R")
    first = theme.criteria.get(code="2.1")
    renumbered = services.criterion_move(criterion=first, offset=1)
    assert {(item.old_code, item.new_code) for item in renumbered} == {
        ("2.1", "2.7"),
        ("2.7", "2.1"),
    }
    assert _listed(theme) == [("2.1", "Later"), ("2.7", "Criterion 2.1")]


def test_reordering_hands_out_the_themes_codes_in_the_new_order():
    draft = draft_version(criteria_per_theme=3)
    theme = draft.themes.get(number=1)
    ids = {c.code: c.pk for c in theme.criteria.all()}
    renumbered = services.criteria_reorder(
        theme=theme, criterion_ids=[ids["1.3"], ids["1.1"], ids["1.2"]]
    )
    assert [(item.old_code, item.new_code) for item in renumbered] == [
        ("1.3", "1.1"),
        ("1.1", "1.2"),
        ("1.2", "1.3"),
    ]
    assert _listed(theme) == [
        ("1.1", "Criterion 1.3"),
        ("1.2", "Criterion 1.1"),
        ("1.3", "Criterion 1.2"),
    ]
    with pytest.raises(DomainError, match="exactly once"):
        services.criteria_reorder(theme=theme, criterion_ids=[ids["1.1"], ids["1.1"], ids["1.2"]])


def test_a_criterion_takes_its_place_by_code_when_added_or_renumbered():
    draft = draft_version(criteria_per_theme=2)
    theme = draft.themes.get(number=3)
    services.criterion_create(theme=theme, code="3.10", title="Tenth", requirement="R")
    services.criterion_create(theme=theme, code="3.9", title="Ninth", requirement="R")
    first = theme.criteria.get(code="3.1")
    services.criterion_update(criterion=first, code="3.5", title="Fifth", requirement="R")
    assert [code for code, _ in _listed(theme)] == ["3.2", "3.5", "3.9", "3.10"]


def test_a_copy_lists_its_criteria_in_code_order():
    version = published_version(criteria_per_theme=2)
    draft = services.version_copy_as_draft(version=version, number="copy", user=None)
    assert _codes(draft) == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2"]
    assert list(
        Criterion.objects.filter(theme__version=draft, theme__number=1).values_list(
            "order", flat=True
        )
    ) == [1, 2]


# --- the demonstration edition --------------------------------------------------------------


def _demo_file(tmp_path: Path, *, demonstration: bool = True) -> Path:
    text = (FILES / "small-standard.yaml").read_text()
    text = text.replace("code: QISMET-TEST", "code: QISMET-DEMO-TEST")
    text = text.replace("demonstration: false", f"demonstration: {str(demonstration).lower()}")
    path = tmp_path / "demonstration-edition.yaml"
    path.write_text(text)
    return path


def test_the_demonstration_edition_is_loaded_and_published_once(tmp_path):
    path = _demo_file(tmp_path)
    version = services.demonstration_edition_load(path=path)
    assert version.status == VersionStatus.PUBLISHED
    assert version.standard.is_demonstration
    assert (version.standard.code, version.number) == ("QISMET-DEMO-TEST", "2026.1")
    assert _codes(version) == ["1.1", "1.2", "2.1", "3.1", "4.1"]
    again = services.demonstration_edition_load(path=path)
    assert again.pk == version.pk
    assert StandardVersion.objects.count() == 1
    assert Standard.objects.count() == 1


def test_a_demonstration_file_must_say_it_is_one(tmp_path):
    with pytest.raises(DomainError, match="must say demonstration: true"):
        services.demonstration_edition_load(path=_demo_file(tmp_path, demonstration=False))
    assert not Standard.objects.exists()


def test_the_shipped_demonstration_edition_loads():
    version = services.demonstration_edition_load()
    assert version.status == VersionStatus.PUBLISHED
    assert version.standard.is_demonstration
    counts = [theme.criteria.count() for theme in version.themes.order_by("number")]
    assert len(counts) == 4
    assert all(8 <= count <= 12 for count in counts), counts
    assert services.demonstration_edition_load().pk == version.pk
