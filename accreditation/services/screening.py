"""Screening: an administrator checks a submitted application is complete, then accepts it for
assessment or returns it to the provider with reasons."""

from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.permissions import is_administrator
from accounts.services import notify
from accreditation.models import Application
from accreditation.selectors.screening import provider_contacts
from accreditation.tasks import notify_application_returned
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue

from .transitions import application_transition


def _check_administrator(user: User) -> None:
    if not is_administrator(user):
        raise DomainError("Only a QISMET administrator can screen applications.")


@transaction.atomic
def application_accept(*, application: Application, user: User) -> Application:
    """Screening found the application complete: it goes to assessment, where assessors are
    assigned. The provider's leads and signatories are told in the portal (the email they
    had on submission already said what happens next)."""
    _check_administrator(user)
    accepted = application_transition(
        application=application,
        transition="accept",
        actor=user,
        detail="Accepted at screening: complete, ready for assessors",
    )
    notify(
        users=provider_contacts(accepted),
        message=f"Application {accepted.reference} was accepted for assessment.",
        url=reverse("accreditation:application_detail", args=[accepted.pk]),
    )
    return accepted


@transaction.atomic
def application_return(*, application: Application, user: User, reasons: str) -> Application:
    """Screening found something missing: the application goes back to the provider, who can
    change any answer or evidence (``RETURNED`` is editable) and submit again.

    The reasons are required and kept word for word in the history line, which is where the
    provider's page reads them from. The organisation's leads and everyone who can sign are
    emailed (after commit) and notified in the portal.
    """
    _check_administrator(user)
    reasons = reasons.replace("\r\n", "\n").strip()
    if not reasons:
        raise DomainError("Say what the provider needs to change before submitting again.")
    returned = application_transition(
        application=application,
        transition="return_to_provider",
        actor=user,
        reason=reasons,
        detail="Returned to the provider at screening",
    )
    enqueue(notify_application_returned, returned.pk)
    notify(
        users=provider_contacts(returned),
        message=(
            f"Application {returned.reference} was returned to you at screening: see the "
            "reasons, make the changes and submit it again."
        ),
        url=reverse("accreditation:application_detail", args=[returned.pk]),
    )
    return returned
