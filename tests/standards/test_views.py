"""The standard's pages: what each role sees, and the administrators' editing journeys."""

import re
from html.parser import HTMLParser

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qismet_portal.exceptions import DomainError
from standards import services
from standards.models import Criterion, Standard, StandardVersion, VersionStatus

from .factories import FILES, StandardFactory, draft_version, published_version

pytestmark = pytest.mark.django_db

SMALL = (FILES / "small-standard.yaml").read_bytes()


def _text(response) -> str:
    """The main content's text with tags removed and spaces collapsed, for content assertions."""
    html = response.content.decode()
    html = html[html.find("<main") : html.find("</main>")]
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def demo():
    standard = StandardFactory(code="DEMO", name="Demonstration standard", is_demonstration=True)
    return published_version(standard=standard, number="2026.1", criteria_per_theme=2)


@pytest.fixture
def family(demo):
    """The demonstration standard with a retired, a published and a draft version."""
    newer = services.version_copy_as_draft(version=demo, number="2026.2", user=None)
    services.version_publish(version=newer, user=None)
    draft = services.version_copy_as_draft(version=newer, number="2027.1-draft", user=None)
    return {"retired": demo, "published": newer, "draft": draft}


# --- reading --------------------------------------------------------------------------------


def test_the_index_shows_providers_published_and_retired_versions_only(
    login, provider_user, family
):
    response = login(provider_user).get(reverse("standards:index"))
    text = _text(response)
    assert "Demonstration standard (DEMO) Demonstration content" in text
    assert "Version 2026.2 Published" in text
    assert "Version 2026.1 Retired since" in text
    assert "2027.1-draft" not in text
    assert "Import a standard file" not in text
    assert "Make a new draft" not in text
    assert "Compare versions of Demonstration standard" in text


def test_the_index_shows_administrators_everything_and_their_actions(login, administrator, family):
    response = login(administrator).get(reverse("standards:index"))
    text = _text(response)
    assert "Version 2027.1-draft Draft" in text
    assert "Import a standard file" in text
    html = response.content.decode()
    assert reverse("standards:version_copy", args=[family["published"].pk]) in html
    assert reverse("standards:version_export", args=[family["retired"].pk]) in html
    assert reverse("standards:version_copy", args=[family["draft"].pk]) not in html


def test_a_standard_with_only_a_draft_is_hidden_from_non_administrators(login, assessor):
    draft_version(standard=StandardFactory(name="Secret new standard"))
    text = _text(login(assessor).get(reverse("standards:index")))
    assert "Secret new standard" not in text
    assert "No version of the standard has been published yet." in text


def test_the_version_page_shows_the_whole_standard(login, assessor, demo):
    response = login(assessor).get(reverse("standards:version_detail", args=[demo.pk]))
    text = _text(response)
    assert "Demonstration standard, version 2026.1 Published" in text
    assert (
        "Demonstration content This is illustrative content written for this portal, not an "
        "official QISMET standard." in text
    )
    for number, title in [
        (1, "Leadership, management and organisation"),
        (4, "Performance management"),
    ]:
        assert f"Theme {number}: {title}" in text
    assert "1.1 Criterion 1.1 Mandatory" in text
    assert "4.2 Criterion 4.2" in text
    assert "8 in 4 themes" in text
    assert "Certificates issued under it last 36 months" in text
    assert "Partially met Partially met Some of the requirement is in place" in text
    assert "Accredited when every mandatory criterion is met and no criterion is not met." in text
    assert "Make a new draft from it" not in text
    assert "History" not in text
    assert "Compare with another version" not in text  # the only version


def test_the_version_page_offers_a_comparison_when_there_is_one(login, assessor, family):
    url = reverse("standards:version_detail", args=[family["published"].pk])
    assert "Compare with another version" in _text(login(assessor).get(url))


