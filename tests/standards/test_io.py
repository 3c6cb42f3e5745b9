"""Standard files: every refusal names its place and stores nothing; export ↔ import is lossless."""

import copy
import re
from decimal import Decimal

import pytest
import yaml

from standards import services
from standards.io import StandardFileInvalid, standard_export, standard_file_parse, standard_import
from standards.io.exporter import export_filename
from standards.models import (
    CRITERION_KEY_PATTERN,
    Criterion,
    Standard,
    StandardVersion,
    Theme,
    VersionStatus,
)

from .factories import FILES, published_version

pytestmark = pytest.mark.django_db

SMALL = (FILES / "small-standard.yaml").read_bytes()


def _small() -> dict:
    return yaml.safe_load(SMALL)


def _dump(data) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def _assert_nothing_stored() -> None:
    assert Standard.objects.count() == 0
    assert StandardVersion.objects.count() == 0
    assert Theme.objects.count() == 0
    assert Criterion.objects.count() == 0


def test_a_valid_file_becomes_a_draft(administrator):
    version = standard_import(data=SMALL, user=administrator, source_name="small.yaml")
    version = StandardVersion.objects.select_related("standard").get(pk=version.pk)
    assert version.status == VersionStatus.DRAFT
    assert (version.standard.code, version.standard.name) == ("QISMET-TEST", "QISMET test standard")
    assert version.standard.is_demonstration is False
    assert version.number == "2026.1"
    assert version.notes == "First test version."
    assert version.scale[1] == {
        "code": "partially_met",
        "label": "Partially met",
        "meaning": "partial",
        "description": "Gaps to close.",
    }
    assert list(version.themes.values_list("number", "title")) == [
        (1, "Leadership, management and organisation"),
        (2, "The programme"),
        (3, "The facilitators"),
        (4, "Performance management"),
    ]
    first = Criterion.objects.get(theme__version=version, code="1.1")
    assert first.requirement.startswith("The provider has a named person")
    assert first.evidence_examples == ["Organisation chart", "Terms of reference"]
    assert (first.mandatory, first.na_allowed, first.weight, first.order) == (
        True,
        False,
        Decimal("1.50"),
        1,
    )
    assert Criterion.objects.get(theme__version=version, code="2.1").na_allowed is True
    event = version.events.get()
    assert (event.action, event.by, event.note) == (
        "imported",
        administrator,
        "Imported from small.yaml.",
    )


def test_a_file_can_be_published_on_import():
    version = standard_import(data=SMALL, user=None, publish=True)
    assert StandardVersion.objects.get(pk=version.pk).status == VersionStatus.PUBLISHED


def test_a_new_version_of_an_existing_standard_is_added_to_it():
    first = standard_import(data=SMALL, user=None, publish=True)
    data = _small()
    data["version"]["number"] = "2027.1"
    data["standard"]["name"] = "A different name"
    second = standard_import(data=_dump(data), user=None, publish=True)
    assert second.standard_id == first.standard_id
    assert Standard.objects.get().name == "QISMET test standard"
    assert StandardVersion.objects.get(pk=first.pk).status == VersionStatus.RETIRED


def test_an_existing_version_number_is_refused():
    standard_import(data=SMALL, user=None)
    with pytest.raises(StandardFileInvalid) as refused:
        standard_import(data=SMALL, user=None)
    assert refused.value.problems == [
        "version › number: QISMET-TEST already has a version 2026.1; give this version a new number"
    ]
    assert StandardVersion.objects.count() == 1
    assert Criterion.objects.count() == 5


def test_the_demonstration_flag_of_an_existing_standard_cannot_flip():
    standard_import(data=SMALL, user=None)
    data = _small()
    data["version"]["number"] = "2027.1"
    data["standard"]["demonstration"] = True
    with pytest.raises(StandardFileInvalid, match="is not marked as demonstration content"):
        standard_import(data=_dump(data), user=None)
    assert StandardVersion.objects.count() == 1


