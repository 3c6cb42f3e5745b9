"""Reads for screening, assessor profiles and assignment.

The screening queue and the assignment page read a fixed number of queries however many
applications or assessors there are: assignment counts, loads and conflicts of interest are
worked out in SQL (subqueries and ``Exists``), never by loading rows per application or per
assessor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from accreditation.models import (
    COI_WINDOW_YEARS,
    LIVE_ASSIGNMENT,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssessorProfile,
    Assignment,
    AssignmentStatus,
    DeclaredInterest,
    SubmissionRecord,
    SubmittedAnswer,
    SubmittedEvidence,
)
from providers.models import DeliveryMode, Membership, MembershipRole, Organisation, Region
from qismet_portal.working_days import working_days_between
from standards.models import StandardVersion

S = ApplicationStatus

#: Statuses in which assessors can be assigned (and reassigned).
ASSIGNABLE_STATUSES = (S.IN_ASSESSMENT, S.INFORMATION_REQUESTED)
#: How many live assignments an application needs: a lead and a second assessor.
ASSESSORS_NEEDED = 2


# --- who hears about it ---------------------------------------------------------------------


def provider_contacts(application: Application) -> list[User]:
    """The people a provider is told through: its current leads and everyone who can sign,
    with active accounts (one query)."""
    memberships = Membership.objects.current().filter(
        organisation_id=application.programme.organisation_id, user__is_active=True
    )
    return list(
        User.objects.filter(
            membership__in=memberships.filter(Q(role=MembershipRole.LEAD) | Q(can_sign=True))
        ).order_by("full_name", "pk")
    )


# --- conflicts of interest ------------------------------------------------------------------


def conflict_cutoff(today: date | None = None) -> date:
    """An interest that ended after this date still conflicts (``COI_WINDOW_YEARS`` ago; 28
    February stands for 29 February in a year without one)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - COI_WINDOW_YEARS)
    except ValueError:
        return today.replace(year=today.year - COI_WINDOW_YEARS, day=28)


def conflicting_interests(organisation_id: int, today: date | None = None):
    """Declared interests in ``organisation_id`` that are ongoing or ended within the window."""
    return DeclaredInterest.objects.filter(organisation_id=organisation_id).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=conflict_cutoff(today))
    )


def conflict_of(user: User, organisation_id: int) -> DeclaredInterest | None:
    """``user``'s declared interest in the organisation that keeps them off its applications."""
    return (
        conflicting_interests(organisation_id)
        .filter(profile__user=user)
        .select_related("organisation")
        .order_by("ended_on", "pk")
        .first()
    )


# --- the screening queue --------------------------------------------------------------------


class Queue:
    """The queue's parts, as the filter links name them."""

    SCREENING = "screening"
    ASSESSORS = "assessors"
    RETURNED = "returned"
    ALL = "all"

    LABELS = {
        SCREENING: "Waiting for screening",
        ASSESSORS: "Needing assessors",
        RETURNED: "Returned, waiting on the provider",
        ALL: "All of these",
    }


def _live_count() -> Coalesce:
    live = (
        Assignment.objects.filter(application=OuterRef("pk"), status__in=LIVE_ASSIGNMENT)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(live, output_field=IntegerField()), Value(0))


_NEEDS_ASSESSORS = Q(status__in=ASSIGNABLE_STATUSES, live_assignments__lt=ASSESSORS_NEEDED)
_QUEUE_CONDITIONS = {
    Queue.SCREENING: Q(status=S.SUBMITTED),
    Queue.ASSESSORS: _NEEDS_ASSESSORS,
    Queue.RETURNED: Q(status=S.RETURNED),
}


def _queue_base() -> QuerySet[Application]:
    return Application.objects.filter(
        status__in=(S.SUBMITTED, S.RETURNED, *ASSIGNABLE_STATUSES)
    ).annotate(
        live_assignments=_live_count(),
        declined_assignments=Count(
            "assignments", filter=Q(assignments__status=AssignmentStatus.DECLINED), distinct=True
        ),
    )


