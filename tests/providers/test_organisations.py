"""Administrators register provider organisations and invite each organisation's lead."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from providers.models import Membership, MembershipRole, Organisation
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_administrator_registers_organisation_and_invites_lead(
    login, administrator, django_capture_on_commit_callbacks
):
    client = login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers:organisation_create"),
            {
                "name": "Riverside Pain Self-Management",
                "address": "1 River Road\nBristol",
                "postcode": "BS1 1AA",
                "region": "south_west",
                "contact_name": "Rory Lead",
                "contact_email": "rory@riverside.example.org",
                "charity_number": "1234567",
                "lead_full_name": "Rory Lead",
                "lead_email": "rory@riverside.example.org",
            },
            follow=True,
        )
    organisation = Organisation.objects.get(name="Riverside Pain Self-Management")
    assert b"Riverside Pain Self-Management has been registered" in response.content
    membership = Membership.objects.get(organisation=organisation)
    assert membership.role == MembershipRole.LEAD
    assert membership.user.role == Role.PROVIDER
    assert mail.outbox[0].to == ["rory@riverside.example.org"]
    assert "for Riverside Pain Self-Management" in mail.outbox[0].body


def test_organisation_form_errors_keep_what_was_typed(login, administrator):
    OrganisationFactory(name="Taken Name")
    response = login(administrator).post(
        reverse("providers:organisation_create"),
        {
            "name": "Taken Name",
            "region": "london",
            "contact_name": "Typed Contact",
            "contact_email": "bad",
        },
    )
    assert response.status_code == 200
    assert b"An organisation with this name is already registered." in response.content
    assert b"in the correct format, like name@example.com" in response.content
    assert b'value="Typed Contact"' in response.content
    assert not User.objects.filter(role=Role.PROVIDER).exists()


def test_organisation_detail_lists_its_users_only(login, administrator):
    mine = MembershipFactory(user__full_name="Mina Member")
    MembershipFactory(user__full_name="Stranger Elsewhere")
    response = login(administrator).get(
        reverse("providers:organisation_detail", kwargs={"pk": mine.organisation.pk})
    )
    assert b"Mina Member" in response.content
    assert b"Stranger Elsewhere" not in response.content


def test_unknown_organisation_is_404(login, administrator):
    response = login(administrator).get(
        reverse("providers:organisation_detail", kwargs={"pk": 999999})
    )
    assert response.status_code == 404


@pytest.mark.parametrize("members", [2, 30])
def test_organisation_detail_queries_do_not_grow(
    login, administrator, members, django_assert_max_num_queries
):
    organisation = OrganisationFactory()
    for _ in range(members):
        MembershipFactory(organisation=organisation)
    client = login(administrator)
    with django_assert_max_num_queries(6):
        response = client.get(
            reverse("providers:organisation_detail", kwargs={"pk": organisation.pk})
        )
    assert response.content.count(b"list-group-item") >= members
