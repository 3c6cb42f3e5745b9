"""Appeals: lodging one (the provider), and the appeal's page (administrators assign reviewers,
a reviewer records the outcome, the provider follows it).

Thin views: the application through ``applications_for_user`` (404 outside reach), the appeal
within it (404), the rule (403), the form, one service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.permissions import is_provider_user
from accreditation.appeal_forms import AppealDecideForm, AppealLodgeForm, AppealReviewersForm
from accreditation.models import AppealStatus
from accreditation.selectors.appeals import (
    OPEN_APPEAL,
    appeal_for_application,
    appeal_last_day,
    appeal_refusal,
    appeal_reviewer_candidates,
    appeal_reviewers,
    latest_decision,
)
from accreditation.selectors.applications import application_for_user
from accreditation.services import appeals as services
from qismet_portal.exceptions import DomainError

LODGE = "accreditation.lodge_appeal"
VIEW = "accreditation.view_appeal"
ASSIGN = "accreditation.assign_appeal_reviewers"
DECIDE = "accreditation.decide_appeal"


@login_required
def appeal_lodge(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(LODGE, application):
        raise PermissionDenied
    decision = latest_decision(application)
    appealed = set(application.appeals.values_list("decision_id", flat=True))
    refusal = appeal_refusal(application, decision, appealed)
    form = AppealLodgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_lodge(
                application=application, user=request.user, grounds=form.cleaned_data["grounds"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Your appeal against the decision on application {application.reference} has "
                "been lodged. QISMET will choose reviewers who had no part in the assessment or "
                "the decision.",
            )
            return redirect("accreditation:appeal_detail", pk=application.pk, appeal_pk=appeal.pk)
    return render(
        request,
        "accreditation/appeal_lodge.html",
        {
            "application": application,
            "decision": decision,
            "last_day": appeal_last_day(decision) if decision else None,
            "refusal": refusal,
            "form": form,
        },
    )


@login_required
def appeal_detail(request: HttpRequest, pk: int, appeal_pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    appeal = appeal_for_application(application, appeal_pk)
    user = request.user
    if not user.has_perm(VIEW, appeal):
        raise PermissionDenied
    can_assign = appeal.status in OPEN_APPEAL and user.has_perm(ASSIGN, appeal)
    can_decide = appeal.status == AppealStatus.UNDER_REVIEW and user.has_perm(DECIDE, appeal)
    reviewers = appeal_reviewers(appeal)
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and not (
        (action == "reviewers" and can_assign) or (action == "decide" and can_decide)
    ):
        raise PermissionDenied
    reviewers_form = (
        AppealReviewersForm(
            request.POST if action == "reviewers" else None,
            candidates=appeal_reviewer_candidates(application),
            initial={"reviewers": [r.pk for r in reviewers]},
        )
        if can_assign
        else None
    )
    decide_form = (
        AppealDecideForm(
            request.POST if action == "decide" else None,
            appealed_outcome=appeal.decision.outcome,
        )
        if can_decide
        else None
    )
    if action == "reviewers" and reviewers_form.is_valid():
        try:
            services.appeal_reviewers_assign(
                appeal=appeal, reviewers=reviewers_form.cleaned_data["reviewers"], user=user
            )
        except DomainError as error:
            reviewers_form.add_error(None, str(error))
        else:
            messages.success(request, "The reviewers have been assigned and told by email.")
            return redirect(request.path)
    if action == "decide" and decide_form.is_valid():
        data = decide_form.cleaned_data
        try:
            services.appeal_decide(
                appeal=appeal,
                user=user,
                upheld=data["result"] == "upheld",
                outcome=data["outcome"],
                reasons=data["reasons"],
            )
        except DomainError as error:
            decide_form.add_error(None, str(error))
        else:
            messages.success(
                request, "The outcome of the appeal is recorded; the provider has been told."
            )
            return redirect(request.path)
    return render(
        request,
        "accreditation/appeal_detail.html",
        {
            "application": application,
            "appeal": appeal,
            "reviewers": reviewers,
            "show_reviewers": not is_provider_user(user),
            "reviewers_form": reviewers_form,
            "decide_form": decide_form,
            "can_assign": can_assign,
            "can_decide": can_decide,
        },
    )
