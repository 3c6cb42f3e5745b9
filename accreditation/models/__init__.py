"""The accreditation app's models, one module per part of the journey."""

from accreditation.lifecycle import ApplicationStatus

from .answers import (
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
    Response,
    evidence_upload_to,
)
from .applications import (
    EDITABLE_STATUSES,
    NOT_APPLICABLE,
    OPEN_STATUSES,
    PROGRAMME_LOCKED_STATUSES,
    Application,
    ApplicationEvent,
)
from .assessment import (
    COI_WINDOW_YEARS,
    LIVE_ASSIGNMENT,
    AssessorProfile,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    DeclaredInterest,
    InformationRequest,
    InformationRequestStatus,
    InterestKind,
    Score,
)
from .base import AppendOnlyModel, AppendOnlyQuerySet
from .decisions import (
    AgreedScore,
    Appeal,
    AppealStatus,
    Condition,
    ConditionStatus,
    Decision,
    Outcome,
    Recommendation,
)
from .reports import Report, ReportKind, ReportStatus
from .submissions import SubmissionRecord, SubmittedAnswer, SubmittedEvidence

__all__ = [
    "COI_WINDOW_YEARS",
    "EDITABLE_STATUSES",
    "LIVE_ASSIGNMENT",
    "NOT_APPLICABLE",
    "OPEN_STATUSES",
    "PROGRAMME_LOCKED_STATUSES",
    "AgreedScore",
    "Appeal",
    "AppealStatus",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "AssessorProfile",
    "Assignment",
    "AssignmentRole",
    "AssignmentStatus",
    "Condition",
    "ConditionStatus",
    "Decision",
    "DeclaredInterest",
    "EvidenceDocument",
    "EvidenceLink",
    "EvidenceRevision",
    "InformationRequest",
    "InformationRequestStatus",
    "InterestKind",
    "Outcome",
    "Recommendation",
    "Report",
    "ReportKind",
    "ReportStatus",
    "Response",
    "Score",
    "SubmissionRecord",
    "SubmittedAnswer",
    "SubmittedEvidence",
    "evidence_upload_to",
]
