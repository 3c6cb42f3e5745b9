"""Reads for requests for more information: which criteria are open again, the request's page,
the application page's panel and what changed between two submissions.

``criterion_is_open`` is the one answer to "may the provider change this criterion now?": the
services (the authority), the rules and the pages all ask it, so a page never offers a form
that the service would refuse, nor the reverse.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accreditation.lifecycle import EDITABLE_STATUSES, ApplicationStatus
from accreditation.models import (
    Application,
    EvidenceRevision,
    InformationRequest,
    InformationRequestStatus,
    SubmissionRecord,
    SubmittedAnswer,
    SubmittedEvidence,
)
from standards.models import Criterion, Theme

from .applications import rating_labels
from .submissions import submission_records_for

_CACHE = "_open_information_request_cache"


# --- which criteria are open ----------------------------------------------------------------


def open_information_request(application: Application) -> InformationRequest | None:
    """The application's open request with its criteria, or None; read once per application
    object (pages and rules ask several times in one request)."""
    if not hasattr(application, _CACHE):
        request = (
            InformationRequest.objects.filter(
                application_id=application.pk, status=InformationRequestStatus.OPEN
            )
            .prefetch_related(
                Prefetch(
                    "criteria",
                    queryset=Criterion.objects.select_related("theme").order_by(
                        "theme__number", "order", "code"
                    ),
                )
            )
            .select_related("raised_by")
            .first()
        )
        setattr(application, _CACHE, request)
    return getattr(application, _CACHE)


def reopened_criterion_ids(application: Application) -> frozenset[int]:
    """The criteria the provider may change while more information is requested (none in any
    other status: a draft has every criterion open, a submitted one none)."""
    if application.status != ApplicationStatus.INFORMATION_REQUESTED:
        return frozenset()
    request = open_information_request(application)
    if request is None:
        return frozenset()
    return frozenset(criterion.pk for criterion in request.criteria.all())


def criterion_is_open(application: Application, criterion: Criterion | int) -> bool:
    """May the provider change the answer and evidence of ``criterion`` now? Every criterion of
    a draft or returned application; only the criteria named in the open request while more
    information is requested; none otherwise."""
    if application.status in EDITABLE_STATUSES:
        return True
    criterion_id = criterion if isinstance(criterion, int) else criterion.pk
    return criterion_id in reopened_criterion_ids(application)


def is_overdue(request: InformationRequest, today: date | None = None) -> bool:
    """Open and past its due date."""
    today = today or timezone.localdate()
    return request.status == InformationRequestStatus.OPEN and request.due_on < today


# --- raising a request ----------------------------------------------------------------------


@dataclass
class ThemeCriteria:
    theme: Theme
    criteria: list[Criterion] = field(default_factory=list)


def criteria_by_theme(application: Application) -> list[ThemeCriteria]:
    """The pinned version's criteria grouped by theme, for the request form (one query)."""
    themes: dict[int, ThemeCriteria] = {}
    for criterion in (
        Criterion.objects.filter(theme__version_id=application.version_id)
        .select_related("theme")
        .only("pk", "code", "title", "theme__number", "theme__title", "theme__version_id")
        .order_by("theme__number", "order", "code")
    ):
        themes.setdefault(criterion.theme_id, ThemeCriteria(criterion.theme)).criteria.append(
            criterion
        )
    return list(themes.values())


# --- a request's page and the panel ---------------------------------------------------------


def _requests(application: Application):
    return (
        InformationRequest.objects.filter(application=application)
        .select_related("raised_by", "record", "answered_record", "cancelled_by")
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=Criterion.objects.select_related("theme").order_by(
                    "theme__number", "order", "code"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )


def information_request_in(*, application: Application, request_pk: int) -> InformationRequest:
    """One request of this application with its criteria, or 404 (three queries)."""
    request = get_object_or_404(_requests(application), pk=request_pk)
    request.application = application
    request.overdue = is_overdue(request)
    return request


def detail_panel(application, user) -> dict:
    """What the application page shows about requests for more information (merged into its
    context): the open request (or the latest answered one), earlier ones, whether it is
    overdue, which criteria are re-opened, and whether ``user`` may raise one now."""
    # Requests are raised during the assessment: before it there is nothing to read.
    before_assessment = application.status in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.RETURNED,
    )
    requests = [] if before_assessment else list(_requests(application))
    today = timezone.localdate()
    for request in requests:
        request.overdue = is_overdue(request, today)
    current = requests[0] if requests else None
    can_raise = application.status == ApplicationStatus.IN_ASSESSMENT and user.has_perm(
        "accreditation.request_information", application
    )
    reopened = frozenset()
    if current is not None and current.status == InformationRequestStatus.OPEN:
        setattr(application, _CACHE, current)  # the rules below ask again: no second read
        reopened = reopened_criterion_ids(application)
    return {
        "information": {
            "current": current,
            "earlier": requests[1:],
            "can_raise": can_raise,
        },
        "reopened_criterion_ids": reopened,
        "reopened_key": ",".join(str(pk) for pk in sorted(reopened)),
    }


# --- what changed between two submissions ---------------------------------------------------

