"""The administrators' dashboard: the pipeline, turnaround, what is overdue, and exports.

It reads across the apps (applications, assessments, decisions, reports), so it lives in the
project layer. Every figure is one aggregate query: the page costs the same with ten applications
or ten thousand. Working days count England and Wales bank holidays as days off, as everywhere in
the portal.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import is_administrator
from accreditation.lifecycle import STATUS_INFO, ApplicationStatus
from accreditation.models import (
    Application,
    Assignment,
    AssignmentStatus,
    Condition,
    ConditionStatus,
    Decision,
    FactualAccuracyComment,
    InformationRequest,
    InformationRequestStatus,
    Report,
    ReportKind,
    ReportStatus,
    SubmissionRecord,
)
from qismet_portal.working_days import working_days_between

#: Decisions counted in the turnaround figure: those of the last this many days.
TURNAROUND_DAYS = 365
#: The order of the pipeline: the journey's order, then the ends.
PIPELINE = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.RETURNED,
    ApplicationStatus.IN_ASSESSMENT,
    ApplicationStatus.INFORMATION_REQUESTED,
    ApplicationStatus.MODERATION,
    ApplicationStatus.AWAITING_DECISION,
    ApplicationStatus.CONDITIONAL,
    ApplicationStatus.ACCREDITED,
    ApplicationStatus.NOT_ACCREDITED,
    ApplicationStatus.APPEAL,
    ApplicationStatus.WITHDRAWN,
]
BAR_WIDTH = 420
ROW_HEIGHT = 30


@dataclass
class PipelineRow:
    status: str
    label: str
    count: int
    width: float = 0
    y: int = 0


@dataclass
class Overdue:
    label: str
    count: int
    url: str = ""


def pipeline() -> list[PipelineRow]:
    counts = dict(Application.objects.values_list("status").annotate(n=Count("pk")).order_by())
    rows = [PipelineRow(s.value, s.label, counts.get(s.value, 0)) for s in PIPELINE]
    most = max((row.count for row in rows), default=0) or 1
    for index, row in enumerate(rows):
        row.width = round(row.count / most * BAR_WIDTH, 1)
        row.y = index * ROW_HEIGHT
    return rows


def turnaround(*, today=None) -> dict:
    """Median working days from the first submission to the first decision, over the
    decisions of the last ``TURNAROUND_DAYS`` days (and from submission to acceptance)."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=TURNAROUND_DAYS)
    first_submitted = SubmissionRecord.objects.filter(
        application=OuterRef("application"), number=1
    ).values("submitted_at")[:1]
    pairs = (
        Decision.objects.filter(kind=Decision.Kind.FIRST, decided_at__gte=since)
        .annotate(submitted_at=Subquery(first_submitted))
        .values_list("submitted_at", "decided_at")
    )
    days = [
        working_days_between(timezone.localdate(submitted), timezone.localdate(decided))
        for submitted, decided in pairs
        if submitted
    ]
    return {
        "decisions": len(days),
        "median": statistics.median(days) if days else None,
        "slowest": max(days) if days else None,
        "since_days": TURNAROUND_DAYS,
    }


def overdue(*, today=None) -> list[Overdue]:
    today = today or timezone.localdate()
    unanswered = FactualAccuracyComment.objects.filter(report=OuterRef("pk"), response="")
    counts = {
        "requests": InformationRequest.objects.filter(
            status=InformationRequestStatus.OPEN, due_on__lt=today
        ).count(),
        "conditions": Condition.objects.filter(
            status=ConditionStatus.OPEN, due_on__lt=today
        ).count(),
        "scoring": Assignment.objects.filter(
            status=AssignmentStatus.ACCEPTED, completed_at__isnull=True, due_on__lt=today
        ).count(),
        "comments": Report.objects.filter(kind=ReportKind.DRAFT, comments_until__lt=today)
        .filter(Exists(unanswered))
        .count(),
        "reports": Report.objects.filter(status=ReportStatus.FAILED).count(),
    }
    return [
        Overdue("Requests for more information past their due date", counts["requests"]),
        Overdue("Conditions past their deadline, still open", counts["conditions"]),
        Overdue("Assessors' scoring past its due date", counts["scoring"]),
        Overdue("Factual-accuracy checks ended with comments to answer", counts["comments"]),
        Overdue("Reports that could not be made", counts["reports"]),
    ]


def certificates_summary(*, today=None) -> dict:
    """Live certificates, and those expiring within ``EXPIRING_WITHIN_DAYS`` (one query)."""
    from django.db.models import Q

    from accreditation.models import Certificate
    from accreditation.selectors.certificates import EXPIRING_WITHIN_DAYS, LIVE_STATUSES

    today = today or timezone.localdate()
    counts = Certificate.objects.aggregate(
        live=Count("pk", filter=Q(status__in=LIVE_STATUSES, expires_on__gte=today)),
        expiring=Count(
            "pk",
            filter=Q(
                status__in=LIVE_STATUSES,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS),
            ),
        ),
    )
    return {**counts, "within_days": EXPIRING_WITHIN_DAYS}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    rows = pipeline()
    return render(
        request,
        "dashboard.html",
        {
            "pipeline": rows,
            "pipeline_total": sum(row.count for row in rows),
            "chart_height": len(rows) * ROW_HEIGHT,
            "bar_width": BAR_WIDTH,
            "turnaround": turnaround(),
            "overdue": overdue(),
            "certificates": certificates_summary(),
            "status_info": STATUS_INFO,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


APPLICATION_COLUMNS = [
    "Reference",
    "Organisation",
    "Programme",
    "Standard version",
    "Status",
    "Started",
    "First submitted",
    "First decision",
    "Outcome",
    "Working days to decision",
]


def applications_csv_rows(*, today=None):
    first_submitted = SubmissionRecord.objects.filter(application=OuterRef("pk"), number=1).values(
        "submitted_at"
    )[:1]
    first_decision = Decision.objects.filter(
        application=OuterRef("pk"), kind=Decision.Kind.FIRST
    ).order_by("decided_at")
    applications = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .annotate(
            first_submitted=Subquery(first_submitted),
            decided_at=Subquery(first_decision.values("decided_at")[:1]),
            outcome=Subquery(first_decision.values("outcome")[:1]),
        )
        .order_by("reference")
    )
    yield APPLICATION_COLUMNS
    labels = dict(ApplicationStatus.choices)
    for application in applications.iterator(chunk_size=500):
        submitted = application.first_submitted
        decided = application.decided_at
        yield [
            _safe(application.reference),
            _safe(application.programme.organisation.name),
            _safe(application.programme.name),
            f"{application.version.standard.name} {application.version.number}",
            labels.get(application.status, application.status),
            timezone.localdate(application.created_at).isoformat(),
            timezone.localdate(submitted).isoformat() if submitted else "",
            timezone.localdate(decided).isoformat() if decided else "",
            labels.get(application.outcome, "") if application.outcome else "",
            working_days_between(timezone.localdate(submitted), timezone.localdate(decided))
            if submitted and decided
            else "",
        ]


def _safe(value: str) -> str:
    """Text typed by people, made inert for spreadsheets (no formula injection)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def applications_csv(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in applications_csv_rows()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="qismet-applications-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
