"""Demonstration people and organisations for the embedded default. Never used in production."""

from dataclasses import dataclass

from django.db import transaction

from providers.models import DeliveryMode, Membership, MembershipRole, Organisation, Region

from .models import Role, User

DEMO_PASSWORD = "qismet-demo-2026"  # noqa: S105  (printed on screen for demo sign-in; DEBUG only)
#: The demo administrator's and assessors' authenticator-app key (TOTP, base32). Published on
#: purpose: add it to an authenticator app, or read today's code off the demo's two-step page.
DEMO_TOTP_SECRET = "QISMETDEMOTWOSTEPQISMETDEMOTWOST"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    role: Role
    organisation: str = ""
    membership_role: MembershipRole | None = None
    can_sign: bool = False
    #: What this login can try in the demo.
    tries: str = ""

    @property
    def description(self) -> str:
        if self.membership_role:
            signs = " who can sign and submit" if self.can_sign else ""
            who = f"provider {self.membership_role.label.lower()}{signs}, {self.organisation}"
        else:
            who = self.role.label.lower()
        return f"{who}: {self.tries}" if self.tries else who


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
    DemoLogin(
        "admin@qismet.example.org",
        "Alex Morgan",
        Role.ADMINISTRATOR,
        tries="screen and assign, decide, sign off conditions, issue and suspend certificates",
    ),
    DemoLogin(
        "assessor@qismet.example.org",
        "Priya Shah",
        Role.ASSESSOR,
        tries="accept an offer, finish scoring, moderate",
    ),
    DemoLogin(
        "assessor2@qismet.example.org",
        "Tom Evans",
        Role.ASSESSOR,
        tries="score, see a declared interest keep him off Northfield",
    ),
    DemoLogin(
        "admin2@qismet.example.org",
        "Jordan Lee",
        Role.ADMINISTRATOR,
        tries="also an assessor: may not decide what he assessed",
    ),
    DemoLogin(
        "lead@brightside.example.org",
        "Hannah Okafor",
        Role.PROVIDER,
        "Brightside Self-Management CIC",
        MembershipRole.LEAD,
        tries="answer a request for more information, download a certificate",
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
        MembershipRole.CONTRIBUTOR,
        can_sign=True,
    ),
    DemoLogin(
        "lead@northfield.example.org",
        "Gareth Jones",
        Role.PROVIDER,
        "Northfield Diabetes Education Service",
        MembershipRole.LEAD,
        # Northfield is one person: its lead also signs, so it can submit on its own.
        can_sign=True,
        tries="send evidence for a condition",
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
        if login.role in (Role.ADMINISTRATOR, Role.ASSESSOR):
            demo_authenticator_set(user)
        if login.membership_role:
            Membership.objects.update_or_create(
                user=user,
                defaults={
                    "organisation": organisations[login.organisation],
                    "role": login.membership_role,
                    "can_sign": login.can_sign,
                    "removed_at": None,
                },
            )
    demo_application_create(organisations[DEMO_APPLICANT])
    return DEMO_LOGINS


def demo_authenticator_set(user: User) -> None:
    """Give a demo staff account an authenticator app with the published demo key, so signing
    in as them in the demo asks for a code a newcomer can find (accounts/two_step.py)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    Authenticator.objects.update_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}},
    )


DEMO_APPLICANT = "Brightside Self-Management CIC"

DEMO_PROGRAMMES = [
    {
        "name": "Living Well with Persistent Pain",
        "conditions": "Chronic pain; fibromyalgia; arthritis",
        "delivery_mode": DeliveryMode.GROUP,
        "description": "Six weekly two-hour sessions for up to 14 people, co-led by a "
        "physiotherapist and a trained peer leader who lives with persistent pain.",
    },
    {
        "name": "Breathe Easy Peer Navigators",
        "conditions": "COPD; asthma",
        "delivery_mode": DeliveryMode.ONE_TO_ONE,
        "description": "Trained volunteers with lung conditions support people for 12 weeks "
        "after a hospital stay, by phone and in person.",
    },
]

#: Answers for the demo draft, by criterion code: (rating, narrative or N/A justification).
DEMO_ANSWERS = {
    "1.1": (
        "met",
        "Brightside is a community interest company with a board of seven directors, two of whom "
        "live with a long-term condition. The board meets every two months and receives a "
        "programme report each time (attendance, feedback, incidents and complaints). Terms of "
        "reference and the last three sets of minutes are in the evidence library.",
    ),
    "1.2": (
        "met",
        "Our Programmes Manager, Hannah Okafor, is the named lead for Living Well with "
        "Persistent Pain. Her job description sets out her responsibility for quality, "
        "facilitator support and reporting to the board.",
    ),
    "1.3": (
        "partially_met",
        "We have a safeguarding adults and children policy, reviewed in January, and a named "
        "safeguarding lead. All staff have completed level 2 training; peer leaders complete "
        "level 1 before they deliver. We still need to add a safeguarding refresher to the peer "
        "leader training plan, which we expect to finish next quarter.",
    ),
    "1.11": (
        "na",
        "The programme is free to participants: it is fully funded by the integrated care board "
        "contract, so there are no charges or payments to describe.",
    ),
}


def demo_application_create(organisation: Organisation) -> None:
    """Demo programmes for Brightside and a draft application with a few answered criteria,
    made through the services. Left alone once it exists, so work done in the demo is kept."""
    from accreditation.services.applications import application_start, response_save
    from providers.services.programmes import programme_create
    from standards.selectors import published_versions

    programmes = []
    for fields in DEMO_PROGRAMMES:
        existing = organisation.programmes.filter(name=fields["name"]).first()
        programmes.append(existing or programme_create(organisation=organisation, **fields))
    programme = programmes[0]
    version = published_versions().filter(standard__is_demonstration=True).first()
    if version is None or programme.applications.exists():
        return
    lead = User.objects.get(email="lead@brightside.example.org")
    application = application_start(programme=programme, version=version, user=lead)
    for response in application.responses.select_related("criterion").filter(
        criterion__code__in=DEMO_ANSWERS
    ):
        rating, text = DEMO_ANSWERS[response.criterion.code]
        response_save(
            response=response,
            user=lead,
            rating=rating,
            narrative="" if rating == "na" else text,
            na_justification=text if rating == "na" else "",
        )
