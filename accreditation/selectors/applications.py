"""Which applications a person can see, and the reads behind the workspace.

Every page reads a fixed number of queries whatever the size of the standard or the number of
evidence files: responses come with their criterion and theme in one query, evidence is counted
by annotation (never by loading the files), and the gap list and progress are worked out in
Python from rows already loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from accreditation.models import (
    NOT_APPLICABLE,
    OPEN_STATUSES,
    Appeal,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Response,
)
from accreditation.permissions.staff import is_assigned_assessor
from providers.models import Programme
from providers.selectors import membership_for_user
from qismet_portal.fragments import fingerprint
from standards.models import StandardVersion, Theme
from standards.outline import outline


def applications_for_user(user) -> QuerySet[Application]:
    """Every read of an application starts here: administrators see all, a provider user sees
    their own organisation's, an assessor those they accepted or hear on appeal, everyone else
    none. Anything outside this set is a 404."""
    queryset = Application.objects.select_related("programme__organisation", "version__standard")
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.ADMINISTRATOR:
        return queryset
    if user.role == Role.PROVIDER:
        membership = membership_for_user(user)
        if membership is None:
            return queryset.none()
        return queryset.filter(programme__organisation_id=membership.organisation_id)
    if user.role == Role.ASSESSOR:
        # Only what they have accepted, having declared no conflict of interest: an offered
        # assignment shows them the offer, never the application.
        accepted = Assignment.objects.filter(
            application=OuterRef("pk"),
            assessor=user,
            status=AssignmentStatus.ACCEPTED,
            declared_at__isnull=False,
        )
        # And what they hear on appeal (reviewers had no part in the assessment).
        reviewing = Appeal.reviewers.through.objects.filter(
            appeal__application=OuterRef("pk"), user=user
        )
        return queryset.filter(Exists(accepted) | Exists(reviewing))
    return queryset.none()


def application_for_user(user, pk: int) -> Application:
    """One application ``user`` may see; 404 for anything else, whether it exists or not.

    An assessor's pages ask about their assignment straight after, so for them the application
    is read plainly and the access rule is checked against its assignments, read once and kept on
    the application for those later questions (``permissions.staff``): the same rule as
    ``applications_for_user``, without a query PostgreSQL needs a millisecond to plan on every
    assessor page.
    """
    if getattr(user, "role", None) != Role.ASSESSOR or not user.is_active:
        return get_object_or_404(applications_for_user(user), pk=pk)
    application = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    if is_assigned_assessor(user, application):
        return application
    if Appeal.reviewers.through.objects.filter(
        appeal__application_id=application.pk, user_id=user.pk
    ).exists():
        return application
    raise Http404("No such application.")


# --- answers, evidence and gaps -------------------------------------------------------------

# The same rule as Response.is_answered, in SQL, for counting without loading the responses.
_ANSWERED = Q(
    responses__rating=NOT_APPLICABLE,
    responses__criterion__na_allowed=True,
    responses__na_justification__regex=r"\S",
) | (
    ~Q(responses__rating="")
    & ~Q(responses__rating=NOT_APPLICABLE)
    & Q(responses__narrative__regex=r"\S")
)


def response_is_answered(response: Response) -> bool:
    """Answered for submission: rated with a narrative, or a permitted, justified N/A."""
    if response.is_not_applicable and not response.criterion.na_allowed:
        return False
    return response.is_answered


@dataclass(frozen=True)
class Gap:
    """What stops submission on one criterion, tied to the page where it is put right."""

    response: Response
    problems: tuple[str, ...]

    @property
    def criterion(self):
        return self.response.criterion


def response_problems(response: Response, *, evidence_count: int) -> list[str]:
    """What is missing from one response before the application can be submitted.

    A mandatory criterion needs evidence unless it is justifiably not applicable: there is
    nothing to evidence for something that does not apply.
    """
    problems = []
    criterion = response.criterion
    if response.is_not_applicable:
        if not criterion.na_allowed:
            problems.append("“Not applicable” is not allowed here: choose a rating.")
        elif not response.na_justification.strip():
            problems.append("Marked not applicable without saying why.")
    else:
        missing_rating = not response.rating
        missing_narrative = not response.narrative.strip()
        if missing_rating and missing_narrative:
            problems.append("Not answered yet.")
        elif missing_rating:
            problems.append("No self-rating chosen.")
        elif missing_narrative:
            problems.append("No narrative written.")
    if response.carried_over:
        problems.append("Carried over from the last accreditation: check it and save it.")
    justified_na = response.is_not_applicable and response_is_answered(response)
    if criterion.mandatory and evidence_count == 0 and not justified_na:
        problems.append("Mandatory: no evidence linked yet.")
    return problems


def rating_labels(version: StandardVersion) -> dict[str, str]:
    """Scale code → label for the version's ratings, N/A included."""
    labels = {level["code"]: level["label"] for level in version.scale}
    labels[NOT_APPLICABLE] = version.not_applicable_label
    return labels


