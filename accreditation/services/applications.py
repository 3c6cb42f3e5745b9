"""Starting, answering, submitting and withdrawing applications."""

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accreditation.models import (
    NOT_APPLICABLE,
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Response,
)
from accreditation.permissions import is_member_of_applicant, is_provider_signatory
from accreditation.selectors.applications import submission_gaps
from accreditation.selectors.information import criterion_is_open
from accreditation.tasks import confirm_application_submitted, notify_application_submitted
from providers.models import Programme
from qismet_portal.exceptions import DomainError
from qismet_portal.outbox import enqueue
from standards.models import Criterion, StandardVersion, VersionStatus

from . import information
from .history import answer_change_record, event_record
from .submissions import submission_record_create
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


class AnswerConflict(DomainError):
    """A save refused because the answer was saved by someone (or another window) after the
    page it came from was loaded. ``response`` now holds the answer as saved, with who saved it
    and when, so the person can see both and combine them."""

    def __init__(self, response: Response):
        self.response = response
        super().__init__(
            "This answer was saved again after your page was loaded, so your changes were not "
            "saved."
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
    if programme.applications.filter(status__in=OPEN_STATUSES).exists():
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


def _editable_application(application: Application, criterion: Criterion) -> Application:
    """Lock the application row and refuse if ``criterion``'s answer can no longer be changed.

    Saving a response takes the same lock as submitting, so an answer saved while a signatory
    submits either lands before the submission (and is part of it) or is refused afterwards.
    While more information is requested only the criteria named in the request are open
    (``criterion_is_open``, asked of the row as it is now, under the lock).
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not criterion_is_open(locked, criterion):
        if locked.status == ApplicationStatus.INFORMATION_REQUESTED:
            raise DomainError(
                f"Criterion {criterion.code} is not one of the criteria the assessors asked "
                "about, so its answer cannot be changed. Only the criteria named in the request "
                "for more information are open again."
            )
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


_ANSWER_FIELDS = ("narrative", "rating", "na_justification")


def _clean_text(text: str) -> str:
    """Trimmed, with one kind of line break: a form post sends CRLF, autosave sends LF, and the
    same words must compare equal whichever way they came."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _answer_write(
    *,
    application: Application,
    response: Response,
    user: User,
    revision: int | None,
    values: dict[str, str],
) -> Response:
    """Write ``values`` to the answer if the page they came from saw its latest revision.

    Runs under the application's row lock (taken by the caller) and reads the answer afresh
    under its own, so two saves of the same answer are checked one after the other and the
    second sees what the first wrote. A whole answer that changes nothing is accepted whatever
    its revision (nothing can be lost); any other save from an older page is refused with
    ``AnswerConflict``. ``revision=None`` skips the check, for callers that are
    not editing from a page (demo data, imports). ``response`` is updated in place either way.
    """
    current = (
        Response.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .get(pk=response.pk)
    )
    changed = [field for field, value in values.items() if getattr(current, field) != value]
    stale = revision is not None and revision != current.revision
    whole = set(values) == set(_ANSWER_FIELDS)
    previous_by_id, previous_at = current.updated_by_id, current.updated_at
    if changed and not stale:
        now = timezone.now()
        # Conditional on the revision read above: a database without row locks still refuses a
        # write that lost the race rather than overwriting it.
        written = Response.objects.filter(pk=current.pk, revision=current.revision).update(
            **values, updated_by=user, updated_at=now, revision=F("revision") + 1
        )
        if written:
            for field, value in values.items():
                setattr(current, field, value)
            current.updated_by, current.updated_at = user, now
            current.revision += 1
        else:  # lost a race the row lock would have prevented: show what won
            current = Response.objects.select_related("updated_by").get(pk=response.pk)
            stale = True
    if whole and not stale and current.carried_over:
        # A renewal's carried-over answer, saved whole from its page: checked and current.
        Response.objects.filter(pk=current.pk).update(carried_over=False)
        current.carried_over = False
    for field in (*_ANSWER_FIELDS, "updated_at", "updated_by", "revision", "carried_over"):
        setattr(response, field, getattr(current, field))
    # A part of an answer (autosave's narrative) from an older page is refused even when it is
    # as saved: the parts it does not carry may have changed unseen.
    if stale and (changed or not whole):
        raise AnswerConflict(response)
    if changed:
        labels = dict(rating_choices(application.version, response.criterion))
        answer_change_record(
            application=application,
            criterion=response.criterion,
            actor=user,
            parts=changed,
            rating_label=labels.get(response.rating, ""),
            previous_by_id=previous_by_id,
            previous_at=previous_at,
        )
    return response


