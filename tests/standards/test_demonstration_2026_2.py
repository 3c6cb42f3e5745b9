"""Version 2026.2 of the demonstration standard, made from 2026.1 by its change file through the
editing services (``manage.py revise_demonstration_standard``, also run by ``manage.py demo``)."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from standards import services
from standards.models import (
    MAX_CRITERIA_PER_THEME,
    Criterion,
    StandardVersion,
    VersionEvent,
    VersionStatus,
)
from standards.selectors import version_revisions, version_with_content

pytestmark = pytest.mark.django_db


def _criteria(version) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(theme__version=version).order_by("theme__number", "order")
    }


def _titles(version) -> list[str]:
    return [c.title for c in _criteria(version).values()]


# --- the demonstration standard's 2026.2 ----------------------------------------------------


@pytest.fixture
def editions():
    first = services.demonstration_edition_load()
    out = StringIO()
    call_command("revise_demonstration_standard", stdout=out)
    second = StandardVersion.objects.get(standard=first.standard, number="2026.2")
    return StandardVersion.objects.get(pk=first.pk), second, out.getvalue()


def test_the_command_publishes_2026_2_from_2026_1(editions):
    first, second, output = editions
    assert "QISMET-DEMO version 2026.2 published from version 2026.1: 49 criteria" in output
    assert (first.status, second.status) == (VersionStatus.RETIRED, VersionStatus.PUBLISHED)
    assert second.based_on_id == first.pk and second.standard.is_demonstration
    actions = list(second.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [
        VersionEvent.Action.COPIED,
        VersionEvent.Action.CRITERIA_MERGED,
        VersionEvent.Action.CRITERIA_MERGED,
        VersionEvent.Action.REVISED,
        VersionEvent.Action.PUBLISHED,
    ]
    assert first.events.filter(
        action=VersionEvent.Action.RETIRED, note="Replaced by version 2026.2."
    ).exists()


def test_running_the_command_again_is_refused_and_changes_nothing(editions):
    first, second, _ = editions
    count = Criterion.objects.count()
    with pytest.raises(
        CommandError, match=r"already has a version 2026\.2 \(published\): the changes"
    ):
        call_command("revise_demonstration_standard", stdout=StringIO())
    assert Criterion.objects.count() == count
    assert StandardVersion.objects.filter(standard=first.standard).count() == 2
    # The demo's own hook is idempotent instead.
    assert services.demonstration_revision_publish().pk == second.pk


def test_the_command_needs_the_demonstration_standard_first():
    with pytest.raises(CommandError, match="There is no standard QISMET-DEMO"):
        call_command("revise_demonstration_standard", stdout=StringIO())
    assert not StandardVersion.objects.exists()


def test_2026_2_passes_the_publication_checks_with_every_theme_in_bounds(editions):
    _, second, _ = editions
    assert services.version_publish_problems(version_with_content(second.pk)) == []
    counts = [theme.criteria.count() for theme in second.themes.order_by("number")]
    assert counts == [13, 12, 14, 10]
    assert all(1 <= count <= MAX_CRITERIA_PER_THEME for count in counts)
    keys = [c.key for c in _criteria(second).values()]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    "words",
    [
        ("consent", "data collection"),
        ("commercial", "sponsor"),
        ("lay leader", "limits"),
        ("whistleblowing",),
        ("costs", "social value"),
        ("peer support networks",),
        ("training the trainers",),
        ("lay and professional", "co-delivery"),
        ("facilitating rather than delivering",),
        ("participant", "lay leader"),
    ],
)
def test_2026_2_has_the_new_criteria(editions, words):
    first, second, _ = editions

    def matching(version):
        return [t for t in _titles(version) if all(w in t.lower() for w in words)]

    assert len(matching(second)) == 1, _titles(second)
    assert matching(first) == []


def test_a_lay_leader_gives_no_clinical_advice(editions):
    _, second, _ = editions
    [limits] = [c for c in _criteria(second).values() if c.key == "lay-leader-role-limits"]
    assert "do not give clinical advice" in limits.requirement
    assert limits.mandatory


@pytest.mark.parametrize(
    ("word", "merged_codes"), [("fidelity", ["2.7", "3.9"]), ("equality", ["2.5", "4.10"])]
)
def test_fidelity_and_equality_each_appear_once(editions, word, merged_codes):
    first, second, _ = editions
    assert len([t for t in _titles(first) if word in t.lower()]) == 2
    [kept] = [c for c in _criteria(second).values() if word in c.title.lower()]
    old = _criteria(first)
    assert kept.merged_keys == [old[code].key for code in merged_codes]


def test_supervision_is_now_mandatory(editions):
    first, second, _ = editions
    assert not _criteria(first)["3.7"].mandatory
    supervision = _criteria(second)["3.7"]
    assert supervision.key == _criteria(first)["3.7"].key
    assert supervision.mandatory and "minimum frequency" in supervision.requirement


GROUP_DELIVERY = re.compile(
    r"group (size|sessions?|facilitation|delivery)|in groups|in the room|the group\b", re.I
)


def _assumes_groups(criterion) -> bool:
    text = f"{criterion.requirement} {criterion.guidance}"
    return bool(GROUP_DELIVERY.search(text)) and not (
        criterion.na_allowed or re.search(r"one[- ]to[- ]one", text, re.I)
    )


def test_criteria_about_group_delivery_now_suit_one_to_one_models(editions):
    first, second, _ = editions
    assumed = [c.code for c in _criteria(first).values() if _assumes_groups(c)]
    assert {"2.7", "3.3", "3.9"} <= set(assumed)
    assert [c.code for c in _criteria(second).values() if _assumes_groups(c)] == []
    for key in ("curriculum", "core-training", "observation", "completion"):
        [criterion] = [c for c in _criteria(second).values() if c.key == key]
        assert re.search(r"one[- ]to[- ]one", criterion.requirement + criterion.guidance)


def test_background_checks_are_named_for_every_uk_nation(editions):
    first, second, _ = editions
    checks = _criteria(second)["3.2"]
    for scheme in ("DBS", "England and Wales", "PVG", "Scotland", "AccessNI", "Northern Ireland"):
        assert scheme in checks.requirement, scheme
    assert "AccessNI" not in _criteria(first)["3.2"].requirement


def test_the_notes_name_each_new_criterion_by_its_code_in_2026_2(editions):
    _, second, _ = editions
    revisions = version_revisions(second)
    for item in revisions.with_status("new"):
        assert re.search(rf"\b{re.escape(item.criterion.code)}\b", second.notes), item.criterion
    for item in revisions.criteria:
        if item.is_renumbered:
            assert f"{item.previous.code} to {item.criterion.code}" in second.notes
    for phrase in ("DBS", "PVG", "AccessNI", "mandatory", "one-to-one"):
        assert phrase in second.notes


def test_renewals_can_follow_every_2026_1_criterion_into_2026_2(editions):
    first, second, _ = editions
    revisions = version_revisions(second)
    assert revisions.removed == []  # everything that went was merged into something
    followed = {item.previous.key for item in revisions.criteria if item.previous} | {
        merge.criterion.key for merge in revisions.merged
    }
    assert followed == {c.key for c in _criteria(first).values()}
    statuses = {item.criterion.key: item.status for item in revisions.criteria}
    assert statuses["programme-review"] == "renumbered"  # 2.11 → 2.12, same text
    assert statuses["governance"] == "unchanged"
    assert statuses["supervision"] == "changed"
    assert statuses["informed-consent"] == "new"


def test_the_comparison_page_shows_merges_and_renumbering(login, assessor, editions):
    first, second, _ = editions
    url = reverse("standards:version_compare", args=[first.standard_id])
    client = login(assessor)
    client.get(url)  # settle the session before counting
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"old": first.pk, "new": second.pk})
    assert response.status_code == 200
    assert len(queries) <= 7
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "4 criteria merged into others" in text
    assert (
        "2.7 Session structure and delivery fidelity is now part of "
        "3.6 Delivery fidelity, observation and feedback" in text
    )
    assert (
        "4.10 Equality monitoring of who takes part is now part of "
        "1.6 Equality, inclusion and accessibility" in text
    )
    assert "10 criteria added" in text and "0 criteria removed" in text
    assert "4.10 Costs and social value" in text
    assert "2.12 Regular programme review , was 2.11 in version 2026.1" in text
