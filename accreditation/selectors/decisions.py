"""Reads for moderation, the decision and conditions.

Every read loads a fixed number of queries whatever the number of criteria or files: criteria
with their themes in one query, both assessors' scores in one, agreed scores in one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from accreditation.models import (
    NOT_APPLICABLE,
    AgreedScore,
    Application,
    ApplicationStatus,
    Condition,
    Decision,
    EvidenceDocument,
    Recommendation,
    Score,
    SubmittedAnswer,
)
from accreditation.permissions.decisions import both_assessors_completed
from accreditation.permissions.staff import _assignments
from accreditation.selectors.scoring import latest_answer
from qismet_portal.fragments import fingerprint
from qismet_portal.links import url_for_each
from standards.models import Criterion
from standards.outline import outline

from .results import theme_results


def level_labels(application: Application) -> dict[str, str]:
    labels = {level["code"]: level["label"] for level in application.version.scale}
    labels[NOT_APPLICABLE] = application.version.not_applicable_label
    return labels


def moderation_assignments(application: Application):
    """(lead, second): the accepted assignments, from the per-request cache."""
    accepted = [a for a in _assignments(application) if a.status == "accepted"]
    lead = next((a for a in accepted if a.role == "lead"), None)
    second = next((a for a in accepted if a.role == "second"), None)
    return lead, second


@dataclass
class ModerationRow:
    """One criterion of the moderation overview: the levels as codes (None: not scored or not
    agreed yet) and their labels."""

    criterion: Criterion
    lead_level: str | None
    second_level: str | None
    agreed_level: str | None
    lead_label: str = ""
    second_label: str = ""
    agreed_label: str = ""
    url: str = ""

    @property
    def agreed(self) -> bool:
        return self.agreed_level is not None

    @property
    def discrepancy(self) -> bool:
        return bool(self.lead_level and self.second_level and self.lead_level != self.second_level)


@dataclass
class ModerationThemeRows:
    number: int
    title: str
    rows: list[ModerationRow] = field(default_factory=list)


@dataclass
class ModerationOverview:
    themes: list[ModerationThemeRows]
    total: int
    agreed: int
    discrepancies: int

    @property
    def complete(self) -> bool:
        return self.agreed == self.total

    @property
    def digest(self) -> str:
        """A fingerprint of everything the per-theme tables show (``qismet_portal.fragments``);
        the template adds who is looking."""
        return fingerprint(
            [
                (
                    theme.number,
                    theme.title,
                    [
                        (
                            row.url,
                            row.criterion.code,
                            row.criterion.title,
                            row.criterion.mandatory,
                            row.discrepancy,
                            row.lead_label,
                            row.second_label,
                            row.agreed,
                            row.agreed_label,
                        )
                        for row in theme.rows
                    ],
                )
                for theme in self.themes
            ]
        )


def moderation_overview(application: Application) -> ModerationOverview:
    """Every criterion by theme with both assessors' levels and the agreed one.

    Callers have checked that both assessors completed (the scores are no longer blind)."""
    assert both_assessors_completed(application), "scores are blind until both complete"
    lead, second = moderation_assignments(application)
    labels = level_labels(application)
    # Levels only, as tuples: the overview shows nothing else of a score.
    levels = {
        (assignment_id, criterion_id): level
        for assignment_id, criterion_id, level in Score.objects.filter(
            assignment_id__in=[lead.pk, second.pk]
        )
        # Keyed, so unordered: the models' default order would join criteria and themes.
        .order_by()
        .values_list("assignment_id", "criterion_id", "level")
    }
    agreed = dict(
        AgreedScore.objects.filter(application=application)
        .order_by()
        .values_list("criterion_id", "level")
    )
    themes: dict[int, ModerationThemeRows] = {}
    total = agreed_count = discrepancies = 0
    criterion_url = url_for_each(
        "accreditation:moderation_criterion", application.pk, placeholder="criterion_pk"
    )
    for criterion in outline(application.version).criteria:
        theme = themes.setdefault(
            criterion.theme.number,
            ModerationThemeRows(criterion.theme.number, criterion.theme.title),
        )
        lead_level = levels.get((lead.pk, criterion.pk))
        second_level = levels.get((second.pk, criterion.pk))
        agreed_level = agreed.get(criterion.pk)
        row = ModerationRow(
            criterion=criterion,
            lead_level=lead_level,
            second_level=second_level,
            agreed_level=agreed_level,
            lead_label=labels.get(lead_level, "") if lead_level is not None else "",
            second_label=labels.get(second_level, "") if second_level is not None else "",
            agreed_label=labels.get(agreed_level, "") if agreed_level is not None else "",
            url=criterion_url(criterion.pk),
        )
        theme.rows.append(row)
        total += 1
        agreed_count += row.agreed
        discrepancies += row.discrepancy
    return ModerationOverview(
        themes=[themes[n] for n in sorted(themes)],
        total=total,
        agreed=agreed_count,
        discrepancies=discrepancies,
    )


@dataclass
class ModerationCriterion:
    criterion: Criterion
    lead: Score | None
    second: Score | None
    agreed: AgreedScore | None
    answer: SubmittedAnswer | None
    lead_label: str
    second_label: str
    previous: Criterion | None
    next: Criterion | None
    answer_label: str = ""

    @property
    def discrepancy(self) -> bool:
        return bool(self.lead and self.second and self.lead.level != self.second.level)


def moderation_criterion(application: Application, criterion_pk: int) -> ModerationCriterion:
    """One criterion for moderation: both scores, the latest submitted answer and its evidence,
    the agreed score if any, and the criteria before and after it (404 outside the version)."""
    assert both_assessors_completed(application), "scores are blind until both complete"
    criteria = outline(application.version)
    criterion = criteria.get(criterion_pk)
    if criterion is None:
        raise Http404("No such criterion in this application.")
    previous, following = criteria.neighbours(criterion_pk)
    lead, second = moderation_assignments(application)
    scores = {
        score.assignment_id: score
        for score in Score.objects.filter(
            assignment_id__in=[lead.pk, second.pk], criterion_id=criterion_pk
        ).order_by()  # keyed: the default order would join criteria and themes
    }
    _record, answer = latest_answer(application, criterion_pk, evidence_revisions=False)
    labels = level_labels(application)
    lead_score, second_score = scores.get(lead.pk), scores.get(second.pk)
    return ModerationCriterion(
        criterion=criterion,
        lead=lead_score,
        second=second_score,
        # One at most per criterion (a unique constraint): by primary key, not the default order,
        # which would join criteria and themes.
        agreed=AgreedScore.objects.filter(application=application, criterion_id=criterion_pk)
        .select_related("agreed_by")
        .order_by("pk")
        .first(),
        answer=answer,
        lead_label=labels.get(lead_score.level, "") if lead_score else "",
        second_label=labels.get(second_score.level, "") if second_score else "",
        previous=previous,
        next=following,
        answer_label=labels.get(answer.rating, answer.rating) if answer else "",
    )


def recommendation_of(application: Application) -> Recommendation | None:
    return (
        Recommendation.objects.filter(application=application).select_related("written_by").first()
    )


def decision_latest(application: Application) -> Decision | None:
    return (
        Decision.objects.filter(application=application)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )


def conditions_of(application: Application, decision: Decision | None = None) -> list[Condition]:
    queryset = Condition.objects.filter(application=application)
    if decision is not None:
        queryset = queryset.filter(decision=decision)
    return list(queryset.order_by("number"))


def condition_in(application: Application, condition_pk: int) -> Condition:
    """A condition of this application with its evidence files, or 404."""
    return get_object_or_404(
        Condition.objects.filter(application=application)
        .select_related("decision", "responded_by", "signed_off_by")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=EvidenceDocument.objects.select_related("current").order_by("pk"),
            )
        ),
        pk=condition_pk,
    )


def detail_panel(application, user) -> dict:
    """What the application page shows about moderation and the decision, for ``user``."""
    context: dict = {}
    status = application.status
    if status == ApplicationStatus.MODERATION:
        context["can_moderate"] = user.has_perm("accreditation.moderate", application)
    if status == ApplicationStatus.AWAITING_DECISION:
        context["can_decide"] = user.has_perm("accreditation.decide", application)
    can_results = user.has_perm("accreditation.view_results", application)
    context["can_view_results"] = can_results
    decision = decision_latest(application) if can_results else None
    if decision is not None:
        context["decision"] = decision
        context["decision_results"] = theme_results(application)
        if user.has_perm("accreditation.view_conditions", application):
            context["decision_conditions"] = conditions_of(application, decision)
    return context