def test_an_import_that_fails_half_way_leaves_nothing(monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(services, "version_publish", explode)
    with pytest.raises(RuntimeError):
        standard_import(data=SMALL, user=None, publish=True)
    _assert_nothing_stored()


# --- refusals -------------------------------------------------------------------------------


def _edit(change):
    def make() -> bytes:
        data = _small()
        change(data)
        return _dump(data)

    return make


def _criterion(data, theme: int, index: int = 0) -> dict:
    return data["themes"][theme - 1]["criteria"][index]


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _duplicate_code(data):
    data["themes"][0]["criteria"].append(copy.deepcopy(_criterion(data, 1)))


def _swap_scale(data):
    scale = data["version"]["scale"]
    scale[0], scale[2] = scale[2], scale[0]


BAD_FILES = {
    "missing title": (
        _edit(_delete(["themes", 1, "criteria", 0, "title"])),
        "Theme 2 › criterion 2.1 › title: this field is required",
    ),
    "code of another theme": (
        _edit(_set(["themes", 2, "criteria", 0, "code"], "2.9")),
        "Theme 3: criterion code 2.9 does not start with the theme number 3",
    ),
    "duplicate code": (
        _edit(_duplicate_code),
        "Theme 1 › criterion 1.1 › code: 1.1 is used more than once in this version",
    ),
    "three themes": (
        _edit(lambda d: d["themes"].pop()),
        "themes: there must be exactly four themes, numbered 1 to 4 (found 3)",
    ),
    "theme missing": (_edit(lambda d: d["themes"].pop()), "themes: theme 4 is missing"),
    "theme twice": (
        _edit(_set(["themes", 3, "number"], 3)),
        "themes: theme 3 appears more than once",
    ),
    "theme number out of range": (
        _edit(_set(["themes", 3, "number"], 5)),
        "Theme 5 › number: must be between 1 and 4",
    ),
    "theme without criteria": (
        _edit(_set(["themes", 1, "criteria"], [])),
        "Theme 2 › criteria: a theme needs at least one criterion",
    ),
    "unknown criterion field": (
        _edit(_set(["themes", 0, "criteria", 0, "colour"], "red")),
        "Theme 1 › criterion 1.1 › colour: unknown field (check the spelling; the format has no "
        "such field)",
    ),
    "unknown top-level field": (
        _edit(_set(["extras"], 1)),
        "extras: unknown field (check the spelling; the format has no such field)",
    ),
    "unknown standard field": (
        _edit(_set(["standard", "owner"], "QISMET")),
        "standard › owner: unknown field (check the spelling; the format has no such field)",
    ),
    "missing standard": (_edit(_delete(["standard"])), "standard: this field is required"),
    "bad standard code": (
        _edit(_set(["standard", "code"], "QIS 2020")),
        'standard › code: "QIS 2020" is not allowed here: use letters, digits, dots, dashes and '
        "underscores only, e.g. QIS-2020",
    ),
    "unquoted version number": (
        _edit(_set(["version", "number"], 2026.1)),
        'version › number: must be text; put it in quotes, e.g. "2026.1"',
    ),
    "unquoted criterion code": (
        _edit(_set(["themes", 0, "criteria", 0, "code"], 1.1)),
        'Theme 1 › criterion at position 1 › code: must be text; put it in quotes, e.g. "1.1"',
    ),
    "flag not true or false": (
        _edit(_set(["themes", 0, "criteria", 1, "mandatory"], "sometimes")),
        "Theme 1 › criterion 1.2 › mandatory: must be true or false",
    ),
    "validity out of range": (
        _edit(_set(["version", "certificate_validity_months"], 0)),
        "version › certificate_validity_months: must be between 1 and 120",
    ),
    "negative weight": (
        _edit(_set(["themes", 0, "criteria", 0, "weight"], -1)),
        "Theme 1 › criterion 1.1 › weight: must be more than 0 and less than 1000",
    ),
    "weight too precise": (
        _edit(_set(["themes", 0, "criteria", 0, "weight"], 1.234)),
        "Theme 1 › criterion 1.1 › weight: may have at most two decimal places",
    ),
    "title too long": (
        _edit(_set(["themes", 0, "title"], "x" * 201)),
        "Theme 1 › title: is too long (201 characters; the most allowed is 200)",
    ),
    "empty requirement": (
        _edit(_set(["themes", 0, "criteria", 0, "requirement"], "  ")),
        "Theme 1 › criterion 1.1 › requirement: must not be empty",
    ),
    "evidence example not text": (
        _edit(_set(["themes", 0, "criteria", 0, "evidence_examples"], ["A policy", ["nested"]])),
        "Theme 1 › criterion 1.1 › evidence_examples › item 2: must be text",
    ),
    "duplicate scale code": (
        _edit(_set(["version", "scale", 1, "code"], "met")),
        "version › scale: the code met is used by more than one level",
    ),
    "scale meaning missing": (
        _edit(_set(["version", "scale", 1, "meaning"], "met")),
        "version › scale: needs at least one level meaning partial",
    ),
    "scale meaning unknown": (
        _edit(_set(["version", "scale", 1, "meaning"], "half")),
        "version › scale › level 2 › meaning: must be one of: met, partial, not_met",
    ),
    "scale not best first": (
        _edit(_swap_scale),
        "version › scale: levels must be listed best first: met, then partial, then not_met",
    ),
    "outcome rule limit not a number": (
        _edit(_set(["version", "outcome_rule", "accredited", "max_not_met"], "none")),
        "version › outcome_rule › accredited › max_not_met: must be a whole number, or null for "
        "no limit",
    ),
    "outcome rule unknown field": (
        _edit(_set(["version", "outcome_rule", "appeal"], {})),
        "version › outcome_rule › appeal: unknown field; the format has no such field",
    ),
    "not UTF-8": (
        lambda: "format: qismet-standard/1\nstandard:\n  name: Qualité\n".encode("latin-1"),
        "The file is not UTF-8 text. Save it as UTF-8 (plain text) and try again",
    ),
    "not YAML": (
        lambda: b"format: [qismet-standard/1\nstandard: {",
        "The file is not valid YAML",
    ),
    "plain text": (
        lambda: b"Dear QISMET, please find our standard attached.",
        "The file is not a QISMET standard file: it should be YAML that starts with "
        '"format: qismet-standard/1"',
    ),
    "a list": (lambda: b"- one\n- two\n", "The file is not a QISMET standard file"),
    "empty": (lambda: b"  \n", "The file is empty"),
    "wrong format": (
        lambda: SMALL.replace(b"qismet-standard/1", b"qismet-standard/2"),
        'format: this portal reads "qismet-standard/1" files, but the file says '
        '"qismet-standard/2"',
    ),
    "no format": (
        lambda: SMALL.replace(b"format: qismet-standard/1\n", b""),
        "format: this field is required",
    ),
    "aliases": (
        lambda: SMALL.replace(b"description: A small", b"description: &d A small").replace(
            b"notes: First test version.", b"notes: *d"
        ),
        "Line 9: anchors and aliases (& and *) are not allowed in a standard file",
    ),
    "duplicate key": (
        lambda: SMALL.replace(
            b"        title: Governance\n", b"        title: A\n        title: B\n"
        ),
        'Line 26: the field "title" is given twice in the same place',
    ),
}


@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_a_bad_file_is_refused_with_its_place_and_nothing_is_stored(case):
    make, expected = BAD_FILES[case]
    with pytest.raises(StandardFileInvalid) as refused:
        standard_import(data=make(), user=None, publish=True)
    problems = refused.value.problems
    assert any(problem.startswith(expected) for problem in problems), problems
    _assert_nothing_stored()


def test_every_problem_of_a_file_is_listed_at_once():
    data = _small()
    del _criterion(data, 2)["title"]
    _criterion(data, 3)["code"] = "2.9"
    _criterion(data, 4)["colour"] = "red"
    data["version"]["scale"][1]["meaning"] = "half"
    with pytest.raises(StandardFileInvalid) as refused:
        standard_file_parse(_dump(data))
    assert refused.value.problems == [
        "version › scale › level 2 › meaning: must be one of: met, partial, not_met",
        "Theme 2 › criterion 2.1 › title: this field is required",
        "Theme 3: criterion code 2.9 does not start with the theme number 3",
        "Theme 4 › criterion 4.1 › colour: unknown field (check the spelling; the format has no "
        "such field)",
    ]


def test_a_file_over_the_size_limit_is_refused_before_reading(settings):
    settings.MAX_STANDARD_FILE_BYTES = 1000
    with pytest.raises(StandardFileInvalid) as refused:
        standard_import(data=SMALL, user=None)
    assert refused.value.problems == ["The file is too large (3 KB); the largest accepted is 1 KB"]
    _assert_nothing_stored()


def test_python_objects_in_yaml_are_not_constructed():
    data = SMALL.replace(
        b"notes: First test version.", b"notes: !!python/object/apply:os.system ['true']"
    )
    with pytest.raises(StandardFileInvalid) as refused:
        standard_file_parse(data)
    assert refused.value.problems == [
        "The file is not valid YAML (line 9, column 10): could not determine a constructor for "
        "the tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    ]


def test_a_byte_order_mark_is_accepted():
    assert standard_file_parse(b"\xef\xbb\xbf" + SMALL).code == "QISMET-TEST"


# --- export and the round trip --------------------------------------------------------------


def test_export_gives_the_same_data_as_the_file_it_came_from():
    """The small file has no keys (as files written before keys existed): the import makes them,
    the export writes them, and everything else is exactly the file."""
    version = standard_import(data=SMALL, user=None)
    exported = yaml.safe_load(standard_export(version=version))
    keys = [criterion.pop("key") for theme in exported["themes"] for criterion in theme["criteria"]]
    assert keys == list(
        Criterion.objects.filter(theme__version=version)
        .order_by("theme__number", "order")
        .values_list("key", flat=True)
    )
    assert all(re.match(CRITERION_KEY_PATTERN, key) for key in keys)
    assert exported == _small()


def test_export_import_export_gives_an_identical_document():
    version = standard_import(data=SMALL, user=None)
    first = standard_export(version=version)
    services.version_draft_delete(version=version)
    again = standard_import(data=first.encode(), user=None)
    assert again.pk != version.pk
    assert standard_export(version=again) == first


def test_a_round_trip_keeps_awkward_text():
    version = published_version()
    criterion = Criterion.objects.filter(theme__version=version).first()
    draft = services.version_copy_as_draft(version=version, number="awkward", user=None)
    target = Criterion.objects.get(theme__version=draft, code=criterion.code)
    services.criterion_update(
        criterion=target,
        code=target.code,
        title="Quotes \"double\" and 'single': colons # hashes",
        requirement="Line one\n\n  indented line two\nÜnïcödé – dashes… and 2026.1",
        guidance="yes",
        evidence_examples=["- a dash", "null", "1.10"],
        weight=Decimal("12.5"),
    )
    first = standard_export(version=draft)
    services.version_draft_delete(version=draft)
    again = standard_import(data=first.encode(), user=None)
    assert standard_export(version=again) == first
    copied = Criterion.objects.get(theme__version=again, code=criterion.code)
    assert copied.requirement == "Line one\n\n  indented line two\nÜnïcödé – dashes… and 2026.1"
    assert copied.guidance == "yes"
    assert copied.evidence_examples == ["- a dash", "null", "1.10"]
    assert copied.weight == Decimal("12.50")


def test_export_file_names_are_safe():
    version = published_version(number="2026.1")
    version.standard.code = "QIS/../2020"
    assert export_filename(version) == "QIS-..-2020-2026.1.yaml"
    version.standard.code = "QIS 2020"
    assert export_filename(version) == "QIS-2020-2026.1.yaml"


def test_the_demonstration_file_round_trips():
    data = services.DEMONSTRATION_EDITION_PATH.read_bytes()
    version = standard_import(data=data, user=None)
    first = standard_export(version=version)
    assert standard_file_parse(first.encode()) == standard_file_parse(data)
    services.version_draft_delete(version=version)
    again = standard_import(data=first.encode(), user=None)
    assert standard_export(version=again) == first


def test_a_deeply_nested_file_is_refused_not_crashed():
    with pytest.raises(StandardFileInvalid) as refused:
        standard_import(data=b"[" * 5000 + b"]" * 5000, user=None)
    assert "nested far more deeply" in refused.value.problems[0]
    _assert_nothing_stored()


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: _criterion(d, 1).update(code="1.1\n"), "criterion"),
        (lambda d: d["standard"].update(code="QISMET-TEST\n"), "standard"),
        (lambda d: d["version"].update(number="2026.1\n"), "version"),
    ],
)
def test_a_trailing_newline_does_not_pass_for_a_code(change, place):
    data = _small()
    change(data)
    with pytest.raises(StandardFileInvalid) as refused:
        standard_import(data=_dump(data), user=None)
    assert any(place in problem.lower() for problem in refused.value.problems), (
        refused.value.problems
    )
    _assert_nothing_stored()


def test_content_edited_in_the_portal_round_trips(administrator):
    version = services.version_copy_as_draft(
        version=published_version(), number="2099.1", user=administrator
    )
    criterion = Criterion.objects.filter(theme__version=version).first()
    services.criterion_update(
        criterion=criterion,
        code=criterion.code,
        title="Edited “title” — with punctuation",
        requirement="Line one.\nLine two: with a colon and 'quotes'.",
        guidance="",
        evidence_examples=["x" * 500, "Minutes: board, 2026"],
        mandatory=True,
    )
    exported = standard_export(version=version)
    imported = standard_import(data=exported.replace("2099.1", "2099.2").encode(), user=None)
    assert standard_export(version=imported).replace("2099.2", "2099.1") == exported


def test_the_portal_refuses_what_an_export_could_not_carry(administrator):
    from qismet_portal.exceptions import DomainError

    version = services.version_copy_as_draft(
        version=published_version(), number="2099.3", user=administrator
    )
    criterion = Criterion.objects.filter(theme__version=version).first()
    with pytest.raises(DomainError, match="at most 500 characters"):
        services.criterion_update(
            criterion=criterion,
            code=criterion.code,
            title=criterion.title,
            requirement=criterion.requirement,
            evidence_examples=["y" * 501],
        )
