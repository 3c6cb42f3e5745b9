"""The import_standard and export_standard management commands."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from standards.models import Criterion, Standard, StandardVersion, VersionStatus

from .factories import FILES, published_version

pytestmark = pytest.mark.django_db

SMALL = FILES / "small-standard.yaml"


def _import(*args: str) -> str:
    out = StringIO()
    call_command("import_standard", *args, stdout=out)
    return out.getvalue()


def test_importing_a_file_as_a_draft():
    output = _import(str(SMALL))
    version = StandardVersion.objects.get()
    assert version.status == VersionStatus.DRAFT
    assert "QISMET-TEST version 2026.1 imported as a draft: 5 criteria in 4 themes." in output
    assert version.events.get().note == "Imported from small-standard.yaml."


def test_importing_and_publishing():
    output = _import(str(SMALL), "--publish")
    assert StandardVersion.objects.get().status == VersionStatus.PUBLISHED
    assert "QISMET-TEST version 2026.1 published" in output


def test_a_bad_file_lists_every_problem_and_changes_nothing(tmp_path):
    data = yaml.safe_load(SMALL.read_text())
    del data["themes"][1]["criteria"][0]["title"]
    data["themes"][2]["criteria"][0]["code"] = "2.9"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(CommandError) as refused:
        _import(str(bad))
    message = str(refused.value)
    assert message.startswith("bad.yaml was not imported; nothing has been changed.")
    assert "  - Theme 2 › criterion 2.1 › title: this field is required" in message
    assert "  - Theme 3: criterion code 2.9 does not start with the theme number 3" in message
    assert not Standard.objects.exists()


def test_an_existing_version_is_refused():
    _import(str(SMALL))
    with pytest.raises(CommandError, match=r"already has a version 2026\.1"):
        _import(str(SMALL), "--publish")
    assert StandardVersion.objects.get().status == VersionStatus.DRAFT


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="There is no file at"):
        _import(str(tmp_path / "nowhere.yaml"))


def test_exporting_to_standard_output_and_back(tmp_path):
    _import(str(SMALL))
    out = StringIO()
    call_command("export_standard", "QISMET-TEST", "2026.1", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    # The file has no keys; the import gave each criterion one, and the export writes it.
    keys = [c.pop("key") for theme in exported["themes"] for c in theme["criteria"]]
    assert len(set(keys)) == len(keys) == 5
    assert exported == yaml.safe_load(SMALL.read_text())


def test_exporting_to_a_file_and_a_folder(tmp_path):
    version = published_version(number="2026.1")
    target = tmp_path / "out.yaml"
    call_command(
        "export_standard", version.standard.code, "2026.1", "-o", str(target), stderr=StringIO()
    )
    data = yaml.safe_load(target.read_text())
    assert data["version"]["number"] == "2026.1"
    assert len([c for t in data["themes"] for c in t["criteria"]]) == Criterion.objects.count()
    call_command(
        "export_standard", version.standard.code, "2026.1", "-o", str(tmp_path), stderr=StringIO()
    )
    assert (tmp_path / f"{version.standard.code}-2026.1.yaml").read_text() == target.read_text()


def test_exporting_an_unknown_version_lists_the_known_ones():
    version = published_version(number="2026.1")
    with pytest.raises(CommandError, match=r"has no version 1999\. Its versions are: 2026\.1\."):
        call_command("export_standard", version.standard.code, "1999")
    with pytest.raises(CommandError, match="There is no such standard"):
        call_command("export_standard", "NOPE", "1")