@dataclass
class ScreeningQueue:
    applications: QuerySet[Application]
    queue: str
    region: str
    version_id: int | None
    queue_counts: dict[str, int]
    region_counts: list[tuple[str, str, int]]
    version_counts: list[tuple[int, str, int]]
    today: date = field(default_factory=timezone.localdate)

    @property
    def queue_filters(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.queue_counts[key]) for key, label in Queue.LABELS.items()]


def screening_queue(
    *, queue: str = Queue.ALL, region: str = "", version_id: int | None = None
) -> ScreeningQueue:
    """Applications waiting for an administrator: to be screened, to be given assessors (fewer
    than two live assignments: never assigned, or one declined or replaced), or returned and
    waiting on the provider. Oldest submission first; counts per part of the queue (within the
    region and version chosen) and per region and version (within the part chosen). Five
    queries for the page whatever the number of applications."""
    queue = queue if queue in Queue.LABELS else Queue.ALL
    region = region if region in Region.values else ""
    base = _queue_base()
    in_queue = Q(_QUEUE_CONDITIONS[Queue.SCREENING]) | _NEEDS_ASSESSORS | Q(status=S.RETURNED)
    chosen_queue = in_queue if queue == Queue.ALL else _QUEUE_CONDITIONS[queue]
    place = Q()
    if region:
        place &= Q(programme__organisation__region=region)
    if version_id:
        place &= Q(version_id=version_id)

    counts = base.filter(place).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in _QUEUE_CONDITIONS.items()},
    )
    counts[Queue.ALL] = sum(counts.values())

    region_labels = dict(Region.choices)
    regions = (
        base.filter(chosen_queue, Q(version_id=version_id) if version_id else Q())
        .values_list("programme__organisation__region")
        .annotate(n=Count("pk", distinct=True))
        .order_by("programme__organisation__region")
    )
    region_counts = [(code, region_labels.get(code, code), n) for code, n in regions]

    versions = (
        base.filter(chosen_queue, Q(programme__organisation__region=region) if region else Q())
        .values_list("version_id", "version__standard__name", "version__number")
        .annotate(n=Count("pk", distinct=True))
        .order_by("version__standard__name", "version__number")
    )
    version_counts = [(pk, f"{name}, version {number}", n) for pk, name, number, n in versions]

    applications = (
        base.filter(chosen_queue, place)
        .select_related("programme__organisation", "version__standard")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(status__in=LIVE_ASSIGNMENT)
                .select_related("assessor")
                .only("application_id", "role", "status", "assessor__full_name"),
                to_attr="live_assignment_list",
            )
        )
        .order_by("submitted_at", "pk")
    )
    return ScreeningQueue(
        applications=applications,
        queue=queue,
        region=region,
        version_id=version_id,
        queue_counts=counts,
        region_counts=region_counts,
        version_counts=version_counts,
    )


def queue_rows(applications, today: date | None = None) -> list[Application]:
    """The page's applications, each with its age in working days since submission."""
    today = today or timezone.localdate()
    rows = list(applications)
    for application in rows:
        submitted = (
            timezone.localdate(application.submitted_at) if application.submitted_at else today
        )
        application.age_working_days = working_days_between(submitted, today)
        application.needs_assessors = (
            application.status in ASSIGNABLE_STATUSES
            and application.live_assignments < ASSESSORS_NEEDED
        )
    return rows


def screening_counts() -> dict[str, int]:
    """How many are waiting for screening and how many need assessors (administrator's home)."""
    counts = _queue_base().aggregate(
        waiting_for_screening=Count("pk", filter=_QUEUE_CONDITIONS[Queue.SCREENING]),
        needing_assessors=Count("pk", filter=_NEEDS_ASSESSORS),
        returned_to_provider=Count("pk", filter=_QUEUE_CONDITIONS[Queue.RETURNED]),
    )
    return counts


def queue_versions() -> QuerySet[StandardVersion]:
    return StandardVersion.objects.select_related("standard")


# --- the screening page ---------------------------------------------------------------------


@dataclass
class Completeness:
    """The latest submission at a glance."""

    record: SubmissionRecord | None
    total: int = 0
    answered: int = 0
    not_applicable: int = 0
    evidence_files: int = 0
    evidenced: int = 0
    mandatory_without_evidence: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return (
            self.record is not None
            and self.answered == self.total
            and not self.mandatory_without_evidence
        )


