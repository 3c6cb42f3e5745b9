"""Starting, answering, submitting and withdrawing applications."""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accreditation.models import (
    NOT_APPLICABLE,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Response,
)
from accreditation.permissions import is_member_of_applicant, is_provider_signatory
from accreditation.selectors.applications import submission_gaps
from accreditation.tasks import confirm_application_submitted, notify_application_submitted
from providers.models import Programme
from qismet_portal.exceptions import DomainError
from standards.models import Criterion, StandardVersion, VersionStatus

from .history import event_record
from .transitions import application_transition


class SubmissionIncomplete(DomainError):
    """Submission refused because something is missing; ``gaps`` says what and where."""

    def __init__(self, gaps):
        self.gaps = gaps
        count = len(gaps)
        super().__init__(
            f"The application cannot be submitted yet: {count} "
            f"{'criterion needs' if count == 1 else 'criteria need'} attention."
        )


@transaction.atomic
def application_start(*, programme: Programme, version: StandardVersion, user: User) -> Application:
    """Open an application for one programme, pinned for life to ``version``.

    One response per criterion is created now, so the workspace and the gap list always cover the
    whole standard even before anything is answered.
    """
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise DomainError(
            "Applications can only be started against the current published standard."
        )
    if programme.applications.filter(
        status__in=[ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED]
    ).exists():
        raise DomainError(f"{programme.name} already has an application in progress.")
    try:
        with transaction.atomic():
            application = Application.objects.create(
                # A unique placeholder (the column holds 20 characters) until the pk is known.
                reference=f"new-{uuid.uuid4().hex[:16]}",
                programme=programme,
                version=version,
                started_by=user,
            )
    except IntegrityError:
        raise DomainError(f"{programme.name} already has an application in progress.") from None
    application.reference = f"APP-{application.created_at:%Y}-{application.pk:05d}"
    application.save(update_fields=["reference"])
    criteria = Criterion.objects.filter(theme__version=version).only("pk")
    Response.objects.bulk_create(
        Response(application=application, criterion=criterion) for criterion in criteria
    )
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.STARTED,
        actor=user,
        to_status=application.status,
        detail=f"Against {version}",
    )
    return application


# --- answering ------------------------------------------------------------------------------


def _editable_application(application: Application) -> Application:
    """Lock the application row and refuse if it can no longer be changed.

    Saving a response takes the same lock as submitting, so an answer saved while a signatory
    submits either lands before the submission (and is part of it) or is refused afterwards.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_editable:
        raise DomainError(
            f"Application {locked.reference} is {locked.get_status_display().lower()}, so its "
            "answers can no longer be changed."
        )
    return locked


def rating_choices(version: StandardVersion, criterion: Criterion) -> list[tuple[str, str]]:
    """The self-ratings a provider may choose for ``criterion``: the version's scale, then N/A
    where the criterion allows it."""
    choices = [(level["code"], level["label"]) for level in version.scale]
    if criterion.na_allowed:
        choices.append((NOT_APPLICABLE, version.not_applicable_label))
    return choices


@transaction.atomic
def response_save(
    *, response: Response, user: User, narrative: str, rating: str, na_justification: str = ""
) -> Response:
    """Save a provider's answer to one criterion.

    Partial answers are fine (work is saved as people go); what is still missing shows in the
    gap list. Two things are refused: a rating outside the pinned version's scale (or N/A where
    the criterion does not allow it), and N/A without a justification. A justification is only
    kept while the answer is N/A.
    """
    application = _editable_application(response.application)
    allowed = {code for code, _label in rating_choices(application.version, response.criterion)}
    if rating and rating not in allowed:
        raise DomainError("Choose one of the ratings offered for this criterion.")
    na_justification = na_justification.strip()
    if rating == NOT_APPLICABLE and not na_justification:
        raise DomainError("Say why this criterion does not apply to your programme.")
    response.narrative = narrative.strip()
    response.rating = rating
    response.na_justification = na_justification if rating == NOT_APPLICABLE else ""
    response.updated_by = user
    response.save(
        update_fields=["narrative", "rating", "na_justification", "updated_at", "updated_by"]
    )
    return response


@transaction.atomic
def response_save_narrative(*, response: Response, user: User, narrative: str) -> Response:
    """Save the narrative alone (autosave while typing); the rating is left as it was."""
    _editable_application(response.application)
    response.narrative = narrative.strip()
    response.updated_by = user
    response.save(update_fields=["narrative", "updated_at", "updated_by"])
    return response


# --- submitting and withdrawing -------------------------------------------------------------


def declaration_text(application: Application) -> str:
    """The words a signatory agrees to. Stored verbatim on the application when signed."""
    organisation = application.programme.organisation
    return (
        "I declare that:\n"
        f"1. The information in this application for “{application.programme.name}”, run by "
        f"{organisation.name}, including its evidence, is true and complete to the best of my "
        "knowledge.\n"
        f"2. I have the authority to submit this application on behalf of {organisation.name}.\n"
        "3. I understand that QISMET may check any of this information with us or with others, "
        "and may refuse or withdraw accreditation if any of it is false or misleading.\n"
        f"Standard: {application.version.standard.name}, version {application.version.number}. "
        f"Application reference: {application.reference}."
    )


def _check_signatory(application: Application, user: User) -> None:
    if not (is_provider_signatory(user) and is_member_of_applicant(user, application)):
        raise DomainError(
            f"Only someone in {application.programme.organisation.name} with the right to sign "
            "declarations can sign the declaration and submit."
        )


@transaction.atomic
def application_submit(
    *, application: Application, user: User, full_name: str, role: str, confirmed: bool
) -> Application:
    """Sign the declaration and submit: the self-assessment is locked and QISMET is told.

    Refused while anything is missing (``SubmissionIncomplete`` lists it). The check and the
    change run under the application's row lock, so nothing can be changed in between.
    Once the transaction has committed, administrators are emailed, and the organisation's
    leads and the signatory get a confirmation saying what happens next.
    """
    _check_signatory(application, user)
    full_name, role = full_name.strip(), role.strip()
    if not (full_name and role and confirmed):
        raise DomainError("Give your full name and role, and confirm the declaration.")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.is_editable:
        gaps = submission_gaps(locked)
        if gaps:
            raise SubmissionIncomplete(gaps)
    now = timezone.now()
    submitted = application_transition(
        application=locked,
        transition="submit",
        actor=user,
        changes={
            "submitted_at": now,
            "declaration_signed_by": user,
            "declaration_name": full_name,
            "declaration_role": role,
            "declaration_text": declaration_text(locked),
            "declaration_signed_at": now,
        },
        detail=f"Declaration signed by {full_name} ({role})",
    )
    submitted_id = submitted.pk
    transaction.on_commit(lambda: notify_application_submitted.delay(submitted_id))
    transaction.on_commit(lambda: confirm_application_submitted.delay(submitted_id))
    return submitted


@transaction.atomic
def application_withdraw(*, application: Application, user: User, reason: str) -> Application:
    """The provider stops the application before a decision. A reason is required: it stays in
    the history for whoever reads it later."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the application is being withdrawn.")
    return application_transition(
        application=application, transition="withdraw", actor=user, reason=reason
    )
