"""Assessor profiles and declared interests.

Administrators see and keep every profile, and can give themselves or a colleague the assessor
capability. Assessors see their own profile read-only and keep their own interests (an
interest is theirs to declare: they know it first).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.permissions import is_administrator
from accreditation.forms_screening import AssessorProfileForm, InterestEndForm, InterestForm
from accreditation.models import AssessorProfile, DeclaredInterest
from accreditation.selectors.screening import (
    assessor_profile_of,
    delivery_mode_labels,
    interest_in_window,
    profile_interests,
    profile_page_person,
    registered_organisations,
)
from accreditation.services import assignments as services
from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

VIEW = "accreditation.view_assessor_profile"
MANAGE = "accreditation.manage_assessor_profiles"
DECLARE = "accreditation.declare_interests"


def _interest_action(request: HttpRequest, profile, interest_form, end_form) -> bool:
    """Declare or end an interest of ``profile`` from a POST; True when done."""
    try:
        if "declare" in request.POST and interest_form.is_valid():
            data = interest_form.cleaned_data
            services.interest_declare(profile=profile, user=request.user, **data)
            messages.success(
                request, f"The interest in {data['organisation'].name} has been declared."
            )
            return True
        if "end" in request.POST and end_form.is_valid():
            interest = DeclaredInterest.objects.filter(
                pk=end_form.cleaned_data["interest"], profile=profile
            ).first()
            if interest is None:
                raise Http404("No such interest.")
            services.interest_end(
                interest=interest, user=request.user, ended_on=end_form.cleaned_data["ended_on"]
            )
            messages.success(
                request, f"The interest in {interest.organisation.name} is recorded as ended."
            )
            return True
    except DomainError as error:
        form = interest_form if "declare" in request.POST else end_form
        form.add_error(None, str(error))
    return False


def _interest_forms(request: HttpRequest):
    interest_form = InterestForm(
        request.POST if "declare" in request.POST else None,
        organisations=registered_organisations(),
    )
    end_form = InterestEndForm(request.POST if "end" in request.POST else None, prefix="end")
    return interest_form, end_form


def _interest_rows(profile):
    rows = profile_interests(profile)
    for interest in rows:
        interest.in_window = interest_in_window(interest)
    return rows


@login_required
def assessor_profile(request: HttpRequest, user_pk: int) -> HttpResponse:
    person = profile_page_person(user_pk)
    if person is None or not request.user.has_perm(VIEW, person):
        # Someone else's profile is not theirs to know of.
        if person is not None and is_administrator(request.user):
            raise PermissionDenied
        raise Http404("No such assessor.")
    can_manage = request.user.has_perm(MANAGE)
    try:
        profile = person.assessor_profile
    except AssessorProfile.DoesNotExist:
        profile = None
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    profile_form = None
    interest_form, end_form = _interest_forms(request)
    status = 200
    if request.method == "POST":
        if "grant" in request.POST:
            try:
                services.assessor_capability_grant(user=person, granted_by=request.user)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{person.full_name} can now be assigned as an assessor.")
            return redirect("accreditation:assessor_profile", user_pk=person.pk)
        if profile is None:
            raise Http404("No assessor profile yet.")
        if "save_profile" in request.POST:
            profile_form = AssessorProfileForm(request.POST, instance=profile)
            if profile_form.is_valid():
                try:
                    services.assessor_profile_update(
                        profile=profile, user=request.user, **profile_form.cleaned_data
                    )
                except DomainError as error:
                    profile_form.add_error(None, str(error))
                else:
                    messages.success(request, f"{person.full_name}'s profile has been saved.")
                    return redirect("accreditation:assessor_profile", user_pk=person.pk)
        elif _interest_action(request, profile, interest_form, end_form):
            return redirect("accreditation:assessor_profile", user_pk=person.pk)
        status = 400
    if profile is not None and can_manage and profile_form is None:
        profile_form = AssessorProfileForm(instance=profile)
    return render(
        request,
        "accreditation/assessor_profile.html",
        {
            "person": person,
            "profile": profile,
            "can_manage": can_manage,
            "is_own": person.pk == request.user.pk,
            "profile_form": profile_form,
            "interest_form": interest_form if can_manage else None,
            "end_form": end_form,
            "interests": _interest_rows(profile) if profile else [],
            "modes": delivery_mode_labels(profile.delivery_modes) if profile else [],
        },
        status=status,
    )


@permission_required(DECLARE)
def interests_mine(request: HttpRequest) -> HttpResponse:
    profile = assessor_profile_of(request.user)
    if profile is None:
        raise PermissionDenied
    interest_form, end_form = _interest_forms(request)
    status = 200
    if request.method == "POST":
        if _interest_action(request, profile, interest_form, end_form):
            return redirect("accreditation:interests_mine")
        status = 400
    return render(
        request,
        "accreditation/interests_mine.html",
        {
            "profile": profile,
            "interest_form": interest_form,
            "end_form": end_form,
            "interests": _interest_rows(profile),
        },
        status=status,
    )