def _submitted_answer_ok(answer: SubmittedAnswer, scale_codes: set[str]) -> bool:
    if answer.is_not_applicable:
        return answer.criterion.na_allowed and bool(answer.na_justification.strip())
    return answer.rating in scale_codes and bool(answer.narrative.strip())


def application_completeness(application: Application) -> Completeness:
    """What the latest submission holds: criteria answered, evidence, the declaration (three
    queries, whatever the number of criteria or files)."""
    record = (
        SubmissionRecord.objects.filter(application=application)
        .select_related("declaration_signed_by")
        .order_by("-number")
        .first()
    )
    if record is None:
        return Completeness(record=None)
    scale_codes = {level["code"] for level in application.version.scale}
    answers = (
        SubmittedAnswer.objects.filter(record=record)
        .select_related("criterion")
        .only(
            "rating",
            "narrative",
            "na_justification",
            "record_id",
            "criterion__code",
            "criterion__mandatory",
            "criterion__na_allowed",
        )
        .annotate(evidence_count=Count("evidence"))
    )
    summary = Completeness(record=record)
    for answer in answers:
        summary.total += 1
        summary.answered += _submitted_answer_ok(answer, scale_codes)
        summary.not_applicable += answer.is_not_applicable
        summary.evidenced += answer.evidence_count > 0
        if (
            answer.criterion.mandatory
            and not answer.evidence_count
            and not answer.is_not_applicable
        ):
            summary.mandatory_without_evidence.append(answer.criterion.code)
    summary.evidence_files = (
        SubmittedEvidence.objects.filter(answer__record=record)
        .values("revision_id")
        .distinct()
        .count()
    )
    return summary


def screening_returns(application: Application) -> list[ApplicationEvent]:
    """Every return to the provider at screening, newest first, with who returned it."""
    return list(
        application.events.filter(kind=ApplicationEvent.Kind.STATUS, to_status=S.RETURNED)
        .select_related("actor")
        .order_by("-at", "-pk")
    )


