"""Roles and removal: an organisation always keeps a lead; removal closes the account."""

import pytest
from django.urls import reverse

from accounts.models import User
from providers import services
from providers.models import Membership, MembershipRole
from qismet_portal.exceptions import DomainError
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


# services ----------------------------------------------------------------------------------


def test_lead_changes_a_role(org_a):
    membership = services.membership_change_role(
        membership=org_a.contributor_membership, role="lead", changed_by=org_a.lead
    )
    assert membership.role == MembershipRole.LEAD
    assert Membership.objects.get(pk=membership.pk).role == MembershipRole.LEAD


def test_changing_role_keeps_the_right_to_sign(org_a):
    membership = services.membership_change_role(
        membership=org_a.signatory_membership, role="lead", changed_by=org_a.lead
    )
    assert membership.role == MembershipRole.LEAD
    assert Membership.objects.get(pk=membership.pk).can_sign is True


def test_the_old_signatory_role_is_no_longer_a_role(org_a):
    with pytest.raises(DomainError, match="Choose lead or contributor"):
        services.membership_change_role(
            membership=org_a.contributor_membership, role="signatory", changed_by=org_a.lead
        )


def test_the_only_lead_cannot_be_demoted(org_a):
    with pytest.raises(DomainError, match="only lead"):
        services.membership_change_role(
            membership=org_a.lead_membership, role="contributor", changed_by=org_a.lead
        )
    org_a.lead_membership.refresh_from_db()
    assert org_a.lead_membership.role == MembershipRole.LEAD


def test_a_lead_can_step_down_when_another_lead_exists(org_a):
    services.membership_change_role(
        membership=org_a.signatory_membership, role="lead", changed_by=org_a.lead
    )
    services.membership_change_role(
        membership=org_a.lead_membership, role="contributor", changed_by=org_a.lead
    )
    assert Membership.objects.leads().filter(organisation=org_a.organisation).count() == 1


def test_a_deactivated_lead_does_not_count_as_the_other_lead(org_a):
    other = MembershipFactory(organisation=org_a.organisation, role="lead", user__is_active=False)
    assert other.user.is_active is False
    with pytest.raises(DomainError, match="only lead"):
        services.membership_remove(membership=org_a.lead_membership, removed_by=org_a.lead)


def test_unknown_role_is_refused(org_a):
    with pytest.raises(DomainError):
        services.membership_change_role(
            membership=org_a.contributor_membership, role="owner", changed_by=org_a.lead
        )


def test_removal_deactivates_the_account_and_records_who_and_when(org_a):
    membership = services.membership_remove(
        membership=org_a.contributor_membership, removed_by=org_a.lead
    )
    assert membership.removed_by == org_a.lead
    assert membership.removed_at is not None
    user = User.objects.get(pk=org_a.contributor.pk)
    assert user.is_active is False
    assert not Membership.objects.current().filter(pk=membership.pk).exists()


def test_the_last_lead_cannot_be_removed_even_by_themselves(org_a):
    with pytest.raises(DomainError, match="only lead"):
        services.membership_remove(membership=org_a.lead_membership, removed_by=org_a.lead)
    assert User.objects.get(pk=org_a.lead.pk).is_active


def test_a_lead_may_leave_when_another_lead_remains(org_a):
    services.membership_change_role(
        membership=org_a.contributor_membership, role="lead", changed_by=org_a.lead
    )
    services.membership_remove(membership=org_a.lead_membership, removed_by=org_a.lead)
    assert not User.objects.get(pk=org_a.lead.pk).is_active


def test_a_removed_member_cannot_be_changed_or_removed_again(org_a):
    services.membership_remove(membership=org_a.contributor_membership, removed_by=org_a.lead)
    with pytest.raises(DomainError, match="no longer a member"):
        services.membership_remove(membership=org_a.contributor_membership, removed_by=org_a.lead)
    with pytest.raises(DomainError, match="no longer a member"):
        services.membership_change_role(
            membership=org_a.contributor_membership, role="lead", changed_by=org_a.lead
        )


# views -------------------------------------------------------------------------------------


def test_users_page_shows_members_roles_and_lead_actions(login, org_a):
    page = login(org_a.lead).get(reverse("providers:member_list"))
    assert page.status_code == 200
    for person in (org_a.lead, org_a.contributor, org_a.signatory):
        assert person.full_name.encode() in page.content
    assert b"Invitations not yet accepted" in page.content
    assert org_a.invitation.email.encode() in page.content
    assert b"Change role" in page.content


