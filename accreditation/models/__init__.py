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
from .certificates import (
    Certificate,
    CertificateCounter,
    CertificateEvent,
    CertificateReminder,
    CertificateStatus,
)
from .changes import ApplicationChanges
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
from .reports import (
    REPORT_KINDS,
    CommentResponse,
    FactualAccuracyComment,
    Report,
    ReportKind,
    ReportSection,
    ReportStatus,
)
from .submissions import SubmissionRecord, SubmittedAnswer, SubmittedEvidence

__all__ = [
    "COI_WINDOW_YEARS",
    "EDITABLE_STATUSES",
    "LIVE_ASSIGNMENT",
    "NOT_APPLICABLE",
    "OPEN_STATUSES",
    "PROGRAMME_LOCKED_STATUSES",
    "REPORT_KINDS",
    "AgreedScore",
    "Appeal",
    "AppealStatus",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Application",
    "ApplicationChanges",
    "ApplicationEvent",
    "ApplicationStatus",
    "AssessorProfile",
    "Assignment",
    "AssignmentRole",
    "AssignmentStatus",
    "Certificate",
    "CertificateCounter",
    "CertificateEvent",
    "CertificateReminder",
    "CertificateStatus",
    "CommentResponse",
    "Condition",
    "ConditionStatus",
    "Decision",
    "DeclaredInterest",
    "EvidenceDocument",
    "EvidenceLink",
    "EvidenceRevision",
    "FactualAccuracyComment",
    "InformationRequest",
    "InformationRequestStatus",
    "InterestKind",
    "Outcome",
    "Recommendation",
    "Report",
    "ReportKind",
    "ReportSection",
    "ReportStatus",
    "Response",
    "Score",
    "SubmissionRecord",
    "SubmittedAnswer",
    "SubmittedEvidence",
    "evidence_upload_to",
]
