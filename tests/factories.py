"""Factories for people and organisations. Standards factories live in tests/standards/factories.py."""

import factory

from accounts.models import Role, User
from providers.models import Membership, MembershipRole, Organisation, Region

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.PROVIDER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR


class AssessorFactory(UserFactory):
    """An assessor with an active assessor profile (the capability to be assigned)."""

    role = Role.ASSESSOR

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            from accreditation.models import AssessorProfile

            AssessorProfile.objects.get_or_create(user=obj, defaults=kwargs)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Provider organisation {n}")
    region = Region.LONDON
    contact_name = factory.Faker("name", locale="en_GB")
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role=Role.PROVIDER)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.LEAD
    can_sign = False

    class Params:
        # Who used to be a "signatory": a contributor with the right to sign declarations.
        signatory = factory.Trait(role=MembershipRole.CONTRIBUTOR, can_sign=True)
