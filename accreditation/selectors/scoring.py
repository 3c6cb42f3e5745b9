"""Reads for the scoring part of the assessment: an assessor's assignments, their scoring
overview and the scoring page of one criterion.

Blind double marking: every read of scores here is filtered by ONE assignment, the viewer's own
(``Score.objects.filter(assignment=…)``), never by the application alone; so no page built on
these selectors can show another assessor's score or rationale, whatever the state of the
application. (Moderation, another part of the journey, shows both sets once both assessors have
completed.) Anything cached from these reads must carry the viewer's id in its key: see
``score_cache_key``.

Each read runs a fixed number of queries, whatever the number of criteria, files or
assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import caches
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Role
from accreditation.lifecycle import ApplicationStatus
from accreditation.models import (
    NOT_APPLICABLE,
    Application,
    Assignment,
    AssignmentStatus,
    EvidenceRevision,
    InformationRequest,
    InformationRequestStatus,
    Score,
    SubmissionRecord,
    SubmittedAnswer,
    SubmittedEvidence,
)
from accreditation.permissions.staff import assignment_of
from qismet_portal.fragments import fingerprint
from qismet_portal.links import saved_at_label, url_for_each
from standards.models import Criterion, StandardVersion, Theme
from standards.outline import outline

#: Statuses in which an assessor may change their scores.
SCORING_STATUSES = (ApplicationStatus.IN_ASSESSMENT, ApplicationStatus.INFORMATION_REQUESTED)
#: File types shown in the browser (the rest are download only).
PREVIEW_TYPES = {"application/pdf": "pdf", "image/png": "image", "image/jpeg": "image"}


def score_cache_key(*, user, application_id: int, part: str) -> str:
    """The key of any cached piece that shows scores: it includes who is looking, so one
    assessor's cached page is never served to the other."""
    return f"scores:{application_id}:{user.pk}:{part}"


