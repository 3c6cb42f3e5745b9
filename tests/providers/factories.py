"""Factories for programmes, invitations and account requests."""

import secrets
from datetime import timedelta

import factory
from django.utils import timezone

from providers.models import AccountRequest, DeliveryMode, Invitation, MembershipRole, Programme
from providers.selectors import token_hash
from tests.factories import OrganisationFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Living well course {n}")
    conditions = "Chronic pain"
    delivery_mode = DeliveryMode.GROUP
    description = "Six weekly sessions led by trained peers."


def make_invitation(
    *, organisation=None, email=None, role=MembershipRole.CONTRIBUTOR, invited_by=None, **fields
) -> tuple[Invitation, str]:
    """An invitation row and the raw token its link carries (as if just emailed)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        organisation=organisation or OrganisationFactory(),
        email=email or f"invitee-{secrets.token_hex(4)}@example.org",
        role=role,
        invited_by=invited_by,
        token_hash=token_hash(token),
        sent_at=fields.pop("sent_at", now),
        expires_at=fields.pop("expires_at", now + timedelta(days=7)),
        **fields,
    )
    return invitation, token


class AccountRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountRequest

    organisation_name = factory.Sequence(lambda n: f"Requesting organisation {n}")
    address = "1 High Street\nYork"
    postcode = "YO1 1AA"
    region = "yorkshire"
    contact_name = factory.Faker("name", locale="en_GB")
    contact_email = factory.Sequence(lambda n: f"requester{n}@example.org")
    contact_phone = "01904 000000"
    programmes_description = "A six-week course for people living with COPD."