_TOKENS = re.compile(r"\S+\s*|\s+")


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``after`` compared with ``before`` word by word: (kind, text) pieces in reading order,
    kind being "same", "removed" or "added". Text is returned as typed; the template escapes
    it (nothing here is marked safe)."""
    old, new = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(old[a1:a2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(("removed", "".join(old[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(("added", "".join(new[b1:b2])))
    return pieces


@dataclass
class EvidenceChange:
    """One file of one criterion that differs: added, removed, replaced (another revision) or
    with a new note on where to look."""

    kind: str
    before: SubmittedEvidence | None = None
    after: SubmittedEvidence | None = None

    @property
    def name(self) -> str:
        return (self.after or self.before).original_name


@dataclass
class CriterionChange:
    criterion: Criterion
    before: SubmittedAnswer | None
    after: SubmittedAnswer | None
    rating_before: str = ""
    rating_after: str = ""
    narrative: list[tuple[str, str]] | None = None
    na_changed: bool = False
    na_justification: list[tuple[str, str]] | None = None
    evidence: list[EvidenceChange] = field(default_factory=list)

    @property
    def rating_changed(self) -> bool:
        return self.rating_before != self.rating_after

    @property
    def changed(self) -> bool:
        return bool(
            self.rating_changed or self.narrative is not None or self.na_changed or self.evidence
        )


@dataclass
class RecordChanges:
    previous: SubmissionRecord
    current: SubmissionRecord
    changed: list[CriterionChange]
    unchanged_count: int


def _lineage(application_id: int) -> dict[int, tuple[int, int | None]]:
    """revision id → (document id, previous revision id) for every file of the application
    (one query of three integer columns)."""
    return {
        pk: (document_id, previous_id)
        for pk, document_id, previous_id in EvidenceRevision.objects.filter(
            document__application_id=application_id
        ).values_list("pk", "document_id", "previous_id")
    }


def _ancestors(revision_id: int, lineage: dict) -> list[int]:
    seen: list[int] = []
    current = lineage.get(revision_id, (None, None))[1]
    while current is not None and current not in seen and len(seen) < 1000:
        seen.append(current)
        current = lineage.get(current, (None, None))[1]
    return seen


def _evidence_changes(before: list, after: list, lineage: dict) -> list[EvidenceChange]:
    changes: list[EvidenceChange] = []
    unmatched = list(before)

    def take(predicate):
        for item in unmatched:
            if predicate(item):
                unmatched.remove(item)
                return item
        return None

    for item in after:
        same = take(lambda old, item=item: old.revision_id == item.revision_id)
        if same is not None:
            if same.pointer != item.pointer:
                changes.append(EvidenceChange("pointer", same, item))
            continue
        document = lineage.get(item.revision_id, (None, None))[0]
        ancestors = set(_ancestors(item.revision_id, lineage))
        old = take(
            lambda old, document=document, ancestors=ancestors: (
                old.revision_id in ancestors
                or lineage.get(old.revision_id, (None, None))[0] == document
            )
        )
        changes.append(EvidenceChange("replaced" if old else "added", old, item))
    changes.extend(EvidenceChange("removed", old, None) for old in unmatched)
    return changes


def record_changes(previous: SubmissionRecord, current: SubmissionRecord) -> RecordChanges:
    """What differs, criterion by criterion, between two submission records of one
    application: the narrative (a word-level diff), the self-rating, the reason for "not
    applicable", and the evidence (added, removed, replaced by another revision, or a new note
    on where to look). Records loaded by ``submission_records_for`` need one more query (the
    files' lineage), however many criteria and files."""
    labels = rating_labels(current.version)
    lineage = _lineage(current.application_id)
    old_answers = {answer.criterion_id: answer for answer in previous.answers.all()}
    changed: list[CriterionChange] = []
    unchanged = 0
    for answer in current.answers.all():
        old = old_answers.pop(answer.criterion_id, None)
        change = CriterionChange(
            criterion=answer.criterion,
            before=old,
            after=answer,
            rating_before=labels.get(old.rating, old.rating) if old else "",
            rating_after=labels.get(answer.rating, answer.rating),
        )
        old_narrative = old.narrative if old else ""
        if old_narrative != answer.narrative:
            change.narrative = word_diff(old_narrative, answer.narrative)
        old_na = old.na_justification if old else ""
        if old_na != answer.na_justification:
            change.na_changed = True
            change.na_justification = word_diff(old_na, answer.na_justification)
        change.evidence = _evidence_changes(
            list(old.evidence.all()) if old else [], list(answer.evidence.all()), lineage
        )
        if change.changed:
            changed.append(change)
        else:
            unchanged += 1
    return RecordChanges(previous, current, changed, unchanged)


def submission_changes_for(application: Application, number: int) -> RecordChanges:
    """The changes of submission ``number`` of ``application`` since the one before, or 404
    (the first submission has nothing to compare with)."""
    if number < 2:
        raise Http404("The first submission has nothing before it to compare with.")
    records = {
        record.number: record
        for record in submission_records_for(application).filter(number__in=(number - 1, number))
    }
    if len(records) != 2:
        raise Http404("No such submission.")
    return record_changes(records[number - 1], records[number])


def answered_request_for_record(application: Application, record: SubmissionRecord):
    """The request that ``record`` answered, if any (the page says so)."""
    return (
        InformationRequest.objects.filter(application=application, answered_record=record)
        .only("pk", "created_at", "due_on", "provider_note", "answered_at")
        .first()
    )
