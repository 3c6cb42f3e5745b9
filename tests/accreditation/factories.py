"""Factories for programmes and applications (applications are made through the real service)."""

import factory

from accreditation.services.applications import application_start
from providers.models import DeliveryMode, MembershipRole, Programme
from tests.factories import MembershipFactory, OrganisationFactory
from tests.standards.factories import published_version


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Living well programme {n}")
    conditions = "Type 2 diabetes"
    delivery_mode = DeliveryMode.GROUP
    description = "Six weekly group sessions led by trained facilitators."


def started_application(*, organisation=None, version=None, criteria_per_theme: int = 2, lead=None):
    """A draft application of a new programme, started by the organisation's lead."""
    if lead is None:
        lead = MembershipFactory(
            role=MembershipRole.LEAD, **({"organisation": organisation} if organisation else {})
        ).user
    organisation = lead.membership.organisation
    version = version or published_version(criteria_per_theme=criteria_per_theme)
    programme = ProgrammeFactory(organisation=organisation)
    return application_start(programme=programme, version=version, user=lead)
