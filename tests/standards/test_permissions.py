"""Every standards URL refuses each role that must not reach it.

Anonymous people are sent to sign in (criterion text is for signed-in users only); provider users
and assessors get 403 on administrators' pages; drafts do not exist for them (404).
"""

import pytest
from django.urls import reverse

from standards import services
from standards.models import Criterion, StandardVersion, Theme

from .factories import FILES, draft_version, published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects():
    published = published_version(criteria_per_theme=2)
    draft = draft_version(standard=published.standard, number="draft-1")
    return {
        "published": published,
        "draft": draft,
        "published_criterion": Criterion.objects.get(theme__version=published, code="1.1"),
        "draft_criterion": Criterion.objects.get(theme__version=draft, code="1.1"),
    }


def _url(name: str, objects) -> str:
    version, criterion = objects["draft"], objects["draft_criterion"]
    if name in {"version_export", "version_copy", "version_retire"}:
        version = objects["published"]
    args = {
        "index": [],
        "version_import": [],
        "version_compare": [version.standard_id],
        "theme_edit": [version.pk, 1],
        "criterion_create": [version.pk, 1],
    }.get(name)
    if args is None:
        args = [criterion.pk] if name.startswith("criterion_") else [version.pk]
    return reverse(f"standards:{name}", args=args)


PUBLIC_URLS = ["about"]  # what the standard covers, with no criterion text
READ_URLS = ["index", "version_detail", "criterion_detail", "version_compare"]
ADMIN_URLS = [
    "version_import",
    "version_export",
    "version_copy",
    "version_publish",
    "version_retire",
    "version_settings",
    "version_delete",
    "theme_edit",
    "criterion_create",
    "criterion_edit",
    "criterion_delete",
    "criterion_move",
]


def _state(objects) -> tuple:
    return (
        list(StandardVersion.objects.order_by("pk").values_list("pk", "status", "notes")),
        list(Theme.objects.order_by("pk").values_list("pk", "title")),
        list(Criterion.objects.order_by("pk").values_list("pk", "code", "title", "order")),
    )


def test_the_lists_cover_every_standards_url():
    from standards.urls import urlpatterns

    assert sorted(p.name for p in urlpatterns) == sorted(PUBLIC_URLS + READ_URLS + ADMIN_URLS)


@pytest.mark.parametrize("name", PUBLIC_URLS)
@pytest.mark.parametrize("role", ["anonymous", "provider_user", "assessor", "administrator"])
def test_public_pages_are_open_to_everyone(login, user_of_role, name, role):
    response = login(user_of_role(role)).get(reverse(f"standards:{name}"))
    assert response.status_code == 200
    assert b"The four themes" in response.content


@pytest.mark.parametrize("name", READ_URLS + ADMIN_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_people_are_sent_to_sign_in(login, objects, name, method):
    before = _state(objects)
    url = _url(name, objects)
    response = getattr(login(None), method)(url, {"title": "x", "direction": "up"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={url}" in response["Location"]
    assert _state(objects) == before


@pytest.mark.parametrize("role", ["provider_user", "assessor"])
@pytest.mark.parametrize("name", ADMIN_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_non_administrators_are_refused_the_management_pages(
    login, user_of_role, objects, role, name, method
):
    before = _state(objects)
    data = {"title": "x", "direction": "up", "number": "9", "publish": "on"}
    if name == "version_import":
        data["file"] = (FILES / "small-standard.yaml").open("rb")
    response = getattr(login(user_of_role(role)), method)(_url(name, objects), data)
    assert response.status_code == 403
    assert b"You cannot open this page" in response.content
    assert _state(objects) == before


@pytest.mark.parametrize("role", ["provider_user", "assessor"])
def test_drafts_do_not_exist_for_non_administrators(login, user_of_role, objects, role):
    client = login(user_of_role(role))
    draft, criterion = objects["draft"], objects["draft_criterion"]
    for url in (
        reverse("standards:version_detail", args=[draft.pk]),
        reverse("standards:criterion_detail", args=[criterion.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert criterion.requirement.encode() not in response.content
    compare = reverse("standards:version_compare", args=[draft.standard_id])
    response = client.get(compare, {"old": objects["published"].pk, "new": draft.pk})
    assert b"has only one version so far" in response.content
    assert b"draft-1" not in response.content
    newer = services.version_copy_as_draft(version=objects["published"], number="2", user=None)
    services.version_publish(version=newer, user=None)
    response = client.get(compare, {"old": objects["published"].pk, "new": draft.pk})
    assert response.status_code == 200
    assert b"from the options shown" in response.content
    assert b"draft-1" not in response.content
    assert criterion.requirement.encode() not in response.content


@pytest.mark.parametrize("role", ["provider_user", "assessor"])
def test_a_standard_with_only_drafts_cannot_be_compared_by_non_administrators(
    login, user_of_role, role
):
    draft = draft_version()
    url = reverse("standards:version_compare", args=[draft.standard_id])
    assert login(user_of_role(role)).get(url).status_code == 404


@pytest.mark.parametrize("role", ["provider_user", "assessor", "administrator"])
def test_signed_in_people_read_published_criteria(login, user_of_role, objects, role):
    criterion = objects["published_criterion"]
    response = login(user_of_role(role)).get(
        reverse("standards:criterion_detail", args=[criterion.pk])
    )
    assert response.status_code == 200
    assert criterion.requirement.encode() in response.content


def test_administrators_reach_drafts(login, administrator, objects):
    response = login(administrator).get(
        reverse("standards:version_detail", args=[objects["draft"].pk])
    )
    assert response.status_code == 200
    assert objects["draft_criterion"].title.encode() in response.content


def test_a_deactivated_administrator_is_signed_out(login, administrator):
    administrator.is_active = False
    administrator.save()
    url = reverse("standards:version_import")
    response = login(administrator).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
