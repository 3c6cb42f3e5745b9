"""Each role's home page: what they can do now, gathered from every app.

This page reads across the apps (standards, providers, accreditation), so it lives in the
project layer rather than in any one of them. One function per role.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.selectors import assessor_counts
from accreditation.models import AssessorProfile
from accreditation.selectors.applications import (
    application_list_for_user,
    application_status_counts,
)
from accreditation.selectors.scoring import assignments_for_assessor
from accreditation.selectors.screening import screening_counts
from providers.selectors import organisation_count, organisation_for_user
from standards.selectors import published_versions, standards_summary

#: Applications listed on a provider's home page; the rest are on the applications page.
HOME_APPLICATIONS = 5


def _administrator(request: HttpRequest) -> HttpResponse:
    context = {
        "summary": standards_summary(),
        "organisation_count": organisation_count(),
        **assessor_counts(),
        "application_counts": application_status_counts(),
        "screening": screening_counts(),
    }
    # An administrator who also assesses sees their own assignments too.
    if AssessorProfile.objects.filter(user=request.user).exists():
        context["has_assessor_profile"] = True
        context["assignments"] = assignments_for_assessor(request.user)
    return render(request, "accounts/home_administrator.html", context)


def _assessor(request: HttpRequest) -> HttpResponse:
    context = {
        "published_versions": published_versions(),
        "assignments": assignments_for_assessor(request.user),
    }
    return render(request, "accounts/home_assessor.html", context)


def _provider(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "published_versions": published_versions(),
        "organisation": organisation_for_user(user),
        "applications": application_list_for_user(user)[:HOME_APPLICATIONS],
        "can_start_application": user.has_perm("accreditation.start_application"),
    }
    return render(request, "accounts/home_provider.html", context)


HOMES = {Role.ADMINISTRATOR: _administrator, Role.ASSESSOR: _assessor, Role.PROVIDER: _provider}


def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page showing what it can do now."""
    if not request.user.is_authenticated:
        return render(request, "accounts/home_public.html")
    return HOMES[request.user.role](request)