def test_the_version_page_of_a_real_standard_has_no_demonstration_banner(login, assessor):
    version = published_version()
    text = _text(login(assessor).get(reverse("standards:version_detail", args=[version.pk])))
    assert "Demonstration content" not in text
    assert "not an official QISMET standard" not in text


def test_administrators_see_a_drafts_tools_and_what_stops_publication(login, administrator, family):
    draft = family["draft"]
    Criterion.objects.filter(theme__version=draft, theme__number=3).delete()
    response = login(administrator).get(reverse("standards:version_detail", args=[draft.pk]))
    text = _text(response)
    assert "This version is a draft. Only administrators can see it" in text
    assert "Before this draft can be published Theme 3 has no criteria" in text
    html = response.content.decode()
    for name in ("version_publish", "version_settings", "version_delete"):
        assert reverse(f"standards:{name}", args=[draft.pk]) in html
    assert reverse("standards:criterion_create", args=[draft.pk, 2]) in html
    assert "Move down" in text
    assert "History" in text and "Draft made from another version" in text


def test_the_criterion_page_shows_its_text_and_neighbours(login, provider_user, demo):
    criterion = Criterion.objects.get(theme__version=demo, code="2.1")
    previous = Criterion.objects.get(theme__version=demo, code="1.2")
    following = Criterion.objects.get(theme__version=demo, code="2.2")
    response = login(provider_user).get(reverse("standards:criterion_detail", args=[criterion.pk]))
    text = _text(response)
    assert "2.1 Criterion 2.1" in text
    assert "criterion 3 of 8 in version 2026.1" in text
    assert "Requirement The provider meets requirement 2.1." in text
    assert "Guidance for providers Show how." in text
    assert "Examples of acceptable evidence A policy Meeting minutes" in text
    assert "Mandatory: it must be met for accreditation." in text
    assert "“Not applicable” is not allowed" in text
    assert "← Previous: 1.2 Criterion 1.2" in text
    assert "Next: 2.2 Criterion 2.2 →" in text
    html = response.content.decode()
    assert reverse("standards:criterion_detail", args=[previous.pk]) in html
    assert reverse("standards:criterion_detail", args=[following.pk]) in html
    assert "Edit criterion" not in text


def test_the_first_and_last_criteria_have_one_neighbour(login, assessor, demo):
    first = Criterion.objects.get(theme__version=demo, code="1.1")
    last = Criterion.objects.get(theme__version=demo, code="4.2")
    first_text = _text(login(assessor).get(reverse("standards:criterion_detail", args=[first.pk])))
    last_text = _text(login(assessor).get(reverse("standards:criterion_detail", args=[last.pk])))
    assert "Previous:" not in first_text and "Next: 1.2" in first_text
    assert "Next:" not in last_text and "Previous: 4.1" in last_text


def test_comparing_two_versions(login, assessor, family):
    newer = family["published"]
    standard = newer.standard
    # Give the published version real differences: recreate it from a changed draft.
    draft = services.version_copy_as_draft(version=newer, number="2026.3", user=None)
    criterion = Criterion.objects.get(theme__version=draft, code="2.1")
    services.criterion_update(
        criterion=criterion,
        code="2.1",
        title="Co-production",
        requirement="Designed with patients.",
    )
    services.criterion_delete(criterion=Criterion.objects.get(theme__version=draft, code="3.2"))
    services.criterion_create(
        theme=draft.themes.get(number=1), code="1.3", title="Complaints", requirement="A process."
    )
    services.version_publish(version=draft, user=None)
    url = reverse("standards:version_compare", args=[standard.pk])
    response = login(assessor).get(url, {"old": newer.pk, "new": draft.pk})
    text = _text(response)
    assert "From version 2026.2 to version 2026.3" in text
    assert "1 criterion added" in text and "1 criterion removed" in text
    assert "Criteria added in version 2026.3 1.3 Complaints" in text
    assert "Criteria removed since version 2026.2 3.2 Criterion 3.2" in text
    html = response.content.decode()
    assert '<del class="diff-del"><span class="visually-hidden">[removed: </span>Criterion' in html
    assert (
        '<ins class="diff-ins"><span class="visually-hidden">[added: </span>Co-production' in html
    )
    assert "2027.1-draft" not in html  # assessors cannot pick the draft