def test_the_only_lead_is_not_offered_controls_that_would_be_refused(login, org_a):
    url = reverse("providers:member_list")
    client = login(org_a.lead)
    own_remove = reverse("providers:member_remove", kwargs={"pk": org_a.lead_membership.pk})
    own_role = reverse("providers:member_change_role", kwargs={"pk": org_a.lead_membership.pk})
    page = client.get(url).content
    assert own_remove.encode() not in page
    assert own_role.encode() not in page
    assert b"The only lead" in page
    services.membership_change_role(
        membership=org_a.signatory_membership, role="lead", changed_by=org_a.lead
    )
    page = client.get(url).content
    assert own_remove.encode() in page
    assert b"Leave the organisation" in page


@pytest.mark.parametrize("who", ["contributor", "signatory"])
def test_users_page_is_read_only_for_other_roles(login, org_a, who):
    page = login(getattr(org_a, who)).get(reverse("providers:member_list"))
    assert page.status_code == 200
    assert org_a.lead.full_name.encode() in page.content
    assert b"Change role" not in page.content
    assert b"Remove" not in page.content
    assert org_a.invitation.email.encode() not in page.content


def test_lead_changes_a_role_through_the_page(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_change_role", kwargs={"pk": org_a.contributor_membership.pk}),
        {"role": "lead"},
        follow=True,
    )
    assert b"Alpha Contributor is now a lead." in response.content
    org_a.contributor_membership.refresh_from_db()
    assert org_a.contributor_membership.role == "lead"


def test_demoting_the_last_lead_shows_why_not(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_change_role", kwargs={"pk": org_a.lead_membership.pk}),
        {"role": "contributor"},
        follow=True,
    )
    assert b"only lead" in response.content
    org_a.lead_membership.refresh_from_db()
    assert org_a.lead_membership.role == "lead"


def test_invalid_role_is_refused_through_the_page(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_change_role", kwargs={"pk": org_a.contributor_membership.pk}),
        {"role": "owner"},
        follow=True,
    )
    assert b"Choose lead or contributor." in response.content
    org_a.contributor_membership.refresh_from_db()
    assert org_a.contributor_membership.role == "contributor"


def test_lead_who_steps_down_goes_to_the_organisation_page(login, org_a):
    services.membership_change_role(
        membership=org_a.signatory_membership, role="lead", changed_by=org_a.lead
    )
    response = login(org_a.lead).post(
        reverse("providers:member_change_role", kwargs={"pk": org_a.lead_membership.pk}),
        {"role": "contributor"},
    )
    assert response["Location"] == reverse("providers:organisation_home")


def test_removed_member_can_no_longer_sign_in(login, client, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_remove", kwargs={"pk": org_a.contributor_membership.pk}),
        follow=True,
    )
    assert b"Alpha Contributor has been removed from Alpha Self-Management" in response.content
    assert b"Former users" in response.content
    client.post(
        reverse("account_login"), {"login": org_a.contributor.email, "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session


def test_removed_member_already_signed_in_loses_access(login, org_a):
    theirs = login(org_a.contributor)
    services.membership_remove(membership=org_a.contributor_membership, removed_by=org_a.lead)
    response = theirs.get(reverse("providers:organisation_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_removing_the_last_lead_through_the_page_is_refused(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_remove", kwargs={"pk": org_a.lead_membership.pk}), follow=True
    )
    assert b"only lead" in response.content
    assert User.objects.get(pk=org_a.lead.pk).is_active


def test_a_lead_leaving_is_signed_out(login, org_a):
    services.membership_change_role(
        membership=org_a.signatory_membership, role="lead", changed_by=org_a.lead
    )
    client = login(org_a.lead)
    response = client.post(
        reverse("providers:member_remove", kwargs={"pk": org_a.lead_membership.pk}), follow=True
    )
    assert b"You have left the organisation" in response.content
    assert "_auth_user_id" not in client.session


def test_member_actions_need_post(login, org_a):
    client = login(org_a.lead)
    pk = org_a.contributor_membership.pk
    assert client.get(reverse("providers:member_remove", kwargs={"pk": pk})).status_code == 405
    assert client.get(reverse("providers:member_change_role", kwargs={"pk": pk})).status_code == 405
    assert User.objects.get(pk=org_a.contributor.pk).is_active
