"""A user of provider B reaches nothing of provider A, by any URL, including guessed IDs.

Anything named by ID on provider pages is looked up inside the signed-in person's organisation,
so A's IDs are "not found" for B, exactly like IDs that do not exist at all.
"""

import pytest
from django.urls import reverse

from providers.models import Invitation, Membership, Programme

pytestmark = pytest.mark.django_db

MISSING = 987654

SCOPED = [
    ("providers:programme_detail", "programme", "get", None),
    ("providers:programme_edit", "programme", "get", None),
    (
        "providers:programme_edit",
        "programme",
        "post",
        {"name": "Hijacked", "conditions": "x", "delivery_mode": "group"},
    ),
    ("providers:programme_delete", "programme", "get", None),
    ("providers:programme_delete", "programme", "post", {}),
    ("providers:member_change_role", "contributor_membership", "post", {"role": "lead"}),
    ("providers:member_change_role", "lead_membership", "post", {"role": "contributor"}),
    ("providers:member_remove", "contributor_membership", "post", {}),
    ("providers:member_set_signing", "contributor_membership", "post", {"can_sign": "1"}),
    ("providers:member_set_signing", "signatory_membership", "post", {"can_sign": "0"}),
    ("providers:invitation_resend", "invitation", "post", {}),
    ("providers:invitation_revoke", "invitation", "post", {}),
]


def _state():
    return (
        list(Membership.objects.values_list("role", "can_sign", "removed_at").order_by("pk")),
        list(Programme.objects.values_list("name", "conditions").order_by("pk")),
        list(Invitation.objects.values_list("token_hash", "revoked_at").order_by("pk")),
    )


@pytest.mark.parametrize("who", ["lead", "contributor", "signatory"])
@pytest.mark.parametrize(("name", "target", "method", "data"), SCOPED)
def test_other_organisations_ids_are_not_found(
    login, org_a, org_b, who, name, target, method, data
):
    client = login(getattr(org_b, who))
    before = _state()
    url = reverse(name, kwargs={"pk": getattr(org_a, target).pk})
    response = client.post(url, data) if method == "post" else client.get(url)
    # a lead gets 404 (not theirs); other roles are refused before any lookup (403)
    assert response.status_code == (
        404 if who == "lead" or name == "providers:programme_detail" else 403
    )
    assert org_a.organisation.name.encode() not in response.content
    assert _state() == before
    missing = reverse(name, kwargs={"pk": MISSING})
    other = client.post(missing, data) if method == "post" else client.get(missing)
    assert other.status_code == response.status_code  # same answer as for an ID that does not exist


@pytest.mark.parametrize("who", ["lead", "contributor"])
def test_own_pages_show_nothing_of_the_other_organisation(login, org_a, org_b, who):
    client = login(getattr(org_b, who))
    for name in (
        "providers:organisation_home",
        "providers:member_list",
        "providers:programme_list",
    ):
        content = client.get(reverse(name)).content
        for secret in (
            org_a.organisation.name,
            org_a.lead.full_name,
            org_a.contributor.email,
            org_a.programme.name,
            org_a.invitation.email,
        ):
            assert secret.encode() not in content, f"{secret} leaked on {name}"
        assert org_b.organisation.name.encode() in content


def test_administrator_pages_do_not_reveal_which_organisations_exist(login, org_a, org_b):
    client = login(org_b.lead)
    real = client.get(
        reverse("providers:organisation_detail", kwargs={"pk": org_a.organisation.pk})
    )
    missing = client.get(reverse("providers:organisation_detail", kwargs={"pk": MISSING}))
    assert real.status_code == missing.status_code == 403
    assert org_a.organisation.name.encode() not in real.content


def test_an_invitation_link_cannot_be_reached_by_its_id(login, org_a, org_b):
    """Invitations are found by the hash of their token only, never by their number."""
    response = login(None).get(
        reverse("providers:invitation_accept", kwargs={"token": str(org_a.invitation.pk)})
    )
    assert response.status_code == 404
