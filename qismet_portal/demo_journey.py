"""Demonstration applications at every stage of the journey, so every demo login has something
to do: one waiting for screening, one whose assessor has not yet answered the offer, two in
assessment (one assessor part-way through scoring, one information request open), one in
moderation, one awaiting a decision, one accredited with conditions, one accredited and waiting
for its certificate, and two certified (one certificate active, one suspended) so that the
public register and verification have real entries.

Everything is made through the portal's own services, as people would make it, so the history
of each application reads as it would in real life. A programme that already has an
application is left alone, so work done in the demo survives a restart. Never used in
production (the demo command refuses to run without DEBUG).
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from providers.models import DeliveryMode, Membership, MembershipRole, Organisation, Region

#: Organisations that exist only to carry an application at some stage. Their leads can sign in
#: with the demo password but are not in the printed table (the listed logins are enough to try
#: everything).
EXTRA_ORGANISATIONS = {
    "Riverside Pain Community": {
        "address": "Riverside Centre\nNottingham",
        "postcode": "NG1 6HL",
        "region": Region.EAST_MIDLANDS,
        "contact_name": "Maya Clarke",
        "contact_email": "lead@riverside.example.org",
        "charity_number": "1123456",
    },
    "Coastal Breathing Trust": {
        "address": "3 Harbour Road\nPlymouth",
        "postcode": "PL1 2AA",
        "region": Region.SOUTH_WEST,
        "contact_name": "Owen Price",
        "contact_email": "lead@coastal.example.org",
        "charity_number": "1134567",
    },
    "Peak Peer Support": {
        "address": "Market Hall\nBuxton",
        "postcode": "SK17 6AB",
        "region": Region.EAST_MIDLANDS,
        "contact_name": "Leah Morris",
        "contact_email": "lead@peak.example.org",
        "company_number": "10234567",
    },
    "Meadow Health Trust": {
        "address": "Meadow House\nNorwich",
        "postcode": "NR1 3QU",
        "region": Region.EAST,
        "contact_name": "Imran Ali",
        "contact_email": "lead@meadow.example.org",
        "nhs_ods_code": "RM199",
    },
}


@dataclass(frozen=True)
class Case:
    organisation: str
    programme: dict
    stage: str
    #: (lead, second) assessor emails, where the stage has assessors.
    assessors: tuple[str, ...] = ()
    #: Criterion codes answered "partially met" by the provider (the rest "met").
    partial: tuple[str, ...] = ()
    notes: dict = field(default_factory=dict)


PRIYA, TOM, JORDAN = (
    "assessor@qismet.example.org",
    "assessor2@qismet.example.org",
    "admin2@qismet.example.org",
)

CASES = [
    Case(
        "Northfield Diabetes Education Service",
        {
            "name": "Diabetes Education for Life",
            "conditions": "Type 2 diabetes",
            "delivery_mode": DeliveryMode.GROUP,
            "description": "A structured six-session course for people newly diagnosed with "
            "type 2 diabetes, run from GP surgeries across south Birmingham.",
        },
        "submitted",
        partial=("4.6",),
    ),
    Case(
        "Meadow Health Trust",
        {
            "name": "Active Living with Arthritis",
            "conditions": "Osteoarthritis; rheumatoid arthritis",
            "delivery_mode": DeliveryMode.BLENDED,
            "description": "Four group sessions and an online toolkit, co-delivered by a "
            "physiotherapist and a lay leader who lives with arthritis.",
        },
        "offered",
        assessors=(PRIYA,),
    ),
    Case(
        "Brightside Self-Management CIC",
        {
            "name": "Breathe Easy Peer Navigators",
            "conditions": "COPD; asthma",
            "delivery_mode": DeliveryMode.ONE_TO_ONE,
            "description": "Trained volunteers with lung conditions support people for 12 weeks "
            "after a hospital stay, by phone and in person.",
        },
        "information_requested",
        assessors=(PRIYA, TOM),
        partial=("2.7", "3.6"),
    ),
    Case(
        "Riverside Pain Community",
        {
            "name": "Pain Toolkit Community Course",
            "conditions": "Persistent pain",
            "delivery_mode": DeliveryMode.GROUP,
            "description": "Eight weekly sessions led by two trained peer leaders.",
        },
        "scoring",
        assessors=(TOM, PRIYA),
        partial=("1.8", "4.9"),
    ),
    Case(
        "Coastal Breathing Trust",
        {
            "name": "Living Well with COPD",
            "conditions": "COPD",
            "delivery_mode": DeliveryMode.GROUP,
            "description": "Six sessions after pulmonary rehabilitation, led by a respiratory "
            "nurse and a peer leader.",
        },
        "moderation",
        assessors=(PRIYA, JORDAN),
        partial=("2.5", "3.7", "4.2"),
    ),
    Case(
        "Peak Peer Support",
        {
            "name": "Peer Mentors for Mental Health",
            "conditions": "Depression; anxiety",
            "delivery_mode": DeliveryMode.ONE_TO_ONE,
            "description": "Peer mentors with lived experience meet people weekly for ten weeks.",
        },
        "awaiting_decision",
        assessors=(TOM, JORDAN),
        partial=("3.7", "4.6"),
    ),
    Case(
        "Northfield Diabetes Education Service",
        {
            "name": "Carb Counting Made Simple",
            "conditions": "Type 1 diabetes",
            "delivery_mode": DeliveryMode.GROUP,
            "description": "A two-day course on carbohydrate counting and insulin adjustment.",
        },
        "conditional",
        assessors=(PRIYA, JORDAN),
        partial=("3.6", "4.8"),
    ),
    Case(
        "Brightside Self-Management CIC",
        {
            "name": "Expert Patients Together",
            "conditions": "Any long-term condition; chronic pain; diabetes",
            "delivery_mode": DeliveryMode.GROUP,
            "description": "Six weekly lay-led workshops on the skills of living with a long-term "
            "condition, co-led by two tutors who live with one.",
        },
        "certified",
        assessors=(TOM, PRIYA),
    ),
    Case(
        "Meadow Health Trust",
        {
            "name": "Steady Steps Falls Confidence",
            "conditions": "Osteoporosis; fear of falling",
            "delivery_mode": DeliveryMode.BLENDED,
            "description": "Strength and balance sessions with an online diary, for people who "
            "have fallen or fear falling.",
        },
        "suspended",
        assessors=(PRIYA, TOM),
    ),
    Case(
        "Riverside Pain Community",
        {
            "name": "Pain Toolkit Online",
            "conditions": "Persistent pain",
            "delivery_mode": DeliveryMode.ONLINE,
            "description": "The Pain Toolkit course in six live online sessions.",
        },
        "accredited",
        assessors=(TOM, PRIYA),
    ),
]

#: Stages decided "accredited" (no partial criteria), and what follows the decision.
ACCREDITED_STAGES = ("accredited", "certified", "suspended")


# --- evidence files ---------------------------------------------------------------------------


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small, valid, readable one-page PDF (Helvetica text), written directly: demo evidence
    that assessors can open in the browser's viewer."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    commands = ["BT", "/F1 18 Tf", "56 780 Td", f"({escape(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        commands += ["0 -22 Td", f"({escape(line)}) Tj"]
    commands.append("ET")
    stream = zlib.compress("\n".join(commands).encode("latin-1", "replace"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _evidence_file(organisation: str, title: str) -> SimpleUploadedFile:
    name = f"{title.lower().replace(' ', '-')}.pdf"
    content = _pdf(
        f"{organisation}: {title}",
        [
            "Demonstration evidence written for the QISMET portal demo.",
            f"Owner: {organisation}. Approved by the board; next review in twelve months.",
            "Section 1: purpose and scope. Section 2: roles. Section 3: procedure.",
            "Section 4: monitoring, records and review.",
        ],
    )
    return SimpleUploadedFile(name, content, content_type="application/pdf")


#: Evidence documents of each demo application: title → the criteria it is linked to.
EVIDENCE = {
    "Governance and quality policy": ("1.1", "1.2", "1.4", "1.5", "1.6", "1.7"),
    "Safeguarding policy": ("1.3",),
    "Curriculum and session plans": ("2.1", "2.2", "2.3", "2.5", "2.7"),
    "Facilitator training handbook": ("3.1", "3.2", "3.3", "3.5", "3.6"),
    "Outcomes and feedback report": ("4.1", "4.5", "4.6", "4.8"),
}


def _narrative(organisation: str, criterion, partial: bool) -> str:
    text = (
        f"{organisation} meets “{criterion.title.lower()}” as follows. The arrangements are "
        "written down, approved by the board and reviewed every year; the evidence linked "
        "here shows where, with page references."
    )
    if partial:
        text += (
            " We know this is not yet complete: the review due this year was delayed and we "
            "expect to finish it next quarter."
        )
    return text


# --- people -------------------------------------------------------------------------------------


def _lead_of(organisation: Organisation, password: str) -> User:
    """The organisation's lead (created for the extra organisations), who can sign."""
    membership = (
        Membership.objects.filter(organisation=organisation, role=MembershipRole.LEAD)
        .select_related("user")
        .first()
    )
    if membership is not None:
        return membership.user
    user = User.objects.create_user(
        organisation.contact_email,
        password,
        full_name=organisation.contact_name,
        role=Role.PROVIDER,
    )
    Membership.objects.create(
        user=user, organisation=organisation, role=MembershipRole.LEAD, can_sign=True
    )
    return user


