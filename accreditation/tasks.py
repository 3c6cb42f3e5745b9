"""Emails about applications, sent by Celery workers after the change has committed.

Each task takes an application id, re-reads it and sends only if the application is still in the
state the email talks about: a task that runs late (or twice, after a retry) never announces
something that is no longer true. One message per task, so a retry after an SMTP failure resends
at most that message. SMTP errors are OSErrors; they are retried with bounded, growing delays.
"""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string

from qismet_portal.links import absolute_reverse
from qismet_portal.outbox.tasks import OutboxTask

RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 6,
}


def _submitted_application(application_id: int):
    from accreditation.models import Application, ApplicationStatus

    return (
        Application.objects.select_related(
            "programme__organisation", "version__standard", "declaration_signed_by"
        )
        .filter(pk=application_id, status=ApplicationStatus.SUBMITTED)
        .first()
    )


def _context(application) -> dict:
    return {
        "application": application,
        "organisation": application.programme.organisation,
        "link": absolute_reverse("accreditation:application_detail", application.pk),
    }


@shared_task(base=OutboxTask, **RETRY)
def notify_application_submitted(application_id: int) -> int:
    """Tell every active administrator that an application is waiting for screening.

    Returns the number of people emailed (0 when there is nothing to say any more).
    """
    from accounts.models import User

    application = _submitted_application(application_id)
    if application is None:
        return 0
    recipients = sorted(User.objects.administrators().active().values_list("email", flat=True))
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] Application {application.reference} submitted for screening",
        message=render_to_string(
            "accreditation/emails/application_submitted_admin.txt", _context(application)
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(base=OutboxTask, **RETRY)
def confirm_application_submitted(application_id: int) -> int:
    """Confirm the submission to the organisation's leads and the person who signed, with what
    happens next."""
    from providers.models import Membership, MembershipRole

    application = _submitted_application(application_id)
    if application is None:
        return 0
    organisation = application.programme.organisation
    leads = Membership.objects.filter(
        organisation=organisation, role=MembershipRole.LEAD, user__is_active=True
    ).values_list("user__email", flat=True)
    recipients = set(leads)
    signer = application.declaration_signed_by
    if signer is not None and signer.is_active:
        recipients.add(signer.email)
    if not recipients:
        return 0
    send_mail(
        subject=f"[QISMET] We have received application {application.reference}",
        message=render_to_string(
            "accreditation/emails/application_submitted_provider.txt", _context(application)
        ),
        from_email=None,
        recipient_list=sorted(recipients),
    )
    return len(recipients)


# --- screening and assignment ----------------------------------------------------------------


@shared_task(base=OutboxTask, **RETRY)
def notify_application_returned(application_id: int) -> int:
    """Tell the provider's leads and everyone who can sign that screening returned the
    application, with the reasons, while it is still returned."""
    from accreditation.models import Application, ApplicationEvent, ApplicationStatus
    from accreditation.selectors.screening import provider_contacts

    application = (
        Application.objects.select_related("programme__organisation", "version__standard")
        .filter(pk=application_id, status=ApplicationStatus.RETURNED)
        .first()
    )
    if application is None:
        return 0
    event = (
        application.events.filter(
            kind=ApplicationEvent.Kind.STATUS, to_status=ApplicationStatus.RETURNED
        )
        .order_by("-at", "-pk")
        .first()
    )
    recipients = sorted({person.email for person in provider_contacts(application)})
    if not recipients or event is None:
        return 0
    send_mail(
        subject=f"[QISMET] Application {application.reference} returned: changes needed",
        message=render_to_string(
            "accreditation/emails/application_returned.txt",
            {**_context(application), "reasons": event.reason, "returned_at": event.at},
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def _assignment(assignment_id: int, status: str):
    from accreditation.models import Assignment

    return (
        Assignment.objects.select_related(
            "assessor", "application__programme__organisation", "assigned_by"
        )
        .filter(pk=assignment_id, status=status)
        .first()
    )


@shared_task(base=OutboxTask, **RETRY)
def notify_assessor_assigned(assignment_id: int) -> int:
    """Offer the assignment to the assessor by email, while it is still on offer. The email
    says only what they need to judge a conflict of interest, and links to the offer."""
    from accreditation.models import AssignmentStatus

    assignment = _assignment(assignment_id, AssignmentStatus.OFFERED)
    if assignment is None or not assignment.assessor.is_active:
        return 0
    application = assignment.application
    send_mail(
        subject=f"[QISMET] Assignment offered: application {application.reference}",
        message=render_to_string(
            "accreditation/emails/assignment_offered.txt",
            {
                "assignment": assignment,
                "application": application,
                "organisation": application.programme.organisation,
                "link": absolute_reverse("accreditation:assignment_respond", assignment.pk),
            },
        ),
        from_email=None,
        recipient_list=[assignment.assessor.email],
    )
    return 1


@shared_task(base=OutboxTask, **RETRY)
def notify_assignment_response(assignment_id: int) -> int:
    """Tell every active administrator that an assessor accepted or declined an assignment."""
    from accounts.models import User
    from accreditation.models import Assignment, AssignmentStatus

    status = Assignment.objects.filter(pk=assignment_id).values_list("status", flat=True).first()
    if status not in (AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED):
        return 0
    assignment = _assignment(assignment_id, status)
    recipients = sorted(User.objects.administrators().active().values_list("email", flat=True))
    if not recipients:
        return 0
    application = assignment.application
    accepted = status == AssignmentStatus.ACCEPTED
    send_mail(
        subject=(
            f"[QISMET] {assignment.assessor.full_name} "
            f"{'accepted' if accepted else 'declined'} application {application.reference}"
        ),
        message=render_to_string(
            "accreditation/emails/assignment_response.txt",
            {
                "assignment": assignment,
                "accepted": accepted,
                "application": application,
                "organisation": application.programme.organisation,
                "link": absolute_reverse("accreditation:assignment_manage", application.pk),
            },
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task
def evidence_sweep_stale_uploads() -> int:
    """Run by Celery beat: remove partial uploads abandoned for over a day."""
    from accreditation.uploads import stale_upload_files_remove

    return stale_upload_files_remove(older_than_seconds=24 * 3600)
