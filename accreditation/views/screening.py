"""Screening, assignment and the assessor's answer to an offer.

Thin views: administrators reach applications through ``applications_for_user``; an offer is
found only among the signed-in person's own assignments (anyone else gets 404, whatever the
ID). Each POST calls one service and redirects, or re-renders with the error summary.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import User
from accreditation.forms_screening import (
    AcceptForm,
    AssignForm,
    DeclineForm,
    RemoveForm,
    ReturnForm,
)
from accreditation.models import ApplicationStatus, AssignmentRole, AssignmentStatus
from accreditation.selectors.applications import application_for_user
from accreditation.selectors.screening import (
    ASSIGNABLE_STATUSES,
    Queue,
    application_completeness,
    assignment_for_assessor,
    assignment_page,
    delivery_mode_labels,
    queue_rows,
    screening_returns,
)
from accreditation.selectors.screening import (
    screening_queue as screening_queue_read,
)
from accreditation.services import assignments as assignment_services
from accreditation.services import screening as screening_services
from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required
from qismet_portal.working_days import add_working_days

SCREEN = "accreditation.screen_applications"
ASSIGN = "accreditation.assign_assessors"
QUEUE_PAGE_SIZE = 25
DUE_WORKING_DAYS = 20


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@permission_required(SCREEN)
def screening_queue(request: HttpRequest) -> HttpResponse:
    queue = screening_queue_read(
        queue=request.GET.get("queue", Queue.ALL),
        region=request.GET.get("region", ""),
        version_id=_int_or_none(request.GET.get("version")),
    )
    page = Paginator(queue.applications, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accreditation/screening_queue.html",
        {"queue": queue, "page": page, "rows": queue_rows(page.object_list)},
    )


def _administered(request: HttpRequest, pk: int, perm: str):
    application = application_for_user(request.user, pk)
    if not request.user.has_perm(perm, application):
        raise PermissionDenied
    return application


@login_required
def application_screen(request: HttpRequest, pk: int) -> HttpResponse:
    application = _administered(request, pk, SCREEN)
    return_form = ReturnForm(request.POST if "return" in request.POST else None)
    if request.method == "POST":
        try:
            if "accept" in request.POST:
                screening_services.application_accept(application=application, user=request.user)
                messages.success(
                    request,
                    f"Application {application.reference} was accepted for assessment. Now "
                    "choose its assessors.",
                )
                return redirect("accreditation:assignment_manage", pk=application.pk)
            if return_form.is_valid():
                screening_services.application_return(
                    application=application,
                    user=request.user,
                    reasons=return_form.cleaned_data["reasons"],
                )
                messages.success(
                    request,
                    f"Application {application.reference} was returned to the provider. Its "
                    "leads and signatories have been emailed the reasons.",
                )
                return redirect("accreditation:screening_queue")
        except DomainError as error:
            if "return" in request.POST:
                return_form.add_error(None, str(error))
            else:
                messages.error(request, str(error))
                return redirect("accreditation:application_screen", pk=application.pk)
    return render(
        request,
        "accreditation/application_screen.html",
        {
            "application": application,
            "summary": application_completeness(application),
            "returns": screening_returns(application),
            "return_form": return_form,
            "can_decide": application.status == ApplicationStatus.SUBMITTED,
        },
        status=400 if return_form.is_bound and return_form.errors else 200,
    )


def _assign_form(request: HttpRequest, page, data=None) -> AssignForm | None:
    free = [(role, label) for role, label in AssignmentRole.choices if role not in page.live]
    if not free:
        return None
    people = User.objects.filter(pk__in=[c.user.pk for c in page.candidates]).order_by(
        "full_name", "pk"
    )
    return AssignForm(
        data,
        people=people,
        free_roles=free,
        initial={"due_on": add_working_days(timezone.localdate(), DUE_WORKING_DAYS)},
    )


@login_required
def assignment_manage(request: HttpRequest, pk: int) -> HttpResponse:
    application = _administered(request, pk, ASSIGN)
    page = assignment_page(application)
    assignable = application.status in ASSIGNABLE_STATUSES
    assign_form = _assign_form(request, page, request.POST if "assign" in request.POST else None)
    remove_form = RemoveForm(request.POST if "remove" in request.POST else None)
    status = 200
    if request.method == "POST":
        if not assignable:
            messages.error(
                request,
                f"Application {application.reference} is "
                f"“{application.get_status_display().lower()}”, so its assessors cannot be "
                "changed now.",
            )
            return redirect("accreditation:assignment_manage", pk=application.pk)
        if "remove" in request.POST and remove_form.is_valid():
            assignment = page.live_by_pk(remove_form.cleaned_data["assignment"])
            if assignment is None:
                raise Http404("No such assignment on this application.")
            try:
                assignment_services.assignment_remove(
                    assignment=assignment,
                    user=request.user,
                    reason=remove_form.cleaned_data["reason"],
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    f"{assignment.assessor.full_name} was replaced. Choose someone else for "
                    f"the {assignment.get_role_display().lower()}.",
                )
            return redirect("accreditation:assignment_manage", pk=application.pk)
        if assign_form is not None and "assign" in request.POST and assign_form.is_valid():
            data = assign_form.cleaned_data
            choices = {role: data[role] for role in assign_form.free_roles if data.get(role)}
            try:
                assignment_services.assessors_assign(
                    application=application,
                    choices=choices,
                    due_on=data["due_on"],
                    user=request.user,
                )
            except DomainError as error:
                assign_form.add_error(None, str(error))
            else:
                names = " and ".join(person.full_name for person in choices.values())
                messages.success(
                    request,
                    f"The assignment was offered to {names}. They see nothing of the "
                    "application until they accept and declare no conflict of interest.",
                )
                return redirect("accreditation:assignment_manage", pk=application.pk)
        status = 400
    return render(
        request,
        "accreditation/assignment_manage.html",
        {
            "application": application,
            "page": page,
            "assignable": assignable,
            "assign_form": assign_form,
            "remove_form": remove_form,
            "programme_modes": delivery_mode_labels([application.programme.delivery_mode]),
            "roles": AssignmentRole.choices,
        },
        status=status,
    )


@login_required
def assignment_respond(request: HttpRequest, assignment_pk: int) -> HttpResponse:
    assignment = assignment_for_assessor(request.user, assignment_pk)
    if assignment is None:
        raise Http404("No such assignment.")
    if assignment.status == AssignmentStatus.ACCEPTED:
        return redirect("accreditation:application_detail", pk=assignment.application_id)
    offered = assignment.status == AssignmentStatus.OFFERED
    accept_form = AcceptForm(request.POST if "accept" in request.POST else None)
    decline_form = DeclineForm(request.POST if "decline" in request.POST else None)
    status = 200
    if request.method == "POST":
        if not offered:
            messages.info(request, "This assignment is no longer waiting for your answer.")
            return redirect("accreditation:assignment_respond", assignment_pk=assignment.pk)
        if "accept" in request.POST and accept_form.is_valid():
            try:
                assignment_services.assignment_accept(
                    assignment=assignment, user=request.user, confirmed=True
                )
            except DomainError as error:
                accept_form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "Thank you: you have accepted the assignment and signed the declaration.",
                )
                return redirect("accreditation:application_detail", pk=assignment.application_id)
        elif "decline" in request.POST and decline_form.is_valid():
            try:
                assignment_services.assignment_decline(
                    assignment=assignment,
                    user=request.user,
                    reason=decline_form.cleaned_data["reason"],
                )
            except DomainError as error:
                decline_form.add_error(None, str(error))
            else:
                messages.success(request, "You have declined the assignment. QISMET has been told.")
                return redirect("home")
        status = 400
    application = assignment.application
    return render(
        request,
        "accreditation/assignment_respond.html",
        {
            "assignment": assignment,
            # Only what is needed to judge a conflict: nothing of the answers or evidence.
            "organisation": application.programme.organisation,
            "programme_name": application.programme.name,
            "reference": application.reference,
            "declaration": assignment_services.assignment_declaration_text(assignment),
            "offered": offered,
            "accept_form": accept_form,
            "decline_form": decline_form,
        },
        status=status,
    )
