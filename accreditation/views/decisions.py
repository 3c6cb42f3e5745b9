"""Moderation, results, the decision and conditions.

Thin views: the application through ``application_for_user`` (404 outside reach), a rule
(403), a form, one service. The decision page tells an administrator who assessed the
application why they cannot decide it; the service refuses them too.

The condition page takes file uploads: the streaming upload handler is installed before the body
is read, so the view is ``csrf_exempt`` and hands over to ``csrf_protect`` inner views after the
permission check (the order Django's documentation gives for per-view upload handlers).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.permissions import is_administrator
from accreditation.forms_decisions import (
    AgreedScoreForm,
    ConditionFormSet,
    ConditionResponseForm,
    ConditionReviewForm,
    DecisionForm,
    RecommendationForm,
    default_deadline,
)
from accreditation.kept_pages import kept_page
from accreditation.models import Application, ApplicationStatus, ConditionStatus, Outcome
from accreditation.permissions.staff import was_assessor
from accreditation.selectors import decisions as selectors
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.results import outcome_suggested, theme_results
from accreditation.services import decisions as services
from accreditation.services import moderation
from accreditation.services.evidence import EvidenceRefused
from accreditation.uploads import EvidenceUploadHandler
from qismet_portal.exceptions import DomainError

MODERATE = "accreditation.moderate"
RESULTS = "accreditation.view_results"
DECIDE = "accreditation.decide"
CONDITIONS = "accreditation.view_conditions"
RESPOND = "accreditation.respond_to_condition"
SIGN_OFF = "accreditation.sign_off_condition"


def _application(request: HttpRequest, pk: int, perm: str) -> Application:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(perm, application):
        raise PermissionDenied
    return application


def _signed_in(view):
    """Anonymous people sign in first (without reading the request body)."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- moderation -------------------------------------------------------------------------------


@_signed_in
@kept_page
def moderation_overview(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, MODERATE)
    return render(
        request,
        "accreditation/moderation_overview.html",
        {
            "application": application,
            "overview": selectors.moderation_overview(application),
            "recommendation": selectors.recommendation_of(application),
        },
    )


