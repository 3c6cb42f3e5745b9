"""Assessor profiles, declared interests and assignments.

Independence is per application, not per job title: anyone with an active assessor profile (an
assessor, or an administrator who also assesses) may be assigned, unless they declared an
interest in the provider that is ongoing or ended less than ``COI_WINDOW_YEARS`` ago. That rule
is enforced here, whatever a form offered. An assigned person sees nothing of the application
until they accept and sign the conflict-of-interest declaration.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Role, User
from accounts.permissions import is_administrator
from accounts.services import notify
from accreditation.models import (
    COI_WINDOW_YEARS,
    Application,
    ApplicationEvent,
    AssessorProfile,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    DeclaredInterest,
    InterestKind,
)
from accreditation.selectors.screening import ASSIGNABLE_STATUSES, conflict_of
from accreditation.tasks import notify_assessor_assigned, notify_assignment_response
from providers.models import DeliveryMode, Organisation
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from .history import event_record

# --- profiles -------------------------------------------------------------------------------


def assessor_profile_ensure(user: User) -> AssessorProfile:
    """Every assessor has a profile: made when their account is (``accounts`` calls this for
    each new assessor, see ``AccreditationConfig.ready``) with the defaults, to fill in later."""
    profile, _created = AssessorProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def assessor_capability_grant(*, user: User, granted_by: User) -> AssessorProfile:
    """Give an administrator (oneself or a colleague) the assessor capability, or take an
    inactive profile back into use. A person may hold both: independence is checked per
    application, when they are assigned and when decisions are made."""
    if not is_administrator(granted_by):
        raise DomainError("Only an administrator can give someone the assessor capability.")
    if user.role not in (Role.ADMINISTRATOR, Role.ASSESSOR) or not user.is_active:
        raise DomainError(
            f"{user.full_name} is not an active administrator or assessor, so they cannot "
            "assess applications."
        )
    profile = assessor_profile_ensure(user)
    if not profile.is_active:
        profile.is_active = True
        profile.save(update_fields=["is_active", "updated_at"])
    return profile


@transaction.atomic
def assessor_profile_update(
    *,
    profile: AssessorProfile,
    user: User,
    conditions: str,
    delivery_modes: list[str],
    availability: str,
    max_active_assignments: int,
    is_active: bool,
) -> AssessorProfile:
    """Administrators keep assessors' expertise and availability up to date; an inactive
    profile is not offered for new assignments (current ones carry on)."""
    if not is_administrator(user):
        raise DomainError("Only an administrator can change an assessor's profile.")
    unknown = set(delivery_modes) - set(DeliveryMode.values)
    if unknown:
        raise DomainError("Choose delivery models from the list shown.")
    if max_active_assignments < 1:
        raise DomainError("The most assignments at once must be 1 or more.")
    profile.conditions = conditions.strip()
    profile.delivery_modes = [code for code in DeliveryMode.values if code in delivery_modes]
    profile.availability = availability.strip()
    profile.max_active_assignments = max_active_assignments
    profile.is_active = is_active
    profile.save()
    return profile


# --- declared interests ---------------------------------------------------------------------


def _check_interest_owner(profile: AssessorProfile, user: User) -> None:
    if not (profile.user_id == user.pk or is_administrator(user)):
        raise DomainError("You can only declare interests of your own.")


def _check_dates(started_on: date | None, ended_on: date | None) -> None:
    today = timezone.localdate()
    if started_on and started_on > today:
        raise DomainError("The start date must be today or in the past.")
    if ended_on and ended_on > today:
        raise DomainError(
            "The end date must be today or in the past: an interest that has not ended yet is "
            "ongoing."
        )
    if started_on and ended_on and ended_on < started_on:
        raise DomainError("The end date must be the same as or after the start date.")


@transaction.atomic
def interest_declare(
    *,
    profile: AssessorProfile,
    user: User,
    organisation: Organisation,
    kind: str,
    description: str = "",
    started_on: date | None = None,
    ended_on: date | None = None,
) -> DeclaredInterest:
    """Record an interest in a provider organisation. Declaring is always allowed: it is what
    keeps the assessor off that provider's applications for the conflict window. If they hold
    a live assignment on one of its applications now, administrators are told, so they can
    reassign it."""
    _check_interest_owner(profile, user)
    if kind not in InterestKind.values:
        raise DomainError("Choose what kind of interest it is from the list shown.")
    _check_dates(started_on, ended_on)
    interest = DeclaredInterest.objects.create(
        profile=profile,
        organisation=organisation,
        kind=kind,
        description=description.strip(),
        started_on=started_on,
        ended_on=ended_on,
        declared_by=user,
    )
    _tell_administrators_of_live_conflicts(profile, organisation)
    return interest


def _tell_administrators_of_live_conflicts(
    profile: AssessorProfile, organisation: Organisation
) -> None:
    if conflict_of(profile.user, organisation.pk) is None:
        return
    live = Assignment.objects.filter(
        assessor_id=profile.user_id,
        status__in=(AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED),
        application__programme__organisation=organisation,
    ).select_related("application")
    for assignment in live:
        notify(
            users=User.objects.administrators().active(),
            message=(
                f"{profile.user.full_name} declared an interest in {organisation.name} while "
                f"assigned to application {assignment.application.reference}: reassign it."
            ),
            url=reverse("accreditation:assignment_manage", args=[assignment.application_id]),
        )


@transaction.atomic
def interest_end(*, interest: DeclaredInterest, user: User, ended_on: date) -> DeclaredInterest:
    """Say when an ongoing interest ended. It still conflicts for ``COI_WINDOW_YEARS`` after."""
    _check_interest_owner(interest.profile, user)
    interest = DeclaredInterest.objects.select_for_update().get(pk=interest.pk)
    if interest.ended_on is not None:
        raise DomainError(
            f"Your interest in {interest.organisation.name} already ended on "
            f"{date_format(interest.ended_on, 'j F Y')}."
        )
    _check_dates(interest.started_on, ended_on)
    interest.ended_on = ended_on
    interest.save(update_fields=["ended_on", "updated_at"])
    return interest


# --- assignments ----------------------------------------------------------------------------


def _who(assignment: Assignment) -> str:
    return f"{assignment.assessor.full_name} as {assignment.get_role_display().lower()}"


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("programme__organisation")
        .get(pk=application.pk)
    )


def _check_assignable(application: Application) -> None:
    if application.status not in ASSIGNABLE_STATUSES:
        raise DomainError(
            f"Application {application.reference} is "
            f"“{application.get_status_display().lower()}”, so assessors cannot be assigned "
            "now. Accept it for assessment first."
        )


def assessor_refusal(*, application: Application, assessor: User) -> str:
    """Why ``assessor`` cannot be assigned to ``application``, or "" when they can."""
    name = assessor.full_name
    profile = AssessorProfile.objects.filter(user=assessor).first()
    if profile is None or assessor.role not in (Role.ASSESSOR, Role.ADMINISTRATOR):
        return f"{name} does not have an assessor profile, so they cannot be assigned."
    if not assessor.is_active:
        return f"{name}'s account is deactivated, so they cannot be assigned."
    if not profile.is_active:
        return f"{name} is not taking assignments (their profile is inactive)."
    if application.assignments.filter(
        assessor=assessor, status__in=(AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)
    ).exists():
        return (
            f"{name} is already an assessor on application {application.reference}: one "
            "person cannot be both the lead and the second assessor."
        )
    interest = conflict_of(assessor, application.programme.organisation_id)
    if interest is not None:
        when = (
            "ongoing"
            if interest.ended_on is None
            else f"ended {date_format(interest.ended_on, 'j F Y')}"
        )
        return (
            f"{name} declared an interest in {interest.organisation.name} "
            f"({interest.get_kind_display().lower()}, {when}). An interest within the last "
            f"{COI_WINDOW_YEARS} years is a conflict, so they cannot assess its applications."
        )
    return ""


@transaction.atomic
def assignment_create(
    *, application: Application, assessor: User, role: str, due_on: date, user: User
) -> Assignment:
    """Offer ``assessor`` the ``role`` on ``application``, to score by ``due_on``.

    Refused unless the application is in assessment, the role is free, and the person is
    eligible: an active profile and account, not already on this application, and no declared
    interest in the provider that is ongoing or ended within ``COI_WINDOW_YEARS`` years (the
    message names the interest). The assessor is emailed and notified; the offer shows them
    only what they need to judge a conflict.
    """
    if not is_administrator(user):
        raise DomainError("Only an administrator can assign assessors.")
    if role not in AssignmentRole.values:
        raise DomainError("Choose whether they are the lead or the second assessor.")
    locked = _lock(application)
    _check_assignable(locked)
    if due_on <= timezone.localdate():
        raise DomainError("The scoring due date must be after today.")
    holder = (
        locked.assignments.filter(
            role=role, status__in=(AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)
        )
        .select_related("assessor")
        .first()
    )
    if holder is not None:
        raise DomainError(
            f"{holder.assessor.full_name} is already the {holder.get_role_display().lower()} "
            f"on application {locked.reference}. Replace them first."
        )
    refusal = assessor_refusal(application=locked, assessor=assessor)
    if refusal:
        raise DomainError(refusal)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                application=locked, assessor=assessor, role=role, due_on=due_on, assigned_by=user
            )
    except IntegrityError:  # a colleague filled the place a moment ago
        raise DomainError(
            f"Application {locked.reference} changed while you were choosing. Look again."
        ) from None
    event_record(
        application=locked,
        kind=ApplicationEvent.Kind.ASSESSOR_ASSIGNED,
        actor=user,
        detail=f"{_who(assignment)}, scoring due {date_format(due_on, 'j F Y')}",
    )
    enqueue(notify_assessor_assigned, assignment.pk)
    notify(
        users=[assessor],
        message=(
            f"You have been offered an assignment as {assignment.get_role_display().lower()}. "
            "Accept it (with a conflict-of-interest declaration) or decline it."
        ),
        url=reverse("accreditation:assignment_respond", args=[assignment.pk]),
    )
    return assignment


@transaction.atomic
def assessors_assign(
    *, application: Application, choices: dict[str, User], due_on: date, user: User
) -> list[Assignment]:
    """Offer several roles at once (the lead and the second) in one transaction: both are
    offered, or neither."""
    if not choices:
        raise DomainError("Choose at least one assessor.")
    people = [person.pk for person in choices.values()]
    if len(set(people)) != len(people):
        raise DomainError("One person cannot be both the lead and the second assessor.")
    return [
        assignment_create(
            application=application, assessor=assessor, role=role, due_on=due_on, user=user
        )
        for role, assessor in choices.items()
    ]


def _locked_assignment(assignment: Assignment) -> Assignment:
    _lock(assignment.application)
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("assessor", "application__programme__organisation")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def assignment_remove(*, assignment: Assignment, user: User, reason: str) -> Assignment:
    """Take the place back from an assessor (offered or accepted) so someone else can be
    assigned. The reason is required and kept in the history; the assessor is told."""
    if not is_administrator(user):
        raise DomainError("Only an administrator can replace an assessor.")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the assessor is being replaced.")
    locked = _locked_assignment(assignment)
    if not locked.is_live:
        raise DomainError(
            f"{locked.assessor.full_name} is no longer on this application "
            f"({locked.get_status_display().lower()})."
        )
    locked.remove()
    locked.removed_reason = reason
    locked.save()
    event_record(
        application=locked.application,
        kind=ApplicationEvent.Kind.ASSESSOR_REMOVED,
        actor=user,
        reason=reason,
        detail=f"{_who(locked)} replaced",
    )
    notify(
        users=[locked.assessor],
        message=(
            f"Your assignment as {locked.get_role_display().lower()} on application "
            f"{locked.application.reference} has been given to someone else."
        ),
    )
    return locked


def assignment_declaration_text(assignment: Assignment) -> str:
    """The conflict-of-interest declaration an assessor signs to accept. Stored verbatim."""
    application = assignment.application
    organisation = application.programme.organisation
    return (
        "I declare that:\n"
        f"1. In the last {COI_WINDOW_YEARS} years I have not been employed by, advised or done "
        f"consultancy for, been funded by or funded, or been a trustee, director or volunteer "
        f"of {organisation.name}, and I have no close personal or family connection with "
        "anyone there.\n"
        "2. I know of nothing else that could make my assessment of this application less "
        "than independent, or look so.\n"
        "3. I will keep everything in this application confidential and use it only for this "
        "assessment, and I will tell QISMET at once if a conflict arises.\n"
        f"Application {application.reference}: “{application.programme.name}”, as "
        f"{assignment.get_role_display().lower()}."
    )


def _check_offer(assignment: Assignment, user: User) -> None:
    if assignment.assessor_id != user.pk:
        raise DomainError("Only the person offered this assignment can answer it.")
    if assignment.status != AssignmentStatus.OFFERED:
        raise DomainError(
            f"This assignment is no longer waiting for an answer "
            f"({assignment.get_status_display().lower()})."
        )


@transaction.atomic
def assignment_accept(*, assignment: Assignment, user: User, confirmed: bool) -> Assignment:
    """Accept the assignment and sign the conflict-of-interest declaration; only then does the
    application become visible to the assessor. Refused if they have declared an interest in
    the provider within the window: then they decline."""
    locked = _locked_assignment(assignment)
    _check_offer(locked, user)
    if not confirmed:
        raise DomainError("Tick the box to confirm the declaration.")
    application = locked.application
    if application.status not in (*ASSIGNABLE_STATUSES,):
        raise DomainError(
            f"Application {application.reference} is "
            f"“{application.get_status_display().lower()}”, so it is no longer being assessed."
        )
    interest = conflict_of(user, application.programme.organisation_id)
    if interest is not None:
        raise DomainError(
            f"You have declared an interest in {interest.organisation.name} "
            f"({interest.get_kind_display().lower()}), so you cannot accept: decline instead."
        )
    now = timezone.now()
    locked.accept()
    locked.declaration_text = assignment_declaration_text(locked)
    locked.declared_at = locked.responded_at = now
    locked.save()
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.ASSIGNMENT_ACCEPTED,
        actor=user,
        detail=f"{_who(locked)} accepted and declared no conflict of interest",
    )
    enqueue(notify_assignment_response, locked.pk)
    notify(
        users=User.objects.administrators().active(),
        message=(
            f"{user.full_name} accepted the assignment as {locked.get_role_display().lower()} "
            f"on application {application.reference}."
        ),
        url=reverse("accreditation:assignment_manage", args=[application.pk]),
    )
    return locked


@transaction.atomic
def assignment_decline(*, assignment: Assignment, user: User, reason: str) -> Assignment:
    """Decline the offer with a reason (a conflict of interest, or no time); administrators
    are told so they can offer the place to someone else."""
    locked = _locked_assignment(assignment)
    _check_offer(locked, user)
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why you are declining.")
    locked.decline()
    locked.decline_reason = reason
    locked.responded_at = timezone.now()
    locked.save()
    application = locked.application
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.ASSIGNMENT_DECLINED,
        actor=user,
        reason=reason,
        detail=f"{_who(locked)} declined",
    )
    enqueue(notify_assignment_response, locked.pk)
    notify(
        users=User.objects.administrators().active(),
        message=(
            f"{user.full_name} declined the assignment as {locked.get_role_display().lower()} "
            f"on application {application.reference}: assign someone else."
        ),
        url=reverse("accreditation:assignment_manage", args=[application.pk]),
    )
    return locked