def _responses_with_evidence_counts(application: Application) -> list[Response]:
    """The application's responses in the standard's order, each with its criterion (and theme)
    from the version's outline and ``evidence_count``: one query, no join."""
    criteria = outline(application.version)
    responses = list(
        Response.objects.filter(application=application)
        .defer("updated_by")
        .annotate(evidence_count=Count("evidence_links"))
        .order_by()
    )
    for response in responses:
        response.criterion = criteria.get(response.criterion_id)
    responses.sort(key=lambda response: criteria.position(response.criterion_id))
    return responses


@dataclass
class ThemeProgress:
    theme: Theme
    responses: list[Response] = field(default_factory=list)
    answered: int = 0
    evidenced: int = 0

    @property
    def total(self) -> int:
        return len(self.responses)


@dataclass
class Workspace:
    """An application's self-assessment at a glance: progress per theme and what is missing."""

    application: Application
    themes: list[ThemeProgress]
    gaps: list[Gap]

    @property
    def total(self) -> int:
        return sum(theme.total for theme in self.themes)

    @property
    def answered(self) -> int:
        return sum(theme.answered for theme in self.themes)

    @property
    def evidenced(self) -> int:
        return sum(theme.evidenced for theme in self.themes)

    @property
    def ready(self) -> bool:
        return not self.gaps

    @property
    def digest(self) -> str:
        """A fingerprint of everything the per-theme tables show, taken from the rows already
        loaded (``qismet_portal.fragments``; criterion codes, titles and flags never change: the
        version is published)."""
        return fingerprint(
            self.application.pk,
            self.application.created_at.isoformat(),
            [
                (
                    r.criterion_id,
                    r.rating,
                    r.answered,
                    bool(r.narrative or r.rating),
                    r.evidence_count,
                )
                for theme in self.themes
                for r in theme.responses
            ],
        )


def application_workspace(application: Application) -> Workspace:
    """Responses grouped by theme with progress counts and the gap list (one query).

    Each response carries ``answered``, ``rating_label`` and ``evidence_count`` for the template.
    """
    labels = rating_labels(application.version)
    themes: dict[int, ThemeProgress] = {}
    gaps: list[Gap] = []
    for response in _responses_with_evidence_counts(application):
        theme = response.criterion.theme
        progress = themes.setdefault(theme.pk, ThemeProgress(theme))
        response.answered = response_is_answered(response)
        response.rating_label = labels.get(response.rating, "")
        progress.responses.append(response)
        progress.answered += response.answered
        progress.evidenced += response.evidence_count > 0
        problems = response_problems(response, evidence_count=response.evidence_count)
        if problems:
            gaps.append(Gap(response, tuple(problems)))
    return Workspace(application, list(themes.values()), gaps)


def submission_gaps(application: Application) -> list[Gap]:
    """What stops ``application`` from being submitted, in criterion order (one query)."""
    return application_workspace(application).gaps


# --- one criterion --------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    criterion_id: int
    code: str
    title: str


@dataclass(frozen=True)
class ResponsePage:
    response: Response
    previous: Neighbour | None
    next: Neighbour | None
    position: int
    total: int

    @property
    def criterion(self):
        return self.response.criterion


