"""What an accreditation report shows, frozen as JSON when it is asked for, and the reads of the
reports pages.

``report_inputs`` gathers everything the PDF will show into one JSON document: names as the
submission record and the decision have them (not as the organisation or the people are called
today), the agreed score, rationale and findings of every criterion, the conditions, the evidence
index (file name, revision and SHA-256 from the submission record) and the decision with who made
it. Its SHA-256 (``inputs_digest``) says whether a report for these inputs exists already. The
worker renders from the stored JSON only, so a report shows what was true when it was asked for,
however long the queue.

A fixed number of queries, whatever the number of criteria or files.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from types import SimpleNamespace

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import User
from accreditation.lifecycle import DECIDED, ApplicationStatus
from accreditation.models import (
    NOT_APPLICABLE,
    REPORT_KINDS,
    AgreedScore,
    Application,
    Assignment,
    AssignmentStatus,
    Condition,
    Decision,
    Report,
    ReportKind,
    ReportStatus,
    SubmittedAnswer,
    SubmittedEvidence,
)
from standards.outline import outline

from .results import Results, theme_results

#: Bump when the report template changes what the same inputs render to: a new layout is a new
#: report, not the old one again.
LAYOUT_VERSION = 1

#: Statuses in which an application has a decision a report can describe.
REPORTABLE_STATUSES = (*DECIDED, ApplicationStatus.APPEAL)


def latest_decision(application: Application) -> Decision | None:
    return (
        Decision.objects.filter(application=application)
        .select_related("decided_by", "record")
        .order_by("-decided_at", "-pk")
        .first()
    )


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def _names(users: list[User]) -> list[str]:
    return [user.full_name or user.email for user in users]


def report_inputs(application: Application, kind: str) -> dict:
    """Everything a report of ``application`` shows, as JSON (see the module docstring)."""
    decision = latest_decision(application)
    if decision is None:
        raise ValueError("no decision yet")
    record = decision.record
    version = application.version
    labels = {level["code"]: level["label"] for level in version.scale}
    labels[NOT_APPLICABLE] = version.not_applicable_label
    agreed = {
        score.criterion_id: score
        for score in AgreedScore.objects.filter(application=application).only(
            "criterion_id", "level", "rationale", "strengths", "improvements"
        )
    }
    answers = {
        answer.criterion_id: answer
        for answer in SubmittedAnswer.objects.filter(record=record)
        .only("criterion_id", "rating")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=SubmittedEvidence.objects.select_related("revision")
                .only(
                    "answer_id",
                    "original_name",
                    "sha256",
                    "size",
                    "pointer",
                    "revision__number",
                    "revision__document_id",
                )
                .order_by("pk"),
            )
        )
    }
    themes: dict[int, dict] = {}
    evidence: list[dict] = []
    for criterion in outline(version).criteria:
        theme = themes.setdefault(
            criterion.theme.number,
            {"number": criterion.theme.number, "title": criterion.theme.title, "criteria": []},
        )
        score = agreed.get(criterion.pk)
        answer = answers.get(criterion.pk)
        theme["criteria"].append(
            {
                "id": criterion.pk,
                "code": criterion.code,
                "title": criterion.title,
                "mandatory": criterion.mandatory,
                "level": score.level if score else "",
                "level_label": labels.get(score.level, score.level) if score else "",
                "rationale": score.rationale if score else "",
                "strengths": score.strengths if score else "",
                "improvements": score.improvements if score else "",
                "self_rating": labels.get(answer.rating, "") if answer else "",
            }
        )
        for item in answer.evidence.all() if answer else ():
            evidence.append(
                {
                    "criterion": criterion.code,
                    "name": item.original_name,
                    "document": item.revision.document_id,
                    "revision": item.revision.number,
                    "sha256": item.sha256,
                    "size": item.size,
                    "pointer": item.pointer,
                }
            )
    assessors = list(
        Assignment.objects.filter(
            application=application, status=AssignmentStatus.ACCEPTED, declared_at__isnull=False
        )
        .select_related("assessor")
        .order_by("role")
    )
    conditions = Condition.objects.filter(decision=decision).order_by("number")
    return {
        "layout": LAYOUT_VERSION,
        "kind": kind,
        "application": {"id": application.pk, "reference": application.reference},
        "provider": {
            key: record.organisation.get(key, "")
            for key in ("name", "address", "postcode", "region_label")
        },
        "programme": {
            key: record.programme.get(key, "")
            for key in ("name", "delivery_mode_label", "conditions", "description")
        },
        "standard": {
            "name": version.standard.name,
            "version": version.number,
        },
        "submission": {
            "number": record.number,
            "submitted_at": _iso(record.submitted_at),
            "declaration_name": record.declaration_name,
            "declaration_role": record.declaration_role,
        },
        "assessors": [
            {"name": _names([a.assessor])[0], "role": a.get_role_display()} for a in assessors
        ],
        "decision": {
            "kind": decision.get_kind_display(),
            "outcome": decision.outcome,
            "outcome_label": decision.get_outcome_display(),
            "suggested_outcome_label": decision.get_suggested_outcome_display(),
            "override_reason": decision.override_reason,
            "reasons": decision.reasons,
            "decided_by": _names([decision.decided_by])[0],
            "decided_at": _iso(decision.decided_at),
        },
        "conditions": [
            {
                "number": condition.number,
                "description": condition.description,
                "due_on": _iso(condition.due_on),
                "status_label": condition.get_status_display(),
            }
            for condition in conditions
        ],
        "themes": [themes[number] for number in sorted(themes)],
        "evidence": evidence,
        "factual_accuracy": _factual_accuracy(application) if kind == ReportKind.FINAL else [],
    }


def shared_draft(application: Application) -> Report | None:
    """The latest draft report shared with the provider (the one their check is about)."""
    return (
        Report.objects.filter(
            application=application, kind=ReportKind.DRAFT, shared_at__isnull=False
        )
        .defer("inputs")
        .order_by("-number")
        .first()
    )


def draft_window_open(report: Report, today: date | None = None) -> bool:
    """Whether the provider may still comment on this shared draft."""
    if report.kind != ReportKind.DRAFT or report.shared_at is None or report.comments_until is None:
        return False
    if report.comments_closed_at is not None:
        return False
    return (today or timezone.localdate()) <= report.comments_until


def _factual_accuracy(application: Application) -> list[dict]:
    draft = shared_draft(application)
    if draft is None:
        return []
    return [
        {
            "section": comment.get_section_display(),
            "comment": comment.comment,
            "response": comment.get_response_display(),
            "answer": comment.response_text,
        }
        for comment in draft.comments.order_by("created_at", "pk")
    ]


def inputs_digest(inputs: dict) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- what the PDF template gets ---------------------------------------------------------------


def _parsed(value: str | None) -> datetime | date | None:
    if not value:
        return None
    return parse_datetime(value) or parse_date(value)


def report_context(report: Report) -> dict:
    """The template context of ``templates/pdf/report.html``, from the report's frozen inputs."""
    inputs = report.inputs
    scores = [
        SimpleNamespace(criterion_id=criterion["id"], level=criterion["level"])
        for theme in inputs["themes"]
        for criterion in theme["criteria"]
    ]
    results: Results = theme_results(report.application, scores=scores)
    decision = dict(inputs["decision"], decided_at=_parsed(inputs["decision"]["decided_at"]))
    submission = dict(
        inputs["submission"], submitted_at=_parsed(inputs["submission"]["submitted_at"])
    )
    conditions = [dict(c, due_on=_parsed(c["due_on"])) for c in inputs["conditions"]]
    return {
        "report": report,
        "inputs": inputs,
        "is_draft": report.kind == ReportKind.DRAFT,
        "title": (
            f"{'Draft a' if report.kind == ReportKind.DRAFT else 'A'}ccreditation report: "
            f"{inputs['provider']['name']}, {inputs['programme']['name']}"
        ),
        "decision": decision,
        "submission": submission,
        "conditions": conditions,
        "results": results,
        "generated_at": report.requested_at,
    }


