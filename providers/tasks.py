"""Emails about joining a provider organisation, sent by Celery after the change is committed.

Each task re-reads the row and sends nothing when it no longer applies (the invitation was
withdrawn, sent again with a newer link, or accepted meanwhile).
"""

from celery import shared_task
from django.core.mail import send_mail, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from qismet_portal.links import absolute_url
from qismet_portal.outbox.tasks import OutboxTask


def _one_line(text: str) -> str:
    """Whatever was typed, on one line: a line break in a subject would make send_mail refuse it."""
    return " ".join(text.split())


@shared_task(base=OutboxTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(invitation_id: int, token: str) -> bool:
    """Email the invitation link. The token travels with the task because only its hash is stored."""
    from .models import Invitation
    from .selectors import token_hash

    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    if invitation.token_hash != token_hash(token):
        return False  # sent again since: only the newest link works, so only it is emailed
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "invited_by": invitation.invited_by,
        "link": absolute_url(reverse("providers:invitation_accept", kwargs={"token": token})),
    }
    # one line whatever was typed: a line break in a subject would make send_mail refuse it
    name = " ".join(invitation.organisation.name.split())
    send_mail(
        subject=f"[QISMET] Join {name} on the QISMET accreditation portal",
        message=render_to_string("accounts/email/provider_invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True


@shared_task(base=OutboxTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_request_rejection(account_request_id: int) -> bool:
    """Tell the person who asked for an account that QISMET declined it, and why."""
    from .models import AccountRequest, AccountRequestStatus

    account_request = AccountRequest.objects.filter(
        pk=account_request_id, status=AccountRequestStatus.REJECTED
    ).first()
    if account_request is None:
        return False
    send_mail(
        subject="[QISMET] Your request for an account on the QISMET accreditation portal",
        message=render_to_string(
            "accounts/email/account_request_rejected.txt",
            {
                "account_request": account_request,
                "portal_link": absolute_url(reverse("providers:account_request")),
            },
        ),
        from_email=None,
        recipient_list=[account_request.contact_email],
    )
    return True


def _pending_request(account_request_id: int):
    from .models import AccountRequest, AccountRequestStatus

    return AccountRequest.objects.filter(
        pk=account_request_id, status=AccountRequestStatus.PENDING
    ).first()


@shared_task(base=OutboxTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_request_acknowledgement(account_request_id: int) -> bool:
    """Tell the person who asked that the request arrived and what happens next.

    Sent only while the request waits: once decided, the decision's own email says more.
    """
    account_request = _pending_request(account_request_id)
    if account_request is None:
        return False
    send_mail(
        subject="[QISMET] We have your request for an account",
        message=render_to_string(
            "accounts/email/account_request_received.txt",
            {
                "account_request": account_request,
                "about_link": absolute_url(reverse("standards:about")),
            },
        ),
        from_email=None,
        recipient_list=[account_request.contact_email],
    )
    return True


@shared_task(base=OutboxTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_administrators_of_account_request(account_request_id: int) -> int:
    """Email every active administrator a link to a new request; returns how many were sent.

    One message each, so no administrator's address is shown to another.
    """
    from accounts.models import User

    account_request = _pending_request(account_request_id)
    if account_request is None:
        return 0
    recipients = list(
        User.objects.administrators().active().order_by("pk").values_list("email", flat=True)
    )
    if not recipients:
        return 0
    subject = f"[QISMET] New request for an account: {_one_line(account_request.organisation_name)}"
    message = render_to_string(
        "accounts/email/account_request_new.txt",
        {
            "account_request": account_request,
            "link": absolute_url(
                reverse("providers:account_request_detail", kwargs={"pk": account_request.pk})
            ),
        },
    )
    return send_mass_mail([(subject, message, None, [email]) for email in recipients])