def response_page(application: Application, criterion_pk: int) -> ResponsePage:
    """One response with its criterion and theme, and its neighbours in the standard (one
    query: the criteria come from the version's outline). A criterion outside the application's
    version is a 404."""
    criteria = outline(application.version)
    criterion = criteria.get(criterion_pk)
    if criterion is None:
        raise Http404("No such criterion in this application.")
    response = get_object_or_404(
        Response.objects.select_related("updated_by"),
        application=application,
        criterion_id=criterion_pk,
    )
    response.criterion = criterion
    index = criteria.position(criterion_pk)
    previous, following = criteria.neighbours(criterion_pk)
    response.application = application  # already loaded, with its programme and version
    return ResponsePage(
        response=response,
        previous=Neighbour(previous.pk, previous.code, previous.title) if previous else None,
        next=Neighbour(following.pk, following.code, following.title) if following else None,
        position=index + 1,
        total=len(criteria),
    )


def next_to_answer(application: Application, page: ResponsePage) -> Neighbour | None:
    """Where "save and go to the next criterion" leads: the next criterion in the standard's
    order, or, while more information is requested, the next of the criteria the assessors asked
    about (the others cannot be changed). None after the last one."""
    if application.status != ApplicationStatus.INFORMATION_REQUESTED:
        return page.next
    # Here, not at the top: the information selectors import this module.
    from accreditation.selectors.information import reopened_criterion_ids

    reopened = reopened_criterion_ids(application)
    criteria = outline(application.version)
    for criterion_id in criteria.criterion_ids[page.position :]:
        if criterion_id in reopened:
            criterion = criteria.get(criterion_id)
            return Neighbour(criterion.pk, criterion.code, criterion.title)
    return None


# --- starting and signing ------------------------------------------------------------------


def start_choices(user) -> tuple[QuerySet[Programme], set[int]]:
    """The programmes a lead may start an application for, and those that already have an
    open one (shown, but refused)."""
    membership = membership_for_user(user)
    if membership is None:
        return Programme.objects.none(), set()
    programmes = Programme.objects.filter(organisation_id=membership.organisation_id).order_by(
        "name"
    )
    busy = set(
        Application.objects.filter(
            programme__organisation_id=membership.organisation_id, status__in=OPEN_STATUSES
        ).values_list("programme_id", flat=True)
    )
    return programmes, busy


def organisation_signatories(application: Application) -> list[User]:
    """Who can sign the declaration and submit for ``application``'s organisation: current
    members with an active account and the signing right, whatever their role (one query)."""
    return list(
        User.objects.filter(
            membership__organisation_id=application.programme.organisation_id,
            membership__can_sign=True,
            membership__removed_at__isnull=True,
            is_active=True,
        )
        .only("pk", "full_name")
        .order_by("full_name", "pk")
    )


# --- lists and history ----------------------------------------------------------------------


def application_list_for_user(user, *, status: str = "") -> QuerySet[Application]:
    """The applications ``user`` may see, newest first, with answered/total counts (one query)."""
    applications = applications_for_user(user).annotate(
        total_criteria=Count("responses", distinct=True),
        answered_criteria=Count("responses", filter=_ANSWERED, distinct=True),
    )
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    return applications.order_by("-created_at", "-pk")


def application_status_counts() -> dict[str, int]:
    """How many applications are in each status (administrators' home page)."""
    counts = dict.fromkeys(ApplicationStatus.values, 0)
    rows = Application.objects.values_list("status").annotate(n=Count("pk")).order_by()
    counts.update(dict(rows))
    return counts


def application_events(application: Application) -> QuerySet[ApplicationEvent]:
    """The application's timeline, newest first, with who did it and what it concerned (only
    the columns the page shows: an application with hundreds of files has hundreds of lines)."""
    return (
        application.events.select_related("actor", "criterion", "document__current")
        .only(
            *("kind", "at", "from_status", "to_status", "reason", "detail"),
            *("application_id", "criterion_id", "document_id", "actor_id"),
            *("actor__full_name", "criterion__code", "criterion__title"),
            *("document__current_id", "document__current__original_name"),
        )
        .order_by("-at", "-pk")
    )