def test_the_comparison_lists_renumbered_criteria(login, administrator, family):
    published, draft = family["published"], family["draft"]
    client = login(administrator)
    second = Criterion.objects.get(theme__version=draft, code="4.2")
    client.post(reverse("standards:criterion_move", args=[second.pk]), {"direction": "up"})
    url = reverse("standards:version_compare", args=[draft.standard_id])
    text = _text(client.get(url, {"old": published.pk, "new": draft.pk}))
    assert "0 criteria added" in text and "0 criteria removed" in text
    assert "0 criteria changed" in text and "2 criteria renumbered" in text
    assert (
        "Criteria renumbered or moved "
        "4.1 Criterion 4.2 , was 4.2 in version 2026.2 "
        "4.2 Criterion 4.1 , was 4.1 in version 2026.2" in text
    )


def test_comparing_a_version_with_itself_is_refused(login, assessor, family):
    url = reverse("standards:version_compare", args=[family["published"].standard.pk])
    pk = family["published"].pk
    text = _text(login(assessor).get(url, {"old": pk, "new": pk}))
    assert "Choose two different versions to compare." in text
    assert "From version" not in text


# --- import and export ----------------------------------------------------------------------


def _upload(content: bytes, name: str = "standard.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-yaml")


def test_importing_a_file_through_the_page(login, administrator):
    client = login(administrator)
    response = client.post(
        reverse("standards:version_import"), {"file": _upload(SMALL)}, follow=True
    )
    version = StandardVersion.objects.get()
    assert response.redirect_chain[-1][0] == reverse("standards:version_detail", args=[version.pk])
    assert version.status == VersionStatus.DRAFT
    assert "Version 2026.1 of QISMET test standard imported as a draft." in _messages(response)


def test_importing_and_publishing_through_the_page(login, administrator):
    login(administrator).post(
        reverse("standards:version_import"), {"file": _upload(SMALL), "publish": "on"}
    )
    assert StandardVersion.objects.get().status == VersionStatus.PUBLISHED


def test_a_refused_file_lists_its_problems_and_stores_nothing(login, administrator):
    data = yaml.safe_load(SMALL)
    del data["themes"][1]["criteria"][0]["title"]
    data["themes"][2]["criteria"][0]["code"] = "2.9"
    bad = yaml.safe_dump(data, sort_keys=False).encode()
    response = login(administrator).post(
        reverse("standards:version_import"), {"file": _upload(bad)}
    )
    assert response.status_code == 200
    text = _text(response)
    assert "The file was not imported Nothing has been stored. Fix these 2 problems" in text
    assert "Theme 2 › criterion 2.1 › title: this field is required" in text
    assert "Theme 3: criterion code 2.9 does not start with the theme number 3" in text
    assert not Standard.objects.exists()


def test_a_file_over_the_limit_is_refused_by_the_form(login, administrator, settings):
    settings.MAX_STANDARD_FILE_BYTES = 100
    response = login(administrator).post(
        reverse("standards:version_import"), {"file": _upload(SMALL)}
    )
    assert "The file is too large (3 KB); the largest accepted is 0 KB." in _text(response)
    assert not Standard.objects.exists()


