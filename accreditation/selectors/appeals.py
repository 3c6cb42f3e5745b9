"""Reads for appeals: the window to appeal a decision, who may hear an appeal, and what the
application page and the appeal page show.

Independence is decided here once and used twice: the reviewer form offers only the people
``appeal_reviewer_candidates`` returns, and ``appeal_reviewers_assign`` refuses anyone for whom
``reviewer_refusals`` gives a reason, so the form and the rule cannot drift apart.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accreditation.lifecycle import DECIDED, TRANSITIONS, ApplicationStatus
from accreditation.models import Appeal, AppealStatus, Application, Assignment, Decision
from providers.models import Membership

#: Appeals still being heard.
OPEN_APPEAL = (AppealStatus.LODGED, AppealStatus.UNDER_REVIEW)


def appeal_last_day(decision: Decision) -> datetime.date:
    """The last day ``decision`` may be appealed: the day it was made (UK time) plus
    ``APPEAL_WINDOW_DAYS``. Whole days, so "28 days" means the same to everyone whatever the
    hour the decision was recorded."""
    decided_on = timezone.localdate(decision.decided_at)
    return decided_on + datetime.timedelta(days=settings.APPEAL_WINDOW_DAYS)


def latest_decision(application: Application) -> Decision | None:
    """The decision in force: the newest, first or on appeal (one query)."""
    return (
        Decision.objects.filter(application_id=application.pk)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )


def appeal_refusal(
    application: Application, decision: Decision | None, appealed_ids: set[int]
) -> str | None:
    """Why the provider cannot appeal ``application`` today, or None when it can.

    ``appealed_ids`` are the decisions already appealed. A decision is appealed once, and a
    decision on appeal is final: the appeal was the provider's chance to be heard again.
    """
    if application.status not in TRANSITIONS["lodge_appeal"].sources:
        return (
            f"Application {application.reference} is “{application.get_status_display().lower()}”"
            ": only a decision of “accredited with conditions” or “not accredited” can be "
            "appealed."
        )
    if decision is None:
        return f"Application {application.reference} has no decision to appeal."
    decided_on = timezone.localdate(decision.decided_at).strftime("%-d %B %Y")
    if decision.kind == Decision.Kind.APPEAL:
        return f"The decision of {decided_on} was made on appeal and is final."
    if decision.pk in appealed_ids:
        return f"The decision of {decided_on} has already been appealed."
    last_day = appeal_last_day(decision)
    if timezone.localdate() > last_day:
        return (
            f"The decision of {decided_on} could be appealed until {last_day:%-d %B %Y}. That "
            "period has ended."
        )
    return None


# --- who may hear an appeal -----------------------------------------------------------------


def _involved(application: Application) -> Q:
    """People with a part in ``application``: anyone who ever accepted an assignment on it,
    anyone who made one of its decisions, and anyone who is or was a member of its provider."""
    assessed = Assignment.objects.filter(
        application_id=application.pk, assessor=OuterRef("pk"), declared_at__isnull=False
    )
    decided = Decision.objects.filter(application_id=application.pk, decided_by=OuterRef("pk"))
    member = Membership.objects.filter(
        organisation_id=application.programme.organisation_id, user=OuterRef("pk")
    )
    return Q(Exists(assessed)) | Q(Exists(decided)) | Q(Exists(member))


def _can_review() -> Q:
    """Administrators, and anyone with an assessor profile, with an active account."""
    return Q(is_active=True) & (Q(role=Role.ADMINISTRATOR) | Q(assessor_profile__isnull=False))


def appeal_reviewer_candidates(application: Application) -> QuerySet[User]:
    """Everyone who may hear an appeal on ``application`` (one query)."""
    return (
        User.objects.filter(_can_review())
        .exclude(_involved(application))
        .only("pk", "full_name", "email", "role")
        .order_by("full_name", "pk")
    )


def reviewer_refusals(application: Application, people: list[User]) -> dict[int, str]:
    """For each of ``people`` who may not hear an appeal on ``application``, why (by user id).

    Three queries whatever the number of people."""
    ids = [person.pk for person in people]
    assessed = set(
        Assignment.objects.filter(
            application_id=application.pk, assessor_id__in=ids, declared_at__isnull=False
        ).values_list("assessor_id", flat=True)
    )
    decided = set(
        Decision.objects.filter(application_id=application.pk, decided_by_id__in=ids).values_list(
            "decided_by_id", flat=True
        )
    )
    members = set(
        Membership.objects.filter(
            organisation_id=application.programme.organisation_id, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    capable = set(User.objects.filter(_can_review(), pk__in=ids).values_list("pk", flat=True))
    organisation = application.programme.organisation.name
    refusals = {}
    for person in people:
        name = person.full_name or person.email
        if person.pk in assessed:
            refusals[person.pk] = f"{name} assessed application {application.reference}."
        elif person.pk in decided:
            refusals[person.pk] = f"{name} made a decision on application {application.reference}."
        elif person.pk in members:
            refusals[person.pk] = f"{name} is or was a member of {organisation}."
        elif person.pk not in capable:
            refusals[person.pk] = (
                f"{name} cannot hear appeals: only administrators and assessors with an active "
                "account can."
            )
    return refusals


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealPanel:
    """What the application page says about appeals."""

    decision: Decision | None
    last_day: datetime.date | None
    refusal: str | None
    appeals: list[Appeal]
    can_lodge: bool

    @property
    def open_appeal(self) -> Appeal | None:
        return next((a for a in self.appeals if a.status in OPEN_APPEAL), None)


#: Statuses in which the application page has something to say about appeals.
_PANEL_STATUSES = (*DECIDED, ApplicationStatus.APPEAL)


def detail_panel(application, user) -> dict:
    """What the application page shows about appeals, for ``user`` (merged into its context):
    whether the decision can be appealed and until when, or the state of each appeal (two
    queries, none before a decision)."""
    if application.status not in _PANEL_STATUSES:
        return {}
    decision = latest_decision(application)
    if decision is None:
        return {}
    appeals = list(
        Appeal.objects.filter(application_id=application.pk)
        .select_related("decision", "outcome_decision")
        .order_by("-lodged_at", "-pk")
    )
    if not appeals and application.status == ApplicationStatus.ACCREDITED:
        return {}  # nothing to appeal, and nothing was
    refusal = appeal_refusal(application, decision, {a.decision_id for a in appeals})
    for appeal in appeals:
        appeal.viewable = user.has_perm("accreditation.view_appeal", appeal)
    return {
        "appeal_panel": AppealPanel(
            decision=decision,
            last_day=appeal_last_day(decision) if decision.kind == Decision.Kind.FIRST else None,
            refusal=refusal,
            appeals=appeals,
            can_lodge=refusal is None and user.has_perm("accreditation.lodge_appeal", application),
        )
    }


def appeal_for_application(application: Application, appeal_pk: int) -> Appeal:
    """One appeal of ``application`` with what its page shows (one query; 404 otherwise)."""
    from django.shortcuts import get_object_or_404

    appeal = get_object_or_404(
        Appeal.objects.select_related(
            "decision__decided_by", "lodged_by", "outcome_decision", "decided_by"
        ),
        application_id=application.pk,
        pk=appeal_pk,
    )
    appeal.application = application  # already loaded, with its programme and organisation
    return appeal


def appeal_reviewers(appeal: Appeal) -> list[User]:
    """The appeal's reviewers, by name (one query)."""
    return list(appeal.reviewers.only("pk", "full_name", "email", "role").order_by("full_name"))