@_signed_in
@kept_page
def moderation_criterion(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    application = _application(request, pk, MODERATE)
    page = selectors.moderation_criterion(application, criterion_pk)
    initial: dict = {"revision": page.agreed.revision if page.agreed else 0}
    if page.agreed:
        initial.update(
            level=page.agreed.level,
            rationale=page.agreed.rationale,
            strengths=page.agreed.strengths,
            improvements=page.agreed.improvements,
        )
    elif page.lead and page.second and page.lead.level == page.second.level:
        # Both agree: start from their words, the lead's first.
        def both(field: str) -> str:
            texts = [getattr(page.lead, field).strip(), getattr(page.second, field).strip()]
            return "\n\n".join(dict.fromkeys(text for text in texts if text))

        initial.update(
            level=page.lead.level,
            rationale=both("rationale"),
            strengths=both("strengths"),
            improvements=both("improvements"),
        )
    form = AgreedScoreForm(
        request.POST or None,
        initial=initial,
        scale=application.version.scale,
        na_label=application.version.not_applicable_label,
        na_allowed=page.criterion.na_allowed,
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moderation.agreed_score_save(
                application=application,
                criterion=page.criterion,
                user=request.user,
                level=data["level"],
                rationale=data["rationale"],
                strengths=data["strengths"],
                improvements=data["improvements"],
                revision=data["revision"],
            )
        except moderation.AgreedScoreConflict as error:
            conflict = error.current
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Agreed score of criterion {page.criterion.code} saved.")
            if page.next is not None:
                return redirect(
                    "accreditation:moderation_criterion",
                    pk=application.pk,
                    criterion_pk=page.next.pk,
                )
            return redirect("accreditation:moderation_overview", pk=application.pk)
    return render(
        request,
        "accreditation/moderation_criterion.html",
        {
            "application": application,
            "page": page,
            "form": form,
            "conflict": conflict,
            "conflict_label": (
                moderation.level_label(application, conflict.level) if conflict else ""
            ),
        },
    )


@_signed_in
def recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, MODERATE)
    existing = selectors.recommendation_of(application)
    results = theme_results(application)
    suggested = outcome_suggested(application, results) if results.complete else None
    initial = (
        {
            "outcome": existing.outcome,
            "summary": existing.summary,
            "proposed_conditions": existing.proposed_conditions,
        }
        if existing
        else {"outcome": suggested}
    )
    form = RecommendationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        send = "send" in request.POST
        try:
            moderation.recommendation_save(
                application=application,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                summary=form.cleaned_data["summary"],
                proposed_conditions=form.cleaned_data["proposed_conditions"],
                submit=send,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if send:
                messages.success(
                    request,
                    f"Recommendation sent. Application {application.reference} is waiting for "
                    "a decision by an administrator who did not assess it.",
                )
                return redirect("accreditation:application_detail", pk=application.pk)
            messages.success(request, "Recommendation saved as a draft.")
            return redirect("accreditation:recommendation", pk=application.pk)
    return render(
        request,
        "accreditation/recommendation.html",
        {
            "application": application,
            "form": form,
            "results": results,
            "suggested": Outcome(suggested).label if suggested else "",
        },
    )


# --- results and the decision -----------------------------------------------------------------


@_signed_in
def results(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, RESULTS)
    return render(
        request,
        "accreditation/results.html",
        {"application": application, "results": theme_results(application)},
    )


def _conditions_initial(recommendation) -> list[dict]:
    lines = [
        line.strip(" -•*\t")
        for line in (recommendation.proposed_conditions if recommendation else "").splitlines()
    ]
    deadline = default_deadline()
    return [{"description": line, "due_on": deadline} for line in lines if line]


@_signed_in
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if not is_administrator(request.user):
        raise PermissionDenied
    if was_assessor(request.user, application):
        return render(
            request,
            "accreditation/decision_refused.html",
            {
                "application": application,
                "reason": services.decision_refusal(request.user, application),
            },
            status=403,
        )
    if application.status != ApplicationStatus.AWAITING_DECISION:
        messages.info(
            request,
            f"Application {application.reference} is "
            f"“{application.get_status_display().lower()}”: there is no decision to make now.",
        )
        return redirect("accreditation:application_detail", pk=application.pk)
    recommendation = selectors.recommendation_of(application)
    results_ = theme_results(application)
    suggested = outcome_suggested(application, results_)
    form = DecisionForm(
        request.POST or None,
        initial={"outcome": suggested},
        suggested=suggested,
    )
    formset = ConditionFormSet(
        request.POST or None, prefix="conditions", initial=_conditions_initial(recommendation)
    )
    if request.method == "POST":
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            conditions = [
                services.ConditionInput(row["description"], row["due_on"])
                for row in formset.filled()
            ]
            try:
                services.decision_make(
                    application=application,
                    user=request.user,
                    outcome=form.cleaned_data["outcome"],
                    reasons=form.cleaned_data["reasons"],
                    override_reason=form.cleaned_data["override_reason"],
                    conditions=conditions,
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"Decision recorded: {Outcome(form.cleaned_data['outcome']).label}. The "
                    "provider and the assessors have been told.",
                )
                return redirect("accreditation:application_detail", pk=application.pk)
    return render(
        request,
        "accreditation/decision.html",
        {
            "application": application,
            "form": form,
            "formset": formset,
            "recommendation": recommendation,
            "results": results_,
            "suggested": suggested,
            "suggested_label": Outcome(suggested).label,
            "rule": application.version.outcome_rule,
        },
    )


# --- conditions -------------------------------------------------------------------------------


def _condition_page(request, application, condition, *, response_form=None, review_form=None):
    user = request.user
    can_respond = user.has_perm(RESPOND, application) and condition.status == ConditionStatus.OPEN
    can_review = (
        user.has_perm(SIGN_OFF, application) and condition.status == ConditionStatus.EVIDENCE_SENT
    )
    status = 200
    for form in (response_form, review_form):
        if form is not None and form.errors:
            status = 400
    return render(
        request,
        "accreditation/condition_detail.html",
        {
            "application": application,
            "condition": condition,
            "can_respond": can_respond,
            "can_review": can_review,
            "response_form": response_form or (ConditionResponseForm() if can_respond else None),
            "review_form": review_form or (ConditionReviewForm() if can_review else None),
        },
        status=status,
    )


@csrf_exempt
@_signed_in
def condition_detail(request: HttpRequest, pk: int, condition_pk: int) -> HttpResponse:
    application = _application(request, pk, CONDITIONS)
    condition = selectors.condition_in(application, condition_pk)
    if request.method in {"GET", "HEAD"}:
        return _condition_page(request, application, condition)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.user.has_perm(RESPOND, application):
        handler = EvidenceUploadHandler(request)
        request.upload_handlers = [handler]  # before anything reads the body
        return _condition_respond(request, application, condition, handler)
    if request.user.has_perm(SIGN_OFF, application):
        return _condition_review(request, application, condition)
    raise PermissionDenied


@csrf_protect
def _condition_respond(request, application, condition, handler) -> HttpResponse:
    form = ConditionResponseForm(request.POST)
    if form.is_valid():
        try:
            services.condition_evidence_add(
                condition=condition,
                user=request.user,
                response=form.cleaned_data["response"],
                files=request.FILES.getlist("files"),
                refusals=[str(refusal) for refusal in handler.refusals],
            )
        except EvidenceRefused as refused:
            for problem in refused.problems:
                form.add_error(None, problem)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Evidence sent for condition {condition.number}. QISMET will sign it off or "
                "tell you what else is needed.",
            )
            return redirect(
                "accreditation:condition_detail", pk=application.pk, condition_pk=condition.pk
            )
    return _condition_page(request, application, condition, response_form=form)


@csrf_protect
def _condition_review(request, application, condition) -> HttpResponse:
    form = ConditionReviewForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if "send_back" in request.POST:
                services.condition_reopen(condition=condition, user=request.user, note=note)
                notice = f"Condition {condition.number} sent back to the provider."
            else:
                services.condition_sign_off(condition=condition, user=request.user, note=note)
                notice = f"Condition {condition.number} signed off."
        except DomainError as error:
            form.add_error("note" if "send_back" in request.POST else None, str(error))
        else:
            messages.success(request, notice)
            return redirect(
                "accreditation:condition_detail", pk=application.pk, condition_pk=condition.pk
            )
    return _condition_page(request, application, condition, review_form=form)
