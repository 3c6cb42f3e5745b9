"""Provider organisations and the people who act for them."""

from django.conf import settings
from django.db import models

from qismet_portal.models import TimeStampedModel


class Region(models.TextChoices):
    NORTH_EAST = "north_east", "North East"
    NORTH_WEST = "north_west", "North West"
    YORKSHIRE = "yorkshire", "Yorkshire and the Humber"
    EAST_MIDLANDS = "east_midlands", "East Midlands"
    WEST_MIDLANDS = "west_midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
    UK_WIDE = "uk_wide", "UK-wide"


class Organisation(TimeStampedModel):
    name = models.CharField(max_length=200, unique=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    region = models.CharField(max_length=30, choices=Region.choices)
    contact_name = models.CharField("main contact", max_length=150)
    contact_email = models.EmailField("main contact email")
    contact_phone = models.CharField("main contact phone", max_length=40, blank=True)
    charity_number = models.CharField("registered charity number", max_length=20, blank=True)
    company_number = models.CharField("Companies House number", max_length=20, blank=True)
    nhs_ods_code = models.CharField("NHS ODS code", max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    LEAD = "lead", "Lead"
    CONTRIBUTOR = "contributor", "Contributor"
    SIGNATORY = "signatory", "Signatory"


class Membership(TimeStampedModel):
    """A provider user's place in an organisation. A provider user belongs to one organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=MembershipRole.choices)

    class Meta:
        ordering = ["organisation", "user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class DeliveryMode(models.TextChoices):
    GROUP = "group", "Group sessions"
    ONE_TO_ONE = "one_to_one", "One-to-one"
    ONLINE = "online", "Online"
    BLENDED = "blended", "Blended (in person and online)"


class Programme(TimeStampedModel):
    """A self-management education programme a provider runs. Accreditation is per programme."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programmes"
    )
    name = models.CharField(max_length=200)
    conditions = models.CharField(
        "long-term conditions covered",
        max_length=300,
        help_text="For example: type 2 diabetes; chronic pain; COPD.",
    )
    delivery_mode = models.CharField(max_length=20, choices=DeliveryMode.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="providers_programme_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name