def detail_panel(application, user) -> dict:
    """What the application page shows about screening, for ``user`` (merged into its context):
    while it is returned, the latest reasons, who returned it and when, at the top."""
    context: dict = {}
    if application.status == S.RETURNED:
        latest = (
            application.events.filter(kind=ApplicationEvent.Kind.STATUS, to_status=S.RETURNED)
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
        context["screening_return"] = latest
    if getattr(user, "role", None) == Role.ADMINISTRATOR:
        context["can_screen"] = application.status == S.SUBMITTED
        context["can_assign"] = application.status in ASSIGNABLE_STATUSES
    return context


# --- assessor profiles ----------------------------------------------------------------------


def assessor_profile_of(user: User) -> AssessorProfile | None:
    return AssessorProfile.objects.filter(user=user).first()


def profile_page_person(pk: int) -> User | None:
    """A person whose assessor profile page may exist: an assessor or an administrator."""
    return (
        User.objects.filter(pk=pk, role__in=(Role.ASSESSOR, Role.ADMINISTRATOR))
        .select_related("assessor_profile")
        .first()
    )


def profile_interests(profile: AssessorProfile) -> list[DeclaredInterest]:
    return list(
        profile.interests.select_related("organisation", "declared_by").order_by(
            "ended_on", "-started_on", "pk"
        )
    )


def interest_in_window(interest: DeclaredInterest, today: date | None = None) -> bool:
    return interest.ended_on is None or interest.ended_on > conflict_cutoff(today)


def registered_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name").only("pk", "name")


def profiles_by_user(users) -> dict[int, AssessorProfile]:
    """Assessor profiles of ``users``, by user id (one query), for the assessor list."""
    ids = [user.pk for user in users]
    return {p.user_id: p for p in AssessorProfile.objects.filter(user_id__in=ids)}


# --- assignment -----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_NOT_CONDITIONS = {"and", "the", "for", "with", "people", "living", "long", "term", "type", "of"}


def condition_words(text: str) -> set[str]:
    """The words of a list of conditions that say something ("type 2 diabetes; COPD" →
    {"diabetes", "copd"}), to compare a programme with an assessor's expertise."""
    return {
        word
        for word in _WORD.findall((text or "").lower())
        if word not in _NOT_CONDITIONS and (len(word) >= 3 or word in {"ms", "hiv"})
    }


@dataclass
class Candidate:
    profile: AssessorProfile
    load: int
    shared_conditions: list[str]
    delivery_match: bool

    @property
    def user(self) -> User:
        return self.profile.user

    @property
    def at_capacity(self) -> bool:
        return self.load >= self.profile.max_active_assignments

    @property
    def match(self) -> int:
        return len(self.shared_conditions) + int(self.delivery_match)


@dataclass
class AssignmentPage:
    application: Application
    live: dict[str, Assignment]
    past: list[Assignment]
    candidates: list[Candidate]
    conflicted: list[tuple[AssessorProfile, DeclaredInterest]]

    def live_by_pk(self, pk: int) -> Assignment | None:
        return next((a for a in self.live.values() if a.pk == pk), None)

    @property
    def live_by_role(self) -> list[tuple[str, str, Assignment | None]]:
        from accreditation.models import AssignmentRole

        return [(role, label, self.live.get(role)) for role, label in AssignmentRole.choices]


def assignment_page(application: Application) -> AssignmentPage:
    """Everything the assignment page shows (four queries, however many assessors there are):
    the application's assignments, the people who may be offered (active profile and account,
    not already on it, no interest in the provider within the window), each with their current
    load and how their expertise matches the programme; and those left out for an interest."""
    organisation_id = application.programme.organisation_id
    assignments = list(
        application.assignments.select_related("assessor", "assigned_by").order_by(
            "-created_at", "-pk"
        )
    )
    live = {a.role: a for a in assignments if a.is_live}
    past = [a for a in assignments if not a.is_live]
    live_people = {a.assessor_id for a in live.values()}

    load = (
        Assignment.objects.filter(
            assessor_id=OuterRef("user_id"),
            status__in=LIVE_ASSIGNMENT,
            completed_at__isnull=True,
        )
        .order_by()
        .values("assessor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    conflict = conflicting_interests(organisation_id).filter(profile_id=OuterRef("pk"))
    profiles = (
        AssessorProfile.objects.filter(
            is_active=True,
            user__is_active=True,
            user__role__in=(Role.ASSESSOR, Role.ADMINISTRATOR),
        )
        .exclude(user_id__in=live_people)
        .select_related("user")
        .annotate(
            load=Coalesce(Subquery(load, output_field=IntegerField()), Value(0)),
            conflicted=Exists(conflict),
        )
    )
    programme = application.programme
    wanted = condition_words(programme.conditions)
    candidates: list[Candidate] = []
    conflicted_ids = []
    by_id = {}
    for profile in profiles:
        if profile.conflicted:
            conflicted_ids.append(profile.pk)
            by_id[profile.pk] = profile
            continue
        candidates.append(
            Candidate(
                profile=profile,
                load=profile.load,
                shared_conditions=sorted(wanted & condition_words(profile.conditions)),
                delivery_match=programme.delivery_mode in (profile.delivery_modes or []),
            )
        )
    candidates.sort(key=lambda c: (c.at_capacity, -c.match, c.load, c.user.full_name))
    conflicted = []
    if conflicted_ids:
        interests = (
            conflicting_interests(organisation_id)
            .filter(profile_id__in=conflicted_ids)
            .order_by("profile_id", "pk")
        )
        seen = set()
        for interest in interests:
            if interest.profile_id not in seen:
                seen.add(interest.profile_id)
                conflicted.append((by_id[interest.profile_id], interest))
    return AssignmentPage(
        application=application,
        live=live,
        past=past,
        candidates=candidates,
        conflicted=conflicted,
    )


def delivery_mode_labels(codes) -> list[str]:
    labels = dict(DeliveryMode.choices)
    return [labels[code] for code in codes or [] if code in labels]


def assignment_for_assessor(user: User, pk: int) -> Assignment | None:
    """An assignment offered to ``user`` (any state), with only what the offer page shows."""
    if not user.is_authenticated:
        return None
    return (
        Assignment.objects.filter(pk=pk, assessor=user)
        .select_related("application__programme__organisation", "assigned_by")
        .first()
    )
