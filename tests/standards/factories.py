"""Factories for standards. A complete version (four themes with criteria) comes from
``draft_version``; ``published_version`` publishes one through the real service, because a version
is always born a draft."""

from __future__ import annotations

from pathlib import Path

import factory

from standards import services
from standards.models import Criterion, Standard, StandardVersion, Theme

FILES = Path(__file__).resolve().parent / "files"

THEME_TITLES = {
    1: "Leadership, management and organisation",
    2: "The programme",
    3: "The facilitators",
    4: "Performance management",
}


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"STD-{n}")
    name = factory.Sequence(lambda n: f"Test standard {n}")
    description = "A standard written for the tests."


class StandardVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardVersion

    standard = factory.SubFactory(StandardFactory)
    number = factory.Sequence(lambda n: f"2026.{n}")
    notes = "Written for the tests."


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    version = factory.SubFactory(StandardVersionFactory)
    number = 1
    title = factory.LazyAttribute(lambda theme: THEME_TITLES[theme.number])
    summary = "What this theme covers."


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    theme = factory.SubFactory(ThemeFactory)
    code = factory.LazyAttribute(lambda c: f"{c.theme.number}.{c.order}")
    order = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda c: f"Criterion {c.code}")
    requirement = factory.LazyAttribute(lambda c: f"The provider meets requirement {c.code}.")
    guidance = "Show how."
    evidence_examples = factory.LazyFunction(lambda: ["A policy", "Meeting minutes"])
    mandatory = False
    na_allowed = False


def draft_version(
    *, criteria_per_theme: int = 1, standard: Standard | None = None, number: str | None = None
) -> StandardVersion:
    """A complete draft: four themes, each with ``criteria_per_theme`` criteria (n.1, n.2, …)."""
    kwargs = {"standard": standard} if standard else {}
    if number:
        kwargs["number"] = number
    version = StandardVersionFactory(**kwargs)
    for theme_number in (1, 2, 3, 4):
        theme = ThemeFactory(version=version, number=theme_number)
        for position in range(1, criteria_per_theme + 1):
            CriterionFactory(
                theme=theme,
                order=position,
                code=f"{theme_number}.{position}",
                mandatory=position == 1,
            )
    return version


def published_version(**kwargs) -> StandardVersion:
    version = draft_version(**kwargs)
    return services.version_publish(version=version, user=None)


def retired_version(**kwargs) -> StandardVersion:
    version = published_version(**kwargs)
    return services.version_retire(version=version, user=None)
