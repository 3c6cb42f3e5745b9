"""Every providers URL refuses each role that must not reach it, and changes nothing when it does.

Anonymous people are sent to sign in; signed-in people without the right get 403. Provider pages
act on the signed-in person's own organisation, so a role that may not use them is refused
whatever ID is in the URL.
"""

import pytest
from django.urls import reverse

from providers.models import Invitation, Membership, Organisation, Programme
from tests.factories import AssessorFactory

from .factories import AccountRequestFactory

pytestmark = pytest.mark.django_db

LEAD = {"lead"}
MEMBERS = {"lead", "contributor", "signatory"}
ADMIN = {"administrator"}
ALL_ROLES = ["anonymous", "assessor", "administrator", "lead", "contributor", "signatory"]

# (url name, kwargs taken from the org_a namespace, method, data, roles allowed)
URLS = [
    ("providers:organisation_home", {}, "get", None, MEMBERS),
    ("providers:organisation_edit", {}, "get", None, LEAD),
    ("providers:organisation_edit", {}, "post", {"name": "Renamed"}, LEAD),
    ("providers:member_list", {}, "get", None, MEMBERS),
    ("providers:member_invite", {}, "get", None, LEAD),
    ("providers:member_invite", {}, "post", {"email": "x@example.org", "role": "lead"}, LEAD),
    (
        "providers:member_change_role",
        {"pk": "contributor_membership"},
        "post",
        {"role": "lead"},
        LEAD,
    ),
    ("providers:member_remove", {"pk": "contributor_membership"}, "post", {}, LEAD),
    (
        "providers:member_set_signing",
        {"pk": "contributor_membership"},
        "post",
        {"can_sign": "1"},
        LEAD,
    ),
    ("providers:invitation_resend", {"pk": "invitation"}, "post", {}, LEAD),
    ("providers:invitation_revoke", {"pk": "invitation"}, "post", {}, LEAD),
    ("providers:programme_list", {}, "get", None, MEMBERS),
    ("providers:programme_detail", {"pk": "programme"}, "get", None, MEMBERS),
    ("providers:programme_create", {}, "get", None, LEAD),
    (
        "providers:programme_create",
        {},
        "post",
        {"name": "Sneaky", "conditions": "x", "delivery_mode": "group"},
        LEAD,
    ),
    ("providers:programme_edit", {"pk": "programme"}, "get", None, LEAD),
    (
        "providers:programme_edit",
        {"pk": "programme"},
        "post",
        {"name": "Sneaky", "conditions": "x", "delivery_mode": "group"},
        LEAD,
    ),
    ("providers:programme_delete", {"pk": "programme"}, "get", None, LEAD),
    ("providers:programme_delete", {"pk": "programme"}, "post", {}, LEAD),
    # administrators
    ("providers:organisation_list", {}, "get", None, ADMIN),
    ("providers:organisation_create", {}, "get", None, ADMIN),
    ("providers:organisation_detail", {"pk": "organisation"}, "get", None, ADMIN),
    ("providers:organisation_edit_admin", {"pk": "organisation"}, "get", None, ADMIN),
    (
        "providers:organisation_edit_admin",
        {"pk": "organisation"},
        "post",
        {"name": "Renamed"},
        ADMIN,
    ),
    (
        "providers:organisation_member_resend",
        {"pk": "organisation", "member_pk": "lead_membership"},
        "post",
        {},
        ADMIN,
    ),
    ("providers:account_request_list", {}, "get", None, ADMIN),
    ("providers:account_request_detail", {"pk": "account_request"}, "get", None, ADMIN),
    ("providers:account_request_edit", {"pk": "account_request"}, "get", None, ADMIN),
    (
        "providers:account_request_edit",
        {"pk": "account_request"},
        "post",
        {"organisation_name": "Renamed", "contact_email": "x@example.org"},
        ADMIN,
    ),
    ("providers:account_request_approve", {"pk": "account_request"}, "post", {}, ADMIN),
    (
        "providers:account_request_reject",
        {"pk": "account_request"},
        "post",
        {"reason": "No."},
        ADMIN,
    ),
]


def _id(spec):
    return f"{spec[2]}-{spec[0].split(':')[1]}"


@pytest.fixture
def world(org_a):
    org_a.account_request = AccountRequestFactory()
    org_a.assessor = AssessorFactory()
    return org_a


def _user(world, role, administrator):
    return {
        "anonymous": None,
        "assessor": world.assessor,
        "administrator": administrator,
        "lead": world.lead,
        "contributor": world.contributor,
        "signatory": world.signatory,
    }[role]


def _url(world, name, kwargs):
    return reverse(name, kwargs={k: getattr(world, v).pk for k, v in kwargs.items()})


def _state(world):
    """Everything a refused request might have changed."""
    return (
        list(Organisation.objects.values_list("name", flat=True).order_by("pk")),
        list(Membership.objects.values_list("role", "can_sign", "removed_at").order_by("pk")),
        list(Membership.objects.values_list("user__password", flat=True).order_by("pk")),
        list(Programme.objects.values_list("name", "conditions").order_by("pk")),
        list(Invitation.objects.values_list("token_hash", "revoked_at").order_by("pk")),
        list(
            type(world.account_request)
            .objects.values_list("status", "decided_at", "organisation_name", "contact_email")
            .order_by("pk")
        ),
    )


REFUSALS = [(spec, role) for spec in URLS for role in ALL_ROLES if role not in spec[4]]


@pytest.mark.parametrize(("spec", "role"), REFUSALS, ids=[f"{_id(s)}-{r}" for s, r in REFUSALS])
def test_refused(login, world, administrator, spec, role):
    name, kwargs, method, data, _ = spec
    url = _url(world, name, kwargs)
    before = _state(world)
    client = login(_user(world, role, administrator))
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
        assert b"You cannot open this page" in response.content
    assert _state(world) == before


ALLOWED = [(spec, role) for spec in URLS for role in sorted(spec[4])]


@pytest.mark.parametrize(("spec", "role"), ALLOWED, ids=[f"{_id(s)}-{r}" for s, r in ALLOWED])
def test_allowed(login, world, administrator, spec, role):
    name, kwargs, method, data, _ = spec
    url = _url(world, name, kwargs)
    client = login(_user(world, role, administrator))
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("name", ["providers:account_request", "providers:account_request_sent"])
def test_public_pages_need_no_sign_in(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_provider_user_without_an_organisation_is_refused(login):
    from tests.factories import UserFactory

    orphan = UserFactory()  # a provider user with no membership
    response = login(orphan).get(reverse("providers:organisation_home"))
    assert response.status_code == 403


def test_administrator_reads_and_edits_any_organisation(login, administrator, org_a):
    client = login(administrator)
    detail = client.get(
        reverse("providers:organisation_detail", kwargs={"pk": org_a.organisation.pk})
    )
    assert org_a.programme.name.encode() in detail.content
    assert org_a.invitation.email.encode() in detail.content
    response = client.post(
        reverse("providers:organisation_edit_admin", kwargs={"pk": org_a.organisation.pk}),
        {
            "name": "Alpha Self-Management CIC",
            "region": "london",
            "contact_name": "New Contact",
            "contact_email": "new@alpha.example.org",
        },
        follow=True,
    )
    assert b"details have been saved" in response.content
    org_a.organisation.refresh_from_db()
    assert org_a.organisation.name == "Alpha Self-Management CIC"
    assert org_a.organisation.contact_name == "New Contact"