def url_or_path(name: str, path: str, **kwargs) -> str:
    """The URL of ``name`` if it is installed, else ``path`` (pages another part of the
    portal provides, linked before they exist)."""
    try:
        return reverse(f"accreditation:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return path


def accepted_assignment(user, application: Application) -> Assignment | None:
    """``user``'s accepted, declared assignment on ``application``: what lets them score."""
    if getattr(user, "role", None) not in (Role.ASSESSOR, Role.ADMINISTRATOR):
        return None  # providers never score: no need to read the assignments
    assignment = assignment_of(user, application)
    if assignment and assignment.status == AssignmentStatus.ACCEPTED and assignment.declared_at:
        assignment.application = application
        return assignment
    return None


# --- the assessor's home --------------------------------------------------------------------


@dataclass
class AssignmentRow:
    assignment: Assignment
    scored: int
    total: int
    respond_url: str
    overview_url: str

    @property
    def application(self) -> Application:
        return self.assignment.application

    @property
    def is_offered(self) -> bool:
        return self.assignment.status == AssignmentStatus.OFFERED

    @property
    def is_overdue(self) -> bool:
        return (
            self.assignment.completed_at is None and self.assignment.due_on < timezone.localdate()
        )


def _criteria_total() -> Subquery:
    return Subquery(
        Criterion.objects.filter(theme__version_id=OuterRef("application__version_id"))
        .order_by()
        .values("theme__version_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def assignments_for_assessor(user) -> list[AssignmentRow]:
    """``user``'s live assignments (offers waiting for an answer first, then accepted ones by
    due date), each with its progress ("N of M criteria scored"). One query, whatever the
    number of assignments; an offer shows the application's reference only, nothing more, until
    it is accepted. Only ever the user's own scores are counted."""
    if not getattr(user, "is_authenticated", False):
        return []
    assignments = (
        Assignment.objects.filter(
            assessor=user, status__in=(AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)
        )
        .select_related("application__programme__organisation", "application__version__standard")
        .annotate(
            scored=Count("scores", filter=~Q(scores__level="")),
            total=_criteria_total(),
        )
        .order_by("-status", "completed_at", "due_on", "pk")  # "offered" sorts before "accepted"
    )
    rows = []
    for assignment in assignments:
        pk = assignment.application_id
        rows.append(
            AssignmentRow(
                assignment=assignment,
                scored=assignment.scored,
                total=assignment.total or 0,
                respond_url=url_or_path(
                    "assignment_respond",
                    f"/applications/assignments/{assignment.pk}/",
                    assignment_pk=assignment.pk,
                ),
                overview_url=reverse("accreditation:scoring_overview", args=[pk]),
            )
        )
    return rows


# --- the scoring overview -------------------------------------------------------------------


def _answer_signature(answer: SubmittedAnswer | None) -> tuple:
    """What counts as "the answer changed": its words, its self-rating and its files."""
    if answer is None:
        return ()
    return (
        answer.narrative,
        answer.rating,
        answer.na_justification,
        tuple(sorted(evidence.sha256 for evidence in answer.evidence.all())),
    )


def _answers(records: set[int], criteria: set[int] | None = None) -> dict:
    """Submitted answers of ``records`` (with their evidence), by (record, criterion)."""
    queryset = SubmittedAnswer.objects.filter(record_id__in=records).prefetch_related(
        Prefetch("evidence", queryset=SubmittedEvidence.objects.order_by("pk"))
    )
    if criteria is not None:
        queryset = queryset.filter(criterion_id__in=criteria)
    return {(answer.record_id, answer.criterion_id): answer for answer in queryset}


def level_labels(version: StandardVersion) -> dict[str, str]:
    labels = {level["code"]: level["label"] for level in version.scale}
    labels[NOT_APPLICABLE] = version.not_applicable_label
    return labels


def _remembered(application: Application, key: str, read):
    """What ``read()`` returns for the application's latest submission record, kept by each
    process (``caches["immutable"]``).

    A record and its answers never change once written (the database refuses it), and every
    submission sets ``application.submitted_at`` and writes its record with that same time; so
    the key is the application, that time and ``key``, and pages read the latest record's parts
    from the database once, not on every request. ``read()`` returns ``(record, value)``; only a
    record whose time matches the application's is kept, so one written after ``application``
    was read is shown but never remembered in its place. Every call returns fresh instances
    (the cache keeps them pickled), so callers may annotate them.
    """
    if application.submitted_at is None:
        return read()
    name = f"latest:{application.pk}:{application.submitted_at.isoformat()}:{key}"
    remembered = caches["immutable"].get(name)
    if remembered is None:
        remembered = read()
        record = remembered[0]
        if record is not None and record.submitted_at == application.submitted_at:
            caches["immutable"].set(name, remembered)
    return remembered


def latest_record(application: Application) -> SubmissionRecord | None:
    """The application's latest submission record (its own row: people's names are read where
    they are shown, so a cached record never carries a stale one)."""

    def read():
        record = SubmissionRecord.objects.filter(application=application).order_by("-number")
        return record.first(), None

    return _remembered(application, "record", read)[0]


def latest_answer(
    application: Application, criterion_pk: int, *, evidence_revisions: bool = True
) -> tuple[SubmissionRecord | None, SubmittedAnswer | None]:
    """The latest submission record and its answer to one criterion, with the answer's
    evidence (and each file's revision, unless ``evidence_revisions`` is False). After the
    first request, no query (``_remembered``)."""

    def read():
        latest = (
            SubmissionRecord.objects.filter(application=application)
            .order_by("-number")
            .values("pk")
        )
        evidence = SubmittedEvidence.objects.order_by("pk")
        if evidence_revisions:
            evidence = evidence.select_related("revision")
        answer = (
            SubmittedAnswer.objects.filter(
                record_id=Subquery(latest[:1]), criterion_id=criterion_pk
            )
            .select_related("record")
            .prefetch_related(Prefetch("evidence", queryset=evidence))
            .first()
        )
        if answer is not None:
            return answer.record, answer
        return latest_record(application), None

    record, answer = _remembered(
        application, f"answer:{criterion_pk}:{int(evidence_revisions)}", read
    )
    if evidence_revisions and answer is not None:
        _read_warnings_afresh(answer)
    return record, answer


def _read_warnings_afresh(answer: SubmittedAnswer) -> None:
    """A file revision's content warnings are the one part of it that can change after it was
    stored (``manage.py evidence_inspect`` checks stored files again), so they are read from the
    database on every request, never taken from what was remembered. One light query, only when
    the answer names files."""
    items = list(answer.evidence.all())
    if not items:
        return
    fresh = dict(
        EvidenceRevision.objects.filter(pk__in=[item.revision_id for item in items]).values_list(
            "pk", "content_warnings"
        )
    )
    for item in items:
        item.revision.content_warnings = fresh.get(item.revision_id, [])


def open_information_request(application: Application) -> InformationRequest | None:
    return InformationRequest.objects.filter(
        application=application, status=InformationRequestStatus.OPEN
    ).first()


@dataclass
class CriterionRow:
    criterion: Criterion
    score: Score | None
    level_label: str = ""
    changed_since: bool = False
    url: str = ""
    saved_label: str = ""

    @property
    def is_scored(self) -> bool:
        return bool(self.score and self.score.level)


@dataclass
class ThemeRows:
    theme: Theme
    rows: list[CriterionRow] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(1 for row in self.rows if row.is_scored)


@dataclass
class Overview:
    assignment: Assignment
    record: SubmissionRecord | None
    themes: list[ThemeRows]
    open_request: InformationRequest | None

    @property
    def total(self) -> int:
        return sum(len(theme.rows) for theme in self.themes)

    @property
    def scored(self) -> int:
        return sum(theme.scored for theme in self.themes)

    @property
    def changed(self) -> int:
        return sum(1 for theme in self.themes for row in theme.rows if row.changed_since)

    @property
    def is_editable(self) -> bool:
        return (
            self.assignment.completed_at is None
            and self.assignment.application.status in SCORING_STATUSES
        )

    @property
    def is_overdue(self) -> bool:
        return self.assignment.completed_at is None and self.assignment.due_on < (
            timezone.localdate()
        )

    @property
    def can_complete(self) -> bool:
        return (
            self.is_editable
            and self.total > 0
            and self.scored == self.total
            and self.open_request is None
            and self.assignment.application.status == ApplicationStatus.IN_ASSESSMENT
        )

    @property
    def digest(self) -> str:
        """A fingerprint of whose scoring this is (blind marking) and of everything the
        per-theme tables show (``qismet_portal.fragments``)."""
        return fingerprint(
            self.assignment.pk,
            [
                (
                    theme.theme.number,
                    theme.theme.title,
                    [
                        (
                            row.url,
                            row.criterion.code,
                            row.criterion.title,
                            row.criterion.mandatory,
                            row.is_scored,
                            row.level_label,
                            row.changed_since,
                            row.saved_label,
                        )
                        for row in theme.rows
                    ],
                )
                for theme in self.themes
            ],
        )


def scoring_overview(assignment: Assignment) -> Overview:
    """Every criterion of the pinned version, by theme, with the viewer's own score of each
    (never anyone else's), whether the answer changed since they scored it, the record being
    scored and any open request for information. Five queries at most, however many criteria."""
    application = assignment.application
    version = application.version
    criteria = outline(version).criteria
    scores = {
        score.criterion_id: score
        # Blind: own scores only. The row shows the level and when it was saved, nothing else.
        for score in Score.objects.filter(assignment=assignment)
        .order_by()  # keyed: the default order would join criteria and themes
        .only("pk", "assignment_id", "criterion_id", "record_id", "level", "updated_at")
    }
    record = latest_record(application)
    changed: set[int] = set()
    earlier = {score.record_id for score in scores.values()} - {record.pk if record else None}
    if record is not None and earlier:
        answers = _answers(
            earlier | {record.pk},
            {s.criterion_id for s in scores.values() if s.record_id != record.pk},
        )
        for score in scores.values():
            if score.record_id != record.pk and _answer_signature(
                answers.get((score.record_id, score.criterion_id))
            ) != _answer_signature(answers.get((record.pk, score.criterion_id))):
                changed.add(score.criterion_id)
    labels = level_labels(version)
    criterion_url = url_for_each(
        "accreditation:scoring_criterion", application.pk, placeholder="criterion_pk"
    )
    themes: dict[int, ThemeRows] = {}
    for criterion in criteria:
        theme = themes.setdefault(criterion.theme_id, ThemeRows(theme=criterion.theme))
        score = scores.get(criterion.pk)
        theme.rows.append(
            CriterionRow(
                criterion=criterion,
                score=score,
                level_label=labels.get(score.level, "") if score else "",
                changed_since=criterion.pk in changed,
                url=criterion_url(criterion.pk),
                saved_label=saved_at_label(score.updated_at) if score else "",
            )
        )
    return Overview(
        assignment=assignment,
        record=record,
        themes=list(themes.values()),
        # A request is open only while the application waits for the provider's answer.
        open_request=(
            open_information_request(application)
            if application.status == ApplicationStatus.INFORMATION_REQUESTED
            else None
        ),
    )


# --- one criterion --------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    criterion_id: int
    code: str
    title: str


@dataclass
class EvidenceItem:
    submitted: SubmittedEvidence

    @property
    def revision(self):
        return self.submitted.revision

    @property
    def warnings(self) -> list[str]:
        return list(self.submitted.revision.content_warnings or [])

    @property
    def preview_kind(self) -> str:
        """ "pdf" or "image" when it can be shown in the browser safely, else ""."""
        if self.warnings:
            return ""
        return PREVIEW_TYPES.get(self.submitted.revision.content_type.split(";")[0], "")


@dataclass
class CriterionPage:
    assignment: Assignment
    criterion: Criterion
    record: SubmissionRecord | None
    answer: SubmittedAnswer | None
    evidence: list[EvidenceItem]
    score: Score | None
    previous: Neighbour | None
    next: Neighbour | None
    position: int
    total: int
    #: The score was given against an earlier record and the answer has changed since.
    scored_record: SubmissionRecord | None = None
    changed_since: bool = False
    rating_label: str = ""
    level_label: str = ""

    @property
    def is_editable(self) -> bool:
        return (
            self.assignment.completed_at is None
            and self.assignment.application.status in SCORING_STATUSES
        )


def scoring_criterion_page(assignment: Assignment, criterion_pk: int) -> CriterionPage:
    """One criterion for scoring: its text, the answer and evidence FROM THE LATEST SUBMISSION
    RECORD (never the live draft), the viewer's own score, and its neighbours. A criterion
    outside the pinned version is a 404. A fixed number of queries, however many criteria or
    files."""
    application = assignment.application
    version = application.version
    criteria = outline(version)
    index = criteria.position(criterion_pk)
    if index is None:
        raise Http404("No such criterion in this application.")
    criterion = criteria.get(criterion_pk)
    previous, following = criteria.neighbours(criterion_pk)
    record, answer = latest_answer(application, criterion.pk)
    evidence = [EvidenceItem(item) for item in answer.evidence.all()] if answer else []
    # Blind: only the viewer's own score. Its record and author are read only when shown.
    # One at most (a unique constraint): by primary key, not the default order (which joins
    # criteria and themes).
    score = Score.objects.filter(assignment=assignment, criterion=criterion).order_by("pk").first()
    labels = level_labels(version)
    page = CriterionPage(
        assignment=assignment,
        criterion=criterion,
        record=record,
        answer=answer,
        evidence=evidence,
        score=score,
        previous=Neighbour(previous.pk, previous.code, previous.title) if previous else None,
        next=Neighbour(following.pk, following.code, following.title) if following else None,
        position=index + 1,
        total=len(criteria),
        rating_label=labels.get(answer.rating, "") if answer else "",
        level_label=labels.get(score.level, "") if score else "",
    )
    if score is not None and record is not None and score.record_id != record.pk:
        page.scored_record = score.record
        earlier = _answers({score.record_id}, {criterion.pk}).get((score.record_id, criterion.pk))
        page.changed_since = _answer_signature(earlier) != _answer_signature(answer)
    return page


# --- evidence an assessor may open ----------------------------------------------------------


def revision_was_submitted(application: Application, revision_id: int) -> bool:
    """Whether the revision appears in a submission record of ``application``: the only files
    an assessor may open (never an unsubmitted draft)."""
    return SubmittedEvidence.objects.filter(
        answer__record__application=application, revision_id=revision_id
    ).exists()


# --- the application page -------------------------------------------------------------------


def detail_panel(application, user) -> dict:
    """What the application page shows about scoring, for ``user`` (merged into its context):
    to an assigned assessor, their own progress and the way to the scoring pages; to anyone
    else, nothing (administrators follow scoring from the assessors' progress on their pages
    of assignment; nobody sees scores here)."""
    assignment = accepted_assignment(user, application)
    if assignment is None:
        return {}
    scored = Score.objects.filter(assignment=assignment).exclude(level="").count()
    total = len(outline(application.version))
    return {
        "scoring_panel": {
            "assignment": assignment,
            "scored": scored,
            "total": total,
            "overview_url": reverse("accreditation:scoring_overview", args=[application.pk]),
            "due_on": assignment.due_on,
            "is_overdue": assignment.completed_at is None
            and assignment.due_on < timezone.localdate(),
        }
    }
