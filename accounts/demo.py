"""Demonstration people and organisations for the embedded default. Never used in production."""

from dataclasses import dataclass

from django.db import transaction

from providers.models import Membership, MembershipRole, Organisation, Region

from .models import Role, User

DEMO_PASSWORD = "qismet-demo-2026"  # noqa: S105  (printed on screen for demo sign-in; DEBUG only)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    role: Role
    organisation: str = ""
    membership_role: MembershipRole | None = None

    @property
    def description(self) -> str:
        if self.membership_role:
            return f"provider {self.membership_role.label.lower()}, {self.organisation}"
        return self.role.label.lower()


DEMO_ORGANISATIONS = {
    "Brightside Self-Management CIC": {
        "address": "12 Canal Street\nLeeds",
        "postcode": "LS1 4AB",
        "region": Region.YORKSHIRE,
        "contact_name": "Hannah Okafor",
        "contact_email": "lead@brightside.example.org",
        "company_number": "09876543",
    },
    "Northfield Diabetes Education Service": {
        "address": "Northfield Health Centre\nBirmingham",
        "postcode": "B31 2AB",
        "region": Region.WEST_MIDLANDS,
        "contact_name": "Gareth Jones",
        "contact_email": "lead@northfield.example.org",
        "nhs_ods_code": "RRK99",
    },
}

DEMO_LOGINS = [
    DemoLogin("admin@qismet.example.org", "Alex Morgan", Role.ADMINISTRATOR),
    DemoLogin("assessor@qismet.example.org", "Priya Shah", Role.ASSESSOR),
    DemoLogin("assessor2@qismet.example.org", "Tom Evans", Role.ASSESSOR),
    DemoLogin(
        "lead@brightside.example.org",
        "Hannah Okafor",
        Role.PROVIDER,
        "Brightside Self-Management CIC",
        MembershipRole.LEAD,
    ),
    DemoLogin(
        "contributor@brightside.example.org",
        "Sam Patel",
        Role.PROVIDER,
        "Brightside Self-Management CIC",
        MembershipRole.CONTRIBUTOR,
    ),
    DemoLogin(
        "signatory@brightside.example.org",
        "Dr Ruth Adeyemi",
        Role.PROVIDER,
        "Brightside Self-Management CIC",
        MembershipRole.SIGNATORY,
    ),
    DemoLogin(
        "lead@northfield.example.org",
        "Gareth Jones",
        Role.PROVIDER,
        "Northfield Diabetes Education Service",
        MembershipRole.LEAD,
    ),
]


@transaction.atomic
def demo_people_create() -> list[DemoLogin]:
    """Create (or reset the passwords of) the demonstration accounts. Safe to run repeatedly."""
    organisations = {
        name: Organisation.objects.get_or_create(name=name, defaults=fields)[0]
        for name, fields in DEMO_ORGANISATIONS.items()
    }
    for login in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(
            email=login.email, defaults={"full_name": login.full_name, "role": login.role}
        )
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        if login.membership_role:
            Membership.objects.update_or_create(
                user=user,
                defaults={
                    "organisation": organisations[login.organisation],
                    "role": login.membership_role,
                },
            )
    return DEMO_LOGINS