def pdf_document(report: Report) -> tuple[str, dict]:
    """The template and context a report row is rendered from: an accreditation report, or a
    certificate (the same workers, claim and heartbeat; another template)."""
    if report.kind == ReportKind.CERTIFICATE:
        from .certificates import certificate_pdf_context

        return "pdf/certificate.html", certificate_pdf_context(report)
    return "pdf/report.html", report_context(report)


# --- the reports pages ------------------------------------------------------------------------


def reports_for(application: Application, *, shared_only: bool = False) -> list[Report]:
    reports = Report.objects.filter(application=application, kind__in=REPORT_KINDS).defer("inputs")
    if shared_only:
        reports = reports.filter(status=ReportStatus.READY, shared_at__isnull=False)
    return list(reports.order_by("kind", "-number"))


def pending_publication(report_ids: list[int]) -> set[int]:
    """Which of these reports wait for the task queue itself (the outbox could not hand their
    render over: Redis is down), so the page can say so rather than look stuck. One query."""
    if not report_ids:
        return set()
    from qismet_portal.outbox.models import OutboxMessage, OutboxStatus

    waiting = OutboxMessage.objects.filter(
        task_name="accreditation.report_tasks.report_render", status=OutboxStatus.PENDING
    ).values_list("args", flat=True)
    wanted = set(report_ids)
    return {args[0] for args in waiting if args and args[0] in wanted}


def detail_panel(application: Application, user) -> dict:
    """The application page's reports part: for administrators, the way to the reports page
    once there is a decision; for the provider's members, the reports shared with them."""
    if not user.has_perm("accreditation.view_reports", application):
        return {}
    if application.status not in REPORTABLE_STATUSES:
        return {}  # no report is made before a decision (services.reports refuses it)
    if user.has_perm("accreditation.share_report", None):
        count = application.reports.filter(kind__in=REPORT_KINDS).count()
        return {"reports_panel": {"staff": True, "count": count}}
    shared = reports_for(application, shared_only=True)
    if not shared:
        return {}
    for report in shared:
        report.application = application
    return {"reports_panel": {"staff": False, "reports": shared}}