def _signer_of(organisation: Organisation) -> User:
    membership = (
        Membership.objects.filter(organisation=organisation, can_sign=True, removed_at=None)
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user


# --- the provider's part ------------------------------------------------------------------------


def _submitted(case: Case, organisation: Organisation, version, password: str, programme=None):
    """A complete application of the case's programme, submitted by someone who can sign."""
    from accreditation.services.applications import (
        application_start,
        application_submit,
        response_save,
    )
    from accreditation.services.evidence import evidence_link, evidence_upload
    from providers.services.programmes import programme_create

    lead = _lead_of(organisation, password)
    programme = programme or programme_create(organisation=organisation, **case.programme)
    application = application_start(programme=programme, version=version, user=lead)
    responses = {
        response.criterion.code: response
        for response in application.responses.select_related("criterion")
    }
    for code, response in responses.items():
        criterion = response.criterion
        if criterion.na_allowed and code == "1.11":
            response_save(
                response=response,
                user=lead,
                rating="na",
                narrative="",
                na_justification="The programme is free to everyone who takes part: there are "
                "no charges or payments.",
            )
            continue
        partial = code in case.partial
        response_save(
            response=response,
            user=lead,
            rating="partially_met" if partial else "met",
            narrative=_narrative(organisation.name, criterion, partial),
        )
    for title, codes in EVIDENCE.items():
        first, *others = [responses[code] for code in codes if code in responses]
        (link,) = evidence_upload(
            application=application,
            response=first,
            files=[_evidence_file(organisation.name, title)],
            pointer="section 1",
            user=lead,
        )
        for number, response in enumerate(others, start=2):
            evidence_link(
                application=application,
                response=response,
                document=link.document,
                pointer=f"section {min(number, 4)}",
                user=lead,
            )
    signer = _signer_of(organisation)
    return application_submit(
        application=application,
        user=signer,
        full_name=signer.full_name,
        role="Chief Executive" if signer == lead else "Director",
        confirmed=True,
    )


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


# --- QISMET's part ------------------------------------------------------------------------------

#: Expertise and declared interests of the demo assessors.
PROFILES = {
    PRIYA: {
        "conditions": "Chronic pain, COPD, diabetes",
        "delivery_modes": [DeliveryMode.GROUP, DeliveryMode.BLENDED],
        "availability": "Two applications a month",
    },
    TOM: {
        "conditions": "Mental health, diabetes",
        "delivery_modes": [DeliveryMode.ONE_TO_ONE, DeliveryMode.ONLINE],
        "availability": "Three applications a month; not in August",
    },
    JORDAN: {
        "conditions": "COPD, arthritis",
        "delivery_modes": [DeliveryMode.GROUP],
        "availability": "One application a month, alongside administration",
    },
}


def _staff() -> dict[str, User]:
    from accreditation.services.assignments import (
        assessor_capability_grant,
        assessor_profile_ensure,
        assessor_profile_update,
        interest_declare,
    )

    admin = User.objects.get(email="admin@qismet.example.org")
    people = {email: User.objects.get(email=email) for email in PROFILES}
    for email, fields in PROFILES.items():
        person = people[email]
        if person.role == Role.ADMINISTRATOR:
            profile = assessor_capability_grant(user=person, granted_by=admin)
        else:
            profile = assessor_profile_ensure(person)
        assessor_profile_update(
            profile=profile, user=admin, max_active_assignments=4, is_active=True, **fields
        )
    # Tom advised Northfield until last year: he is never offered its applications.
    tom_profile = people[TOM].assessor_profile
    northfield = Organisation.objects.get(name="Northfield Diabetes Education Service")
    if not tom_profile.interests.filter(organisation=northfield).exists():
        today = timezone.localdate()
        interest_declare(
            profile=tom_profile,
            user=people[TOM],
            organisation=northfield,
            kind="consultancy",
            description="Advised on their facilitator training programme.",
            started_on=today.replace(year=today.year - 3, month=1, day=10),
            ended_on=today.replace(year=today.year - 1, month=6, day=30),
        )
    people["admin"] = admin
    return people


def _assessed(application, case: Case, people: dict[str, User]):
    """Accepted at screening, with the case's assessors assigned (and, past "offered",
    accepted with their conflict-of-interest declaration)."""
    from accreditation.models import AssignmentRole
    from accreditation.services.assignments import assessors_assign, assignment_accept
    from accreditation.services.screening import application_accept

    admin = people["admin"]
    application = application_accept(application=application, user=admin)
    roles = (AssignmentRole.LEAD, AssignmentRole.SECOND)
    assignments = assessors_assign(
        application=application,
        choices={role: people[email] for role, email in zip(roles, case.assessors, strict=False)},
        due_on=_days(28),
        user=admin,
    )
    if case.stage == "offered":
        return application, assignments
    accepted = [
        assignment_accept(assignment=assignment, user=assignment.assessor, confirmed=True)
        for assignment in assignments
    ]
    return application, accepted


RATIONALE = {
    "met": "The evidence shows this in place and working: the policy is current, approved, and "
    "the records show it is followed.",
    "partially_met": "Some of this is in place, but the evidence does not show it is done "
    "consistently; the review is overdue.",
    "not_met": "There is no evidence that this is in place.",
}


def _score(assignment, criteria, *, partial=(), disagree=(), upto=None, complete=False):
    """``assignment``'s assessor scores the criteria (the first ``upto`` of them): met, except
    ``partial`` ones; ``disagree`` ones the other way round."""
    from accreditation.services.scoring import score_save, scoring_complete

    for criterion in criteria[:upto]:
        level = "partially_met" if criterion.code in partial else "met"
        if criterion.code in disagree:
            level = "met" if level == "partially_met" else "partially_met"
        score_save(
            assignment=assignment,
            criterion=criterion,
            user=assignment.assessor,
            level=level,
            rationale=RATIONALE[level],
            strengths="Clear ownership and a board that asks questions." if level == "met" else "",
            improvements="" if level == "met" else "Finish the overdue review and record it.",
        )
    if complete:
        scoring_complete(assignment=assignment, user=assignment.assessor)


def _criteria(application):
    from standards.models import Criterion

    return list(
        Criterion.objects.filter(theme__version_id=application.version_id).order_by(
            "theme__number", "order"
        )
    )


def _moderated(application, case: Case, lead_assignment, *, upto=None, submit=False):
    """The lead agrees each criterion (the provider's partial ones "partially met")."""
    from accreditation.services.moderation import agreed_score_save, recommendation_save

    lead = lead_assignment.assessor
    for criterion in _criteria(application)[:upto]:
        level = "partially_met" if criterion.code in case.partial else "met"
        agreed_score_save(
            application=application,
            criterion=criterion,
            user=lead,
            level=level,
            rationale=RATIONALE[level],
            improvements="" if level == "met" else "Finish the overdue review and record it.",
            revision=0,
        )
    if submit and not case.partial:
        recommendation_save(
            application=application,
            user=lead,
            outcome="accredited",
            summary="A well-run programme with strong co-production; every criterion is met.",
            proposed_conditions="",
            submit=True,
        )
    elif submit:
        codes = ", ".join(case.partial)
        recommendation_save(
            application=application,
            user=lead,
            outcome="conditional",
            summary="A well-run programme with strong co-production. Two areas need work: "
            f"criteria {codes} are only partly in place.",
            proposed_conditions=f"Complete the overdue reviews behind criteria {codes} and send "
            "the board minutes that approve them.",
            submit=True,
        )


def _conditional(application, case: Case, people: dict[str, User]) -> None:
    """Decided "accredited with conditions" by the administrator; the provider has sent
    evidence for the first condition, the second is still open."""
    from accreditation.models import Condition
    from accreditation.services.decisions import (
        ConditionInput,
        condition_evidence_add,
        decision_make,
    )

    decision_make(
        application=application,
        user=people["admin"],
        outcome="conditional",
        reasons="The agreed scores meet the standard in most places; the gaps found are "
        "specific and can be closed within three months.",
        conditions=[
            ConditionInput(
                f"Complete the facilitator observation review (criterion {case.partial[0]}) "
                "and send the signed record.",
                _days(45),
            ),
            ConditionInput(
                f"Show the board has acted on the outcome findings (criterion {case.partial[1]}).",
                _days(90),
            ),
        ],
    )
    first = Condition.objects.filter(application=application).order_by("number").first()
    lead = _lead_of(application.programme.organisation, "")
    condition_evidence_add(
        condition=first,
        user=lead,
        response="The review was completed in March; the signed observation records for all "
        "six facilitators are attached.",
        files=[_evidence_file(application.programme.organisation.name, "Observation review")],
    )
    _draft_report_shared(application, people["admin"])


def _draft_report_shared(application, admin: User) -> None:
    """The draft report, made and shared with the provider for its factual-accuracy check (the
    render runs here, as a worker would run it; the queued copy then finds nothing to do)."""
    from accreditation.models import Report, ReportKind
    from accreditation.services.reports import (
        comment_add,
        report_render,
        report_request,
        report_share,
    )

    report, _ = report_request(application=application, kind=ReportKind.DRAFT, user=admin)
    report_render(report_id=report.pk)
    report = report_share(report=Report.objects.get(pk=report.pk), user=admin)
    comment_add(
        report=report,
        user=_lead_of(application.programme.organisation, ""),
        section="theme-2",
        comment="The course runs over two full days, not three half-days as the findings for "
        "criterion 2.2 say. The course timetable in our evidence shows this.",
    )


def _accredited(application, case: Case, people: dict[str, User]) -> None:
    """Decided "accredited" by the administrator; "certified" and "suspended" then have their
    certificate issued (its PDF made here, as a worker would make it), and "suspended" has it
    suspended while a complaint is looked into."""
    from accreditation.services.certificates import certificate_change, certificate_issue
    from accreditation.services.decisions import decision_make
    from accreditation.services.reports import report_render

    admin = people["admin"]
    decision_make(
        application=application,
        user=admin,
        outcome="accredited",
        reasons="Every criterion is met, with clear evidence that the programme is delivered "
        "as designed and improved from what participants say.",
        conditions=[],
    )
    if case.stage == "accredited":
        return
    certificate = certificate_issue(application=application, user=admin)
    report_render(report_id=certificate.document_id)
    if case.stage == "suspended":
        certificate_change(
            certificate=certificate,
            transition="suspend",
            user=admin,
            reason="A complaint about facilitator supervision is being looked into. The "
            "certificate is suspended until QISMET has reviewed the supervision records.",
        )


def demo_journey_create(*, version, password: str) -> list[str]:
    """Make the demo applications that do not exist yet; returns one line per application
    made, saying where it stands."""
    from accreditation.models import Assignment
    from accreditation.services.information import information_request_raise
    from providers.models import Programme

    people = _staff()
    made = []
    for case in CASES:
        organisation, _ = Organisation.objects.get_or_create(
            name=case.organisation, defaults=EXTRA_ORGANISATIONS.get(case.organisation, {})
        )
        programme = Programme.objects.filter(
            organisation=organisation, name=case.programme["name"]
        ).first()
        if programme is not None and programme.applications.exists():
            continue
        application = _submitted(case, organisation, version, password, programme)
        made.append(case)
        if case.stage == "submitted":
            continue
        application, assignments = _assessed(application, case, people)
        if case.stage == "offered":
            continue
        lead, second = assignments
        criteria = _criteria(application)
        if case.stage == "information_requested":
            # The lead has scored part of it and asked about two criteria.
            _score(lead, criteria, partial=case.partial, upto=20)
            information_request_raise(
                application=application,
                user=lead.assessor,
                criteria=[c for c in criteria if c.code in case.partial],
                message="Please send the fidelity checklist you use when observing sessions, "
                "and the record of the last two observations of each peer navigator.",
                due_on=_days(10),
            )
            continue
        if case.stage == "scoring":
            # The lead has finished; the second assessor is part-way through.
            _score(lead, criteria, partial=case.partial, complete=True)
            _score(second, criteria, partial=case.partial, disagree=("1.3",), upto=25)
            continue
        _score(lead, criteria, partial=case.partial, complete=True)
        _score(second, criteria, partial=case.partial, disagree=("2.2", "3.3"), complete=True)
        lead = Assignment.objects.get(pk=lead.pk)
        if case.stage == "moderation":
            _moderated(application, case, lead, upto=10)
            continue
        _moderated(application, case, lead, submit=True)
        if case.stage == "conditional":
            _conditional(application, case, people)
        elif case.stage in ACCREDITED_STAGES:
            _accredited(application, case, people)
    return [
        f"{application.reference} {application.programme.name} "
        f"({application.programme.organisation.name}): {application.get_status_display()}"
        for application in _applications_of(made)
    ]


def _applications_of(cases: list[Case]):
    from accreditation.models import Application

    return [
        Application.objects.select_related("programme__organisation").get(
            programme__organisation__name=case.organisation, programme__name=case.programme["name"]
        )
        for case in cases
    ]
