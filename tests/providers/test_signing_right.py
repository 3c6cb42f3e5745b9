"""The right to sign declarations: held by a lead or a contributor, granted by the lead, carried
by invitations, and mapped from the old "signatory" role by a data migration."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from providers import services
from providers.models import Membership, MembershipRole
from qismet_portal.exceptions import DomainError
from tests.factories import MembershipFactory

from .factories import make_invitation

pytestmark = pytest.mark.django_db

STRONG = "meadow-lantern-copper-41"


# model and services ------------------------------------------------------------------------


def test_roles_label_names_the_role_and_the_right(org_a):
    assert org_a.lead_membership.roles_label == "Lead"
    assert org_a.signatory_membership.roles_label == "Contributor · can sign"
    assert org_a.signatory_membership.role == MembershipRole.CONTRIBUTOR


def test_lead_grants_and_takes_away_the_right_to_sign(org_a):
    membership = services.membership_set_signing(
        membership=org_a.lead_membership, can_sign=True, changed_by=org_a.lead
    )
    assert membership.can_sign and membership.role == MembershipRole.LEAD
    assert Membership.objects.get(pk=membership.pk).can_sign is True
    services.membership_set_signing(
        membership=org_a.lead_membership, can_sign=False, changed_by=org_a.lead
    )
    assert Membership.objects.get(pk=membership.pk).can_sign is False


def test_a_removed_member_cannot_be_given_the_right(org_a):
    services.membership_remove(membership=org_a.contributor_membership, removed_by=org_a.lead)
    with pytest.raises(DomainError, match="no longer a member"):
        services.membership_set_signing(
            membership=org_a.contributor_membership, can_sign=True, changed_by=org_a.lead
        )
    assert Membership.objects.get(pk=org_a.contributor_membership.pk).can_sign is False


def test_a_closed_account_cannot_be_given_the_right(org_a):
    closed = MembershipFactory(organisation=org_a.organisation, role="contributor")
    closed.user.is_active = False
    closed.user.save()
    with pytest.raises(DomainError, match="account is closed"):
        services.membership_set_signing(membership=closed, can_sign=True, changed_by=org_a.lead)


def test_signatories_are_current_active_members_with_the_right(org_a):
    MembershipFactory(organisation=org_a.organisation, signatory=True, user__is_active=False)
    removed = MembershipFactory(organisation=org_a.organisation, signatory=True)
    services.membership_remove(membership=removed, removed_by=org_a.lead)
    signatories = Membership.objects.signatories().filter(organisation=org_a.organisation)
    assert list(signatories) == [org_a.signatory_membership]


def test_an_invitation_carries_the_right_to_the_new_membership(org_a):
    invitation, _ = make_invitation(
        organisation=org_a.organisation, role=MembershipRole.LEAD, can_sign=True
    )
    user = services.invitation_accept(invitation=invitation, full_name="Nia Lead", password=STRONG)
    assert user.membership.role == MembershipRole.LEAD
    assert user.membership.can_sign is True


def test_an_invitation_without_the_right_gives_none(org_a):
    user = services.invitation_accept(
        invitation=org_a.invitation, full_name="Cara Colleague", password=STRONG
    )
    assert user.membership.can_sign is False


def test_the_signing_right_is_not_a_role(org_a):
    with pytest.raises(DomainError, match="Choose lead or contributor"):
        services.invitation_create(
            organisation=org_a.organisation,
            email="x@example.org",
            role="signatory",
            invited_by=org_a.lead,
        )


# permissions -------------------------------------------------------------------------------


def test_sign_declarations_permission_follows_the_right_not_the_role(org_a, org_b):
    perm = "providers.sign_declarations"
    assert not org_a.lead.has_perm(perm, org_a.organisation)
    assert org_a.signatory.has_perm(perm, org_a.organisation)
    assert not org_a.signatory.has_perm(perm, org_b.organisation)
    assert not org_a.contributor.has_perm(perm, org_a.organisation)
    services.membership_set_signing(
        membership=org_a.lead_membership, can_sign=True, changed_by=org_a.lead
    )
    org_a.lead.refresh_from_db()
    assert org_a.lead.has_perm(perm, org_a.organisation)


# the users page ----------------------------------------------------------------------------


def test_lead_gives_themself_the_right_on_the_users_page(login, org_a):
    client = login(org_a.lead)
    response = client.post(
        reverse("providers:member_set_signing", kwargs={"pk": org_a.lead_membership.pk}),
        {"can_sign": "1"},
        follow=True,
    )
    assert b"You can now sign declarations and submit applications" in response.content
    assert Membership.objects.get(pk=org_a.lead_membership.pk).can_sign is True


def test_lead_takes_the_right_away_on_the_users_page(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_set_signing", kwargs={"pk": org_a.signatory_membership.pk}),
        {"can_sign": "0"},
        follow=True,
    )
    assert b"Alpha Signatory can no longer sign declarations" in response.content
    assert Membership.objects.get(pk=org_a.signatory_membership.pk).can_sign is False
    # nobody is left who can sign: the page says so
    assert b"Nobody can sign declarations yet" in response.content


def test_a_nonsense_value_changes_nothing(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_set_signing", kwargs={"pk": org_a.contributor_membership.pk}),
        {"can_sign": "maybe"},
        follow=True,
    )
    assert b"Say whether they can sign declarations." in response.content
    assert Membership.objects.get(pk=org_a.contributor_membership.pk).can_sign is False


def test_users_page_shows_who_can_sign_with_controls_for_the_lead(login, org_a):
    content = login(org_a.lead).get(reverse("providers:member_list")).content.decode()
    assert "Signs declarations" in content
    assert "Nobody can sign declarations yet" not in content
    for member in (org_a.lead_membership, org_a.contributor_membership):
        url = reverse("providers:member_set_signing", kwargs={"pk": member.pk})
        assert re.search(rf'action="{url}"[\s\S]*?Allow to sign', content)
    url = reverse("providers:member_set_signing", kwargs={"pk": org_a.signatory_membership.pk})
    # the only person who can sign is warned before giving it up
    assert re.search(rf'action="{url}"[\s\S]*?data-confirm="Nobody else can sign', content)


def test_users_page_is_read_only_about_signing_for_others(login, org_a):
    content = login(org_a.signatory).get(reverse("providers:member_list")).content.decode()
    assert "Can sign" in content
    assert "Allow to sign" not in content and "Stop signing" not in content


def test_invite_form_offers_the_right_and_the_invitation_carries_it(
    login, org_a, django_capture_on_commit_callbacks
):
    client = login(org_a.lead)
    page = client.get(reverse("providers:member_invite")).content.decode()
    assert "Can sign declarations and submit applications" in page
    assert 'value="signatory"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("providers:member_invite"),
            {"email": "finance@alpha.example.org", "role": "contributor", "can_sign": "on"},
        )
    invitation = org_a.organisation.invitations.get(email="finance@alpha.example.org")
    assert invitation.can_sign is True
    assert "You can also sign the declaration and submit applications" in mail.outbox[-1].body
    members = client.get(reverse("providers:member_list")).content.decode()
    assert "Contributor · can sign" in members


def test_organisation_page_and_header_say_who_can_sign(login, org_a):
    content = login(org_a.signatory).get(reverse("providers:organisation_home")).content.decode()
    assert "You are a contributor of this organisation, and you can sign declarations" in content
    # the header badge names the member's role and right, not "Provider user"
    assert re.search(r'class="badge text-bg-light ms-1">Contributor · can sign<', content)
    assert "Provider user" not in content
    lead_page = login(org_a.lead).get(reverse("home")).content.decode()
    assert re.search(r'class="badge text-bg-light ms-1">Lead<', lead_page)


def test_other_roles_keep_their_role_in_the_header(login, administrator):
    content = login(administrator).get(reverse("home")).content.decode()
    assert re.search(r'class="badge text-bg-light ms-1">Administrator<', content)


# the data migration ------------------------------------------------------------------------

BEFORE = [("providers", "0004_signing_right")]


@pytest.mark.django_db(transaction=True)
def test_migration_turns_signatories_into_contributors_who_can_sign():
    executor = MigrationExecutor(connection)
    # Every app's latest migration: going back to providers 0004 also unapplies the migrations of
    # other apps that depend on later providers migrations.
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    Organisation = old.get_model("providers", "Organisation")
    OldMembership = old.get_model("providers", "Membership")
    OldInvitation = old.get_model("providers", "Invitation")
    organisation = Organisation.objects.create(
        name="Old Org", region="london", contact_name="C", contact_email="c@example.org"
    )
    people = {}
    for role in ("lead", "contributor", "signatory"):
        user = User.objects.create(email=f"{role}@old.example.org", full_name=role, role="provider")
        people[role] = OldMembership.objects.create(user=user, organisation=organisation, role=role)
    now = timezone.now()
    invitation = OldInvitation.objects.create(
        organisation=organisation,
        email="invitee@old.example.org",
        role="signatory",
        token_hash="a" * 64,
        sent_at=now,
        expires_at=now,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    new = executor.loader.project_state(latest).apps
    Membership_ = new.get_model("providers", "Membership")
    Invitation_ = new.get_model("providers", "Invitation")
    rows = {
        m.user.email.split("@")[0]: (m.role, m.can_sign)
        for m in Membership_.objects.select_related("user").filter(organisation_id=organisation.pk)
    }
    assert rows == {
        "lead": ("lead", False),
        "contributor": ("contributor", False),
        "signatory": ("contributor", True),
    }
    migrated = Invitation_.objects.get(pk=invitation.pk)
    assert (migrated.role, migrated.can_sign) == ("contributor", True)

    # and back again: the contributor who could sign is a signatory once more
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        roles = dict(
            old.get_model("providers", "Membership")
            .objects.filter(organisation_id=organisation.pk)
            .values_list("user__email", "role")
        )
        assert roles["signatory@old.example.org"] == "signatory"
        assert roles["lead@old.example.org"] == "lead"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