def test_exporting_downloads_a_yaml_attachment(login, administrator, demo):
    response = login(administrator).get(reverse("standards:version_export", args=[demo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    assert response["Content-Disposition"] == 'attachment; filename="DEMO-2026.1.yaml"'
    data = yaml.safe_load(response.content)
    assert data["standard"] == {
        "code": "DEMO",
        "name": "Demonstration standard",
        "description": "A standard written for the tests.",
        "demonstration": True,
    }
    assert [len(theme["criteria"]) for theme in data["themes"]] == [2, 2, 2, 2]


# --- making, publishing and retiring versions -----------------------------------------------


def test_making_a_new_draft_from_a_published_version(login, administrator, demo):
    client = login(administrator)
    url = reverse("standards:version_copy", args=[demo.pk])
    assert "The new draft copies everything in Demonstration standard, version 2026.1" in _text(
        client.get(url)
    )
    response = client.post(url, {"number": "2027.1"})
    draft = StandardVersion.objects.get(number="2027.1")
    assert response["Location"] == reverse("standards:version_detail", args=[draft.pk])
    assert draft.based_on == demo and draft.is_draft
    again = client.post(url, {"number": "2027.1"})
    assert "Demonstration standard already has a version 2027.1." in _text(again)
    assert StandardVersion.objects.filter(number="2027.1").count() == 1


def test_the_publish_page_explains_what_publishing_means(login, administrator, family):
    text = _text(
        login(administrator).get(reverse("standards:version_publish", args=[family["draft"].pk]))
    )
    assert "It can never be changed or deleted." in text
    assert "Version 2026.2, published now, will be retired." in text
    assert "Publish version 2027.1-draft" in text


def test_publishing_from_the_page(login, administrator, family):
    draft = family["draft"]
    response = login(administrator).post(
        reverse("standards:version_publish", args=[draft.pk]), follow=True
    )
    assert "Version 2027.1-draft is published. New applications now start against it." in (
        _messages(response)
    )
    assert StandardVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED
    assert StandardVersion.objects.get(pk=family["published"].pk).status == VersionStatus.RETIRED


def test_an_incomplete_draft_cannot_be_published_from_the_page(login, administrator, family):
    draft = family["draft"]
    Criterion.objects.filter(theme__version=draft, theme__number=4).delete()
    client = login(administrator)
    url = reverse("standards:version_publish", args=[draft.pk])
    page = _text(client.get(url))
    assert "Version 2027.1-draft is not ready to publish Theme 4 has no criteria" in page
    assert "Publish version 2027.1-draft" not in page
    response = client.post(url)
    assert "Theme 4 has no criteria" in _text(response)
    assert StandardVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_retiring_from_the_page_needs_a_post(login, administrator, family):
    client = login(administrator)
    url = reverse("standards:version_retire", args=[family["published"].pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert any("Version 2026.2 is retired." in m for m in _messages(response))
    assert StandardVersion.objects.get(pk=family["published"].pk).status == VersionStatus.RETIRED


def test_deleting_a_draft_from_the_page(login, administrator, family):
    client = login(administrator)
    url = reverse("standards:version_delete", args=[family["draft"].pk])
    assert "will be deleted. This cannot be undone." in _text(client.get(url))
    response = client.post(url)
    assert response["Location"] == reverse("standards:index")
    assert not StandardVersion.objects.filter(pk=family["draft"].pk).exists()


# --- editing a draft ------------------------------------------------------------------------


def _settings_data(version, **overrides) -> dict:
    data = {
        "notes": "Revised wording.",
        "certificate_validity_months": "24",
        "not_applicable_label": "Does not apply",
        "accredited_all_mandatory_met": "on",
        "accredited_max_not_met": "0",
        "conditional_max_mandatory_not_met": "",
        "scale-TOTAL_FORMS": str(len(version.scale) + 1),
        "scale-INITIAL_FORMS": str(len(version.scale)),
        "scale-MIN_NUM_FORMS": "0",
        "scale-MAX_NUM_FORMS": "10",
    }
    for index, level in enumerate(version.scale):
        for key in ("code", "label", "meaning", "description"):
            data[f"scale-{index}-{key}"] = level[key]
    data.update(overrides)
    return data


def test_editing_a_drafts_settings_and_scale(login, administrator, family):
    draft = family["draft"]
    client = login(administrator)
    url = reverse("standards:version_settings", args=[draft.pk])
    page = _text(client.get(url))
    assert "Level 1" in page and "Level 4" in page  # three levels and an empty one
    response = client.post(
        url,
        _settings_data(
            draft,
            **{
                "scale-0-label": "Fully met",
                "scale-3-code": "not_started",
                "scale-3-label": "Not started",
                "scale-3-meaning": "not_met",
            },
        ),
    )
    assert response.status_code == 302, _text(response)
    draft = StandardVersion.objects.get(pk=draft.pk)
    assert [level["label"] for level in draft.scale] == [
        "Fully met",
        "Partially met",
        "Not met",
        "Not started",
    ]
    assert draft.outcome_rule == {
        "accredited": {"all_mandatory_met": True, "max_not_met": 0},
        "conditional": {"max_mandatory_not_met": None},
    }
    assert (draft.certificate_validity_months, draft.not_applicable_label, draft.notes) == (
        24,
        "Does not apply",
        "Revised wording.",
    )


def test_a_scale_without_a_partial_level_is_refused(login, administrator, family):
    draft = family["draft"]
    response = login(administrator).post(
        reverse("standards:version_settings", args=[draft.pk]),
        _settings_data(draft, **{"scale-1-DELETE": "on"}),
    )
    assert response.status_code == 200
    assert "needs at least one level meaning partial" in _text(response)
    assert StandardVersion.objects.get(pk=draft.pk).scale == draft.scale


class _FormValues(HTMLParser):
    """What a browser posts for the page's form as it stands: inputs, ticked boxes, the selected
    (or first) option of each select, textareas."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.values[name] = attrs.get("value") or "on"
            else:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
                self.values.setdefault(self._select, value)
            if "selected" in attrs:
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.removeprefix("\n")


def _form_as_posted(response) -> dict[str, str]:
    html = response.content.decode()
    html = html[html.find('<form method="post" data-warn-unsaved') :]
    parser = _FormValues()
    parser.feed(html[: html.find("</form>")])
    values = parser.values
    values.pop("csrfmiddlewaretoken", None)
    return values


def test_the_settings_page_saves_unchanged(login, administrator, family):
    """Pressing Save without changing anything posts the empty extra level too: it is ignored."""
    draft = family["draft"]
    client = login(administrator)
    url = reverse("standards:version_settings", args=[draft.pk])
    data = _form_as_posted(client.get(url))
    assert data["scale-TOTAL_FORMS"] == "4" and data["scale-3-code"] == ""
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)
    assert _messages(client.get(response["Location"])) == [
        "The settings of version 2027.1-draft are saved."
    ]
    assert StandardVersion.objects.get(pk=draft.pk).scale == draft.scale


def test_a_half_filled_level_is_refused_with_a_summary_at_the_top(login, administrator, family):
    draft = family["draft"]
    client = login(administrator)
    url = reverse("standards:version_settings", args=[draft.pk])
    data = _form_as_posted(client.get(url))
    data["scale-3-label"] = "Not started"
    data["certificate_validity_months"] = "500"
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    summary = _error_summary(html)
    assert html.find("data-error-summary") < html.find('name="notes"')  # above every field
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert "There is a problem" in summary
    assert (
        'href="#id_certificate_validity_months">Certificate validity must be 120 months or fewer'
        in summary
    )
    assert 'href="#id_scale-3-code">Level 4: Enter the level&#x27;s code' in summary
    assert 'href="#id_scale-3-meaning">Level 4: Select what the level counts as' in summary
    assert "Level 4: Enter the level&#x27;s label" not in summary
    assert "<title>Error: Settings of version" in html
    assert StandardVersion.objects.get(pk=draft.pk).scale == draft.scale


def test_a_refused_scale_is_announced_at_the_top(login, administrator, family):
    draft = family["draft"]
    response = login(administrator).post(
        reverse("standards:version_settings", args=[draft.pk]),
        _settings_data(draft, **{"scale-1-DELETE": "on"}),
    )
    html = response.content.decode()
    summary = _error_summary(html)
    assert 'href="#scale-errors">' in summary and "meaning partial" in summary
    assert 'id="scale-errors"' in html


def test_a_refusal_by_the_service_is_shown_once_in_the_summary(
    login, administrator, family, monkeypatch
):
    def refuse(**kwargs):
        raise DomainError("Outcome rule: the conditions are stricter than accreditation")

    monkeypatch.setattr(services, "version_settings_update", refuse)
    draft = family["draft"]
    response = login(administrator).post(
        reverse("standards:version_settings", args=[draft.pk]), _settings_data(draft)
    )
    html = response.content.decode()
    summary = _error_summary(html)
    assert "<li>Outcome rule: the conditions are stricter than accreditation</li>" in summary


def test_editing_a_theme(login, administrator, family):
    draft = family["draft"]
    response = login(administrator).post(
        reverse("standards:theme_edit", args=[draft.pk, 2]),
        {"title": "Designing and delivering the programme", "summary": "How it runs."},
    )
    assert response["Location"].endswith("#theme-2")
    theme = draft.themes.get(number=2)
    assert (theme.title, theme.summary) == (
        "Designing and delivering the programme",
        "How it runs.",
    )


def _criterion_data(**overrides) -> dict:
    data = {
        "code": "2.3",
        "title": "Accessible materials",
        "requirement": "Materials are available in accessible formats.",
        "guidance": "Easy read, large print, other languages.",
        "evidence_examples": "Easy-read handbook\n\nTranslation log\n",
        "mandatory": "on",
        "weight": "",
    }
    data.update(overrides)
    return data


def test_adding_editing_moving_and_deleting_a_criterion(login, administrator, family):
    draft = family["draft"]
    client = login(administrator)
    add_url = reverse("standards:criterion_create", args=[draft.pk, 2])
    assert 'value="2.3"' in client.get(add_url).content.decode()  # next free code suggested
    client.post(add_url, _criterion_data())
    criterion = Criterion.objects.get(theme__version=draft, code="2.3")
    assert criterion.evidence_examples == ["Easy-read handbook", "Translation log"]
    assert criterion.mandatory and not criterion.na_allowed

    response = client.post(
        reverse("standards:criterion_edit", args=[criterion.pk]),
        _criterion_data(title="Accessible materials and venues", na_allowed="on", weight="1.5"),
    )
    assert response["Location"] == reverse("standards:criterion_detail", args=[criterion.pk])
    criterion.refresh_from_db()
    assert criterion.title == "Accessible materials and venues"
    assert criterion.na_allowed and str(criterion.weight) == "1.50"

    client.post(reverse("standards:criterion_move", args=[criterion.pk]), {"direction": "up"})
    listed = list(draft.themes.get(number=2).criteria.values_list("code", "title"))
    assert listed == [
        ("2.1", "Criterion 2.1"),
        ("2.2", "Accessible materials and venues"),
        ("2.3", "Criterion 2.2"),
    ]

    client.post(reverse("standards:criterion_delete", args=[criterion.pk]))
    assert not Criterion.objects.filter(pk=criterion.pk).exists()


def test_moving_a_criterion_keeps_codes_in_order_and_says_which_changed(
    login, administrator, family
):
    draft = family["draft"]
    client = login(administrator)
    second = Criterion.objects.get(theme__version=draft, code="1.2")
    page = client.get(reverse("standards:version_detail", args=[draft.pk])).content.decode()
    assert (
        'data-confirm="Move criterion 1.2 up? It will be renumbered 1.1, and the criterion now '
        'numbered 1.1 will become 1.2."' in page
    )
    assert 'data-confirm="Move criterion 1.1 down? It will be renumbered 1.2' in page
    response = client.post(
        reverse("standards:criterion_move", args=[second.pk]), {"direction": "up"}, follow=True
    )
    assert _messages(response) == [
        "Criteria renumbered: 1.2 “Criterion 1.2” is now 1.1; 1.1 “Criterion 1.1” is now 1.2."
    ]
    text = _text(response)
    assert text.index("1.1 Criterion 1.2") < text.index("1.2 Criterion 1.1")
    assert Criterion.objects.get(pk=second.pk).code == "1.1"
    # Moving the first criterion up changes nothing and says nothing.
    response = client.post(
        reverse("standards:criterion_move", args=[second.pk]), {"direction": "up"}, follow=True
    )
    assert _messages(response) == []
    assert Criterion.objects.get(pk=second.pk).code == "1.1"


def test_a_criterion_code_from_another_theme_is_refused(login, administrator, family):
    draft = family["draft"]
    response = login(administrator).post(
        reverse("standards:criterion_create", args=[draft.pk, 2]), _criterion_data(code="3.9")
    )
    assert "Criterion code 3.9 does not start with the theme number 2." in _text(response)
    assert not Criterion.objects.filter(theme__version=draft, code="3.9").exists()


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("version_settings", lambda v, c: [v.pk], "get"),
        ("version_settings", lambda v, c: [v.pk], "post"),
        ("version_publish", lambda v, c: [v.pk], "post"),
        ("version_delete", lambda v, c: [v.pk], "post"),
        ("theme_edit", lambda v, c: [v.pk, 1], "post"),
        ("criterion_create", lambda v, c: [v.pk, 1], "get"),
        ("criterion_edit", lambda v, c: [c.pk], "post"),
        ("criterion_delete", lambda v, c: [c.pk], "post"),
        ("criterion_move", lambda v, c: [c.pk], "post"),
    ],
)
def test_editing_a_published_version_explains_why_not(
    login, administrator, demo, name, args, method
):
    criterion = Criterion.objects.get(theme__version=demo, code="1.2")
    before = list(
        Criterion.objects.filter(theme__version=demo).values_list("code", "title", "order")
    )
    client = login(administrator)
    url = reverse(f"standards:{name}", args=args(demo, criterion))
    response = getattr(client, method)(url, _criterion_data(code="1.2"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("standards:version_detail", args=[demo.pk])
    assert (
        "Version 2026.1 is published, so it cannot be changed. To revise the standard, make a new "
        "draft from it." in _messages(response)
    )
    assert (
        list(Criterion.objects.filter(theme__version=demo).values_list("code", "title", "order"))
        == before
    )
    assert StandardVersion.objects.get(pk=demo.pk).status == VersionStatus.PUBLISHED


# --- no inline script or style: the Content-Security-Policy forbids them --------------------


def test_no_page_has_inline_script_or_style(login, administrator, family):
    draft, published = family["draft"], family["published"]
    criterion = Criterion.objects.get(theme__version=draft, code="1.1")
    urls = [
        reverse("standards:index"),
        reverse("standards:version_import"),
        reverse("standards:version_detail", args=[draft.pk]),
        reverse("standards:version_detail", args=[published.pk]),
        reverse("standards:version_copy", args=[published.pk]),
        reverse("standards:version_publish", args=[draft.pk]),
        reverse("standards:version_settings", args=[draft.pk]),
        reverse("standards:version_delete", args=[draft.pk]),
        reverse("standards:theme_edit", args=[draft.pk, 1]),
        reverse("standards:criterion_create", args=[draft.pk, 1]),
        reverse("standards:criterion_detail", args=[criterion.pk]),
        reverse("standards:criterion_edit", args=[criterion.pk]),
        reverse("standards:criterion_delete", args=[criterion.pk]),
        reverse("standards:version_compare", args=[published.standard.pk])
        + f"?old={family['retired'].pk}&new={draft.pk}",
    ]
    client = login(administrator)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"\sstyle\s*=", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert "<h1" in html and html.count("<h1") == 1, url


def _error_summary(html: str) -> str:
    """The "There is a problem" box the shared layout draws at the top of a refused form."""
    start = html.rfind("<div", 0, html.find("data-error-summary"))
    return html[start : html.find("</div>", start)]
