"""Applications for accreditation and their history.

One application = one programme of one provider, pinned for life to the standard version it was
started against. Its statuses and transitions are declared in ``accreditation.lifecycle``; the
django-fsm-2 methods below take their sources and targets from that declaration and are invoked
only by ``accreditation.services.transitions``, which records each change.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from accreditation.lifecycle import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    PROGRAMME_LOCKED_STATUSES,
    STATUS_INFO,
    TRANSITIONS,
    ApplicationStatus,
)
from qismet_portal.models import TimeStampedModel

from .base import AppendOnlyModel

NOT_APPLICABLE = "na"

__all__ = [
    "EDITABLE_STATUSES",
    "NOT_APPLICABLE",
    "OPEN_STATUSES",
    "PROGRAMME_LOCKED_STATUSES",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
]


def _declared(name: str) -> dict:
    """The django-fsm arguments of the transition ``name``, from the lifecycle declaration."""
    entry = TRANSITIONS[name]
    target = entry.target if entry.target is not None else RETURN_VALUE(*entry.targets)
    return {"source": list(entry.sources), "target": target}


def _chosen(outcome: str, name: str) -> str:
    if outcome not in TRANSITIONS[name].targets:
        raise ValueError(f"{outcome!r} is not an outcome of {name!r}")
    return outcome


class Application(FSMModelMixin, TimeStampedModel):
    reference = models.CharField(max_length=20, unique=True)
    programme = models.ForeignKey(
        "providers.Programme", on_delete=models.PROTECT, related_name="applications"
    )
    version = models.ForeignKey(
        "standards.StandardVersion", on_delete=models.PROTECT, related_name="applications"
    )
    status = FSMField(
        default=ApplicationStatus.DRAFT, choices=ApplicationStatus.choices, protected=True
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The declaration of the latest submission, as signed: who, in what role, when, and the
    # exact words they agreed to. Every submission's own is kept in its SubmissionRecord.
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declaration_name = models.CharField(max_length=150, blank=True)
    declaration_role = models.CharField(max_length=150, blank=True)
    declaration_text = models.TextField(blank=True)
    declaration_signed_at = models.DateTimeField(null=True, blank=True)
    # When the status last changed: queues sort and age by it.
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # A renewal: the accredited application whose answers and evidence it started from.
    renewal_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(status__in=OPEN_STATUSES),
                name="accreditation_one_open_application_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.DRAFT)
                | Q(status=ApplicationStatus.WITHDRAWN, submitted_at__isnull=True)
                | Q(submitted_at__isnull=False, declaration_signed_at__isnull=False),
                name="accreditation_submitted_has_declaration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.programme}"

    @property
    def is_editable(self) -> bool:
        """Every answer may change (draft, or returned to the provider)."""
        return self.status in EDITABLE_STATUSES

    @property
    def status_info(self):
        return STATUS_INFO[self.status]

    # Transitions: sources and targets come from accreditation.lifecycle. Side effects live in
    # the services; these only move the status.
    @transition(field=status, **_declared("submit"))
    def submit(self) -> None:
        """Lock the self-assessment and hand it to QISMET."""

    @transition(field=status, **_declared("accept"))
    def accept(self) -> None:
        """Screening found it complete: it goes to assessment."""

    @transition(field=status, **_declared("return_to_provider"))
    def return_to_provider(self) -> None:
        """Screening found something missing: the provider may change it and submit again."""

    @transition(field=status, **_declared("request_information"))
    def request_information(self) -> None:
        """Named criteria re-open for the provider."""

    @transition(field=status, **_declared("respond"))
    def respond(self) -> None:
        """The provider answered the request and submitted again."""

    @transition(field=status, **_declared("cancel_information_request"))
    def cancel_information_request(self) -> None:
        """The request for more information was withdrawn unanswered: assessment goes on with
        the submission the assessors have."""

    @transition(field=status, **_declared("begin_moderation"))
    def begin_moderation(self) -> None:
        """Both assessors finished scoring."""

    @transition(field=status, **_declared("recommend"))
    def recommend(self) -> None:
        """The lead assessor agreed the scores and recommended an outcome."""

    @transition(field=status, **_declared("decide"))
    def decide(self, outcome: str) -> str:
        """An administrator decided: ``outcome`` is one of the decided statuses."""
        return _chosen(outcome, "decide")

    @transition(field=status, **_declared("conditions_met"))
    def conditions_met(self) -> None:
        """Every condition was signed off."""

    @transition(field=status, **_declared("lodge_appeal"))
    def lodge_appeal(self) -> None:
        """The provider appealed the decision within the window."""

    @transition(field=status, **_declared("decide_appeal"))
    def decide_appeal(self, outcome: str) -> str:
        """The appeal was decided: dismissed (the outcome stands) or upheld (a new outcome)."""
        return _chosen(outcome, "decide_appeal")

    @transition(field=status, **_declared("withdraw"))
    def withdraw(self) -> None:
        """The provider stops the application before the assessors finish."""


class ApplicationEvent(AppendOnlyModel):
    """The application's history: every status change and every change to its evidence.
    Append-only: a line, once written, is never changed or deleted."""

    class Kind(models.TextChoices):
        STARTED = "started", "Application started"
        RENEWAL_STARTED = "renewal_started", "Renewal started from the last accreditation"
        STATUS = "status", "Status changed"
        EVIDENCE_UPLOADED = "evidence_uploaded", "Evidence uploaded"
        EVIDENCE_REPLACED = "evidence_replaced", "Evidence file replaced"
        EVIDENCE_LINKED = "evidence_linked", "Evidence linked to a criterion"
        EVIDENCE_UNLINKED = "evidence_unlinked", "Evidence removed from a criterion"
        ANSWER_CHANGED = "answer_changed", "Answer changed"
        SUBMISSION_RECORDED = "submission_recorded", "Submission recorded"
        ASSESSOR_ASSIGNED = "assessor_assigned", "Assessor assigned"
        ASSIGNMENT_ACCEPTED = "assignment_accepted", "Assignment accepted"
        ASSIGNMENT_DECLINED = "assignment_declined", "Assignment declined"
        ASSESSOR_REMOVED = "assessor_removed", "Assessor replaced"
        SCORING_COMPLETED = "scoring_completed", "Scoring completed"
        INFORMATION_REQUESTED = "information_requested", "More information requested"
        INFORMATION_OVERDUE = "information_overdue", "Information request overdue"
        SCORE_AGREED = "score_agreed", "Score agreed"
        RECOMMENDATION_MADE = "recommendation_made", "Recommendation made"
        DECISION_MADE = "decision_made", "Decision made"
        CONDITION_EVIDENCE_SENT = "condition_evidence_sent", "Evidence sent for a condition"
        CONDITION_SIGNED_OFF = "condition_signed_off", "Condition signed off"
        CONDITION_SENT_BACK = "condition_sent_back", "Condition sent back to the provider"
        CONDITION_OVERDUE = "condition_overdue", "Condition overdue"
        APPEAL_LODGED = "appeal_lodged", "Appeal lodged"
        APPEAL_REVIEWERS_ASSIGNED = "appeal_reviewers_assigned", "Appeal reviewers assigned"
        APPEAL_DECIDED = "appeal_decided", "Appeal decided"
        REPORT_REQUESTED = "report_requested", "Report requested"
        REPORT_SHARED = "report_shared", "Report shared with the provider"
        REPORT_COMMENTED = "report_commented", "Comment on the draft report"
        REPORT_COMMENTS_CLOSED = "report_comments_closed", "Factual-accuracy check finished"
        REPORT_COMMENT_ANSWERED = "report_comment_answered", "Comment on the draft report answered"
        CERTIFICATE_ISSUED = "certificate_issued", "Certificate issued"
        CERTIFICATE_SUSPENDED = "certificate_suspended", "Certificate suspended"
        CERTIFICATE_REINSTATED = "certificate_reinstated", "Certificate reinstated"
        CERTIFICATE_WITHDRAWN = "certificate_withdrawn", "Certificate withdrawn"
        CERTIFICATE_EXPIRED = "certificate_expired", "Certificate expired"
        CERTIFICATE_SUPERSEDED = "certificate_superseded", "Certificate superseded"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=30, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=ApplicationStatus.choices, blank=True)
    reason = models.TextField(blank=True)
    criterion = models.ForeignKey(
        "standards.Criterion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "EvidenceDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "history line"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d %b %Y %H:%M})"