@transaction.atomic
def response_save(
    *,
    response: Response,
    user: User,
    narrative: str,
    rating: str,
    na_justification: str = "",
    revision: int | None = None,
) -> Response:
    """Save a provider's answer to one criterion.

    Partial answers are fine (work is saved as people go); what is still missing shows in the
    gap list. Refused: a rating outside the pinned version's scale (or N/A where the criterion
    does not allow it), N/A without a justification, and a save from a page older than the
    answer's latest ``revision`` (``AnswerConflict``: two people on the same criterion must not
    silently overwrite each other). A justification is only kept while the answer is N/A.
    Each change is recorded in the application's history.
    """
    application = _editable_application(response.application, response.criterion)
    allowed = {code for code, _label in rating_choices(application.version, response.criterion)}
    if rating and rating not in allowed:
        raise DomainError("Choose one of the ratings offered for this criterion.")
    na_justification = _clean_text(na_justification)
    if rating == NOT_APPLICABLE and not na_justification:
        raise DomainError("Say why this criterion does not apply to your programme.")
    values = {
        "narrative": _clean_text(narrative),
        "rating": rating,
        "na_justification": na_justification if rating == NOT_APPLICABLE else "",
    }
    return _answer_write(
        application=application, response=response, user=user, revision=revision, values=values
    )


@transaction.atomic
def response_save_narrative(
    *, response: Response, user: User, narrative: str, revision: int | None = None
) -> Response:
    """Save the narrative alone (autosave while typing); the rating is left as it was. The same
    revision check as ``response_save`` applies: autosave never overwrites someone else's save."""
    application = _editable_application(response.application, response.criterion)
    return _answer_write(
        application=application,
        response=response,
        user=user,
        revision=revision,
        values={"narrative": _clean_text(narrative)},
    )


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
    *,
    application: Application,
    user: User,
    full_name: str,
    role: str,
    confirmed: bool,
    note: str = "",
) -> Application:
    """Sign the declaration and submit: the self-assessment is locked and QISMET is told.

    Refused while anything is missing (``SubmissionIncomplete`` lists it). The check and the
    change run under the application's row lock, so nothing can be changed in between; in the
    same transaction a submission record keeps exactly what was submitted (every answer, the
    evidence revisions linked, the declaration, the organisation's and programme's details).
    Once the transaction has committed, administrators are emailed, and the organisation's
    leads and the signatory get a confirmation saying what happens next.

    While more information is requested this is the provider's response: the "respond"
    transition (with ``note``, a short word to the assessors, as its reason), and the open
    request is marked answered by the new record; the assessors and administrators are told
    "response received" instead of the first submission's emails.
    """
    _check_signatory(application, user)
    full_name, role = full_name.strip(), role.strip()
    if not (full_name and role and confirmed):
        raise DomainError("Give your full name and role, and confirm the declaration.")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    # A first submission or one after a return is "submit"; answering a request for more
    # information is "respond". Either way the whole application must be complete.
    responding = locked.status == ApplicationStatus.INFORMATION_REQUESTED
    if locked.is_editable or responding:
        gaps = submission_gaps(locked)
        if gaps:
            raise SubmissionIncomplete(gaps)
    note = _clean_text(note)
    if len(note) > information.NOTE_MAX:
        raise DomainError(f"Keep the note to {information.NOTE_MAX} characters or fewer.")
    now = timezone.now()
    signed = f"Declaration signed by {full_name} ({role})"
    submitted = application_transition(
        application=locked,
        transition="respond" if responding else "submit",
        actor=user,
        reason=note if responding else "",
        changes={
            "submitted_at": now,
            "declaration_signed_by": user,
            "declaration_name": full_name,
            "declaration_role": role,
            "declaration_text": declaration_text(locked),
            "declaration_signed_at": now,
        },
        detail=f"Response to the request for more information. {signed}" if responding else signed,
    )
    record = submission_record_create(application=submitted, user=user)
    if responding:
        information.information_request_answer(
            application=submitted, user=user, record=record, note=note
        )
        return submitted
    submitted_id = submitted.pk
    enqueue(notify_application_submitted, submitted_id)
    enqueue(confirm_application_submitted, submitted_id)
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
