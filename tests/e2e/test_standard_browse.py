"""People browse the standard in Chromium: administrators see the tools, others read only."""

import re

import pytest

from standards.services import demonstration_edition_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_version(db):
    return demonstration_edition_load()


def test_administrator_browses_the_standard(
    page,
    live_server,
    administrator,
    sign_in,
    screenshot,
    assert_accessible,
    console_errors,
    demo_version,
):
    sign_in(administrator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="The standard").click()
    assert page.get_by_role("heading", level=1, name="The QISMET standard").is_visible()
    assert page.get_by_text("Demonstration content").first.is_visible()
    assert page.get_by_role("link", name="Import a standard file").is_visible()
    assert_accessible("standards index")
    screenshot("standard-index-administrator")

    page.get_by_role("link", name=f"Version {demo_version.number}", exact=True).click()
    assert page.get_by_role("heading", level=1, name=re.compile(demo_version.number)).is_visible()
    for number, title in enumerate(
        [
            "Leadership, management and organisation",
            "The programme",
            "The facilitators",
            "Performance management",
        ],
        start=1,
    ):
        assert page.get_by_role("heading", level=2, name=f"Theme {number}: {title}").is_visible()
    assert page.get_by_role("link", name="Make a new draft from it").is_visible()
    assert_accessible("version detail")
    screenshot("standard-version-administrator")

    first = demo_version.themes.get(number=2).criteria.order_by("order").first()
    page.get_by_role("link", name=first.title, exact=True).click()
    assert page.get_by_role("heading", level=1, name=f"{first.code} {first.title}").is_visible()
    assert page.get_by_role("heading", name="Examples of acceptable evidence").is_visible()
    assert page.get_by_text(first.evidence_examples[0]).is_visible()
    assert_accessible("criterion detail")
    screenshot("standard-criterion-administrator")

    page.get_by_role("link", name=re.compile(r"^Next: ")).click()
    second = demo_version.themes.get(number=2).criteria.order_by("order")[1]
    assert page.get_by_role("heading", level=1, name=f"{second.code} {second.title}").is_visible()
    assert console_errors == []


def test_provider_reads_the_standard_without_editing_tools(
    page, live_server, provider_user, sign_in, assert_accessible, demo_version, screenshot
):
    sign_in(provider_user)
    page.goto(f"{live_server.url}/standards/versions/{demo_version.pk}/")
    assert page.get_by_role("heading", level=2, name="Theme 3: The facilitators").is_visible()
    assert page.get_by_role("link", name="Make a new draft from it").count() == 0
    assert page.get_by_role("button", name="Retire").count() == 0
    assert_accessible("version detail as provider")
    screenshot("standard-version-provider")


def test_administrator_makes_a_draft_and_edits_a_criterion(
    page, live_server, administrator, sign_in, assert_accessible, demo_version, screenshot
):
    sign_in(administrator)
    page.goto(f"{live_server.url}/standards/versions/{demo_version.pk}/")
    page.get_by_role("link", name="Make a new draft from it").click()
    assert_accessible("copy as draft")
    page.get_by_label("Number of the new version").fill("2027.1")
    page.get_by_role("button", name="Make the draft").click()
    assert page.get_by_role("heading", level=1, name=re.compile("2027.1")).is_visible()
    assert page.get_by_text(re.compile("Draft")).first.is_visible()
    screenshot("standard-draft")

    page.get_by_role("link", name="Governance and accountability", exact=True).click()
    page.get_by_role("link", name="Edit criterion").click()
    assert_accessible("criterion edit")
    page.get_by_label("Title").fill("Governance, accountability and oversight")
    page.get_by_role("button", name=re.compile("Save", re.I)).click()
    assert page.get_by_role(
        "heading", level=1, name=re.compile("Governance, accountability and oversight")
    ).is_visible()
    screenshot("standard-criterion-edited")

    # the published version is untouched
    page.goto(f"{live_server.url}/standards/versions/{demo_version.pk}/")
    assert page.get_by_role("link", name="Governance and accountability", exact=True).is_visible()
