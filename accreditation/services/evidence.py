"""Evidence: uploading files to a criterion, reusing them, replacing them, removing links.

Every change is all-or-nothing. A batch of files is inspected in full before anything is stored:
if any file breaks a rule, ``EvidenceRefused`` lists every problem and nothing is stored, so the
application is exactly as it was (earlier evidence included). Files reach storage only inside
the service's own outermost transaction (``durable=True``); if anything fails after a file was
stored, the files stored so far are deleted before the error propagates, so no file is ever left
without its row. Each change writes one history line through ``event_record``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat

from accounts.models import User
from accreditation.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
    Response,
)
from accreditation.selectors.information import criterion_is_open, reopened_criterion_ids
from accreditation.uploads import FileRefused, InspectedFile, inspect_upload
from qismet_portal.exceptions import DomainError
from standards.models import Criterion

from ..selectors.evidence import evidence_used_bytes
from .history import event_record

POINTER_MAX_LENGTH = EvidenceLink._meta.get_field("pointer").max_length


class EvidenceRefused(DomainError):
    """Nothing was stored. ``problems`` holds one sentence per problem, each naming its file."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def _guard_open(application: Application, criteria: Sequence[Criterion] = ()) -> None:
    """Refuse unless the evidence of every one of ``criteria`` may change now: any criterion of
    a draft or returned application; while more information is requested, only the criteria
    named in the request (``criterion_is_open``). With no criteria (a file's own page), only
    a draft or returned application, or one waiting for more information."""
    if application.status == ApplicationStatus.INFORMATION_REQUESTED:
        closed = [c for c in criteria if not criterion_is_open(application, c)]
        if closed:
            codes = ", ".join(c.code for c in closed)
            raise DomainError(
                f"Criterion {codes} is not one of the criteria the assessors asked about, so "
                "its evidence cannot be changed. Only the criteria named in the request for "
                "more information are open again."
            )
        return
    if not application.is_editable:
        raise DomainError(
            f"Application {application.reference} is {application.get_status_display().lower()}, "
            "so its evidence can no longer be changed."
        )


def _lock(application: Application, criteria: Sequence[Criterion] = ()) -> Application:
    """Serialise evidence changes per application (quota and revision numbers stay exact), and
    check again, under the lock, that the change is still allowed."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    _guard_open(locked, criteria)
    return locked


def _clean_pointer(pointer: str) -> str:
    pointer = " ".join((pointer or "").split())
    if len(pointer) > POINTER_MAX_LENGTH:
        raise EvidenceRefused(
            [
                f"The note on where to look is {len(pointer)} characters long; keep it to "
                f"{POINTER_MAX_LENGTH} or fewer."
            ]
        )
    return pointer


def _inspect_all(files: Sequence[UploadedFile], extra_problems: Sequence[str] = ()) -> list:
    """Inspect every file; collect every problem rather than stopping at the first."""
    problems = list(extra_problems)
    inspected: list[InspectedFile] = []
    for upload in files:
        try:
            inspected.append(inspect_upload(upload))
        except FileRefused as refusal:
            problems.append(str(refusal))
    if problems:
        raise EvidenceRefused(problems)
    return inspected


def _check_quota(application: Application, inspected: Sequence[InspectedFile]) -> None:
    quota = settings.EVIDENCE_APPLICATION_QUOTA_BYTES
    used = evidence_used_bytes(application)
    adding = sum(item.size for item in inspected)
    if used + adding > quota:
        names = ", ".join(f"“{item.name}”" for item in inspected)
        left = max(quota - used, 0)
        raise EvidenceRefused(
            [
                f"{names} {'was' if len(inspected) == 1 else 'were'} not uploaded: "
                f"{'it is' if len(inspected) == 1 else 'together they are'} "
                f"{filesizeformat(adding)}, and this application has {filesizeformat(left)} "
                f"of its {filesizeformat(quota)} evidence allowance left. Upload smaller files, "
                "or contact QISMET if you need more space."
            ]
        )


@contextmanager
def _stored_files_removed_on_failure() -> Iterator[list]:
    """Collects the FieldFiles stored inside the block; deletes them all if the block fails."""
    stored: list = []
    try:
        yield stored
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise


def _store_revision(
    *,
    document: EvidenceDocument,
    number: int,
    item: InspectedFile,
    user: User,
    stored: list,
    previous: EvidenceRevision | None = None,
) -> EvidenceRevision:
    revision = EvidenceRevision(
        document=document,
        number=number,
        previous=previous,
        original_name=item.name,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        uploaded_by=user,
        content_warnings=list(item.warnings),
    )
    # Storage name comes from models.evidence_upload_to (random); a temporary upload is moved.
    revision.file.save(item.name, item.upload, save=False)
    stored.append(revision.file)
    revision.save()
    return revision


def _event_detail(item: InspectedFile, pointer: str = "") -> str:
    detail = f"{item.name} ({filesizeformat(item.size)}, SHA-256 {item.sha256[:12]}…)"
    return f"{detail}; {pointer}" if pointer else detail


def evidence_upload(
    *,
    application: Application,
    response: Response,
    files: Sequence[UploadedFile],
    pointer: str,
    user: User,
    refusals: Sequence[str] = (),
) -> list[EvidenceLink]:
    """Add new files to the application's library and link each to ``response``.

    ``refusals`` carries problems found while the request streamed in (a file cut off at the
    size limit never reaches ``files``), so that the whole batch is refused together.
    """
    if response.application_id != application.pk:
        raise DomainError("That criterion belongs to another application.")
    _guard_open(application, [response.criterion])
    pointer = _clean_pointer(pointer)
    if not files and not refusals:
        raise EvidenceRefused(["Choose at least one file to upload."])
    inspected = _inspect_all(files, refusals)
    links: list[EvidenceLink] = []
    with (
        _stored_files_removed_on_failure() as stored,
        transaction.atomic(durable=True),
    ):
        application = _lock(application, [response.criterion])
        _check_quota(application, inspected)
        for item in inspected:
            document = EvidenceDocument.objects.create(application=application)
            revision = _store_revision(
                document=document, number=1, item=item, user=user, stored=stored
            )
            document.current = revision
            document.save(update_fields=["current", "updated_at"])
            links.append(
                EvidenceLink.objects.create(
                    response=response, document=document, pointer=pointer, added_by=user
                )
            )
            event_record(
                application=application,
                kind=ApplicationEvent.Kind.EVIDENCE_UPLOADED,
                actor=user,
                criterion=response.criterion,
                document=document,
                detail=_event_detail(item, pointer),
            )
    return links


def evidence_replace(
    *,
    application: Application,
    document: EvidenceDocument,
    file: UploadedFile | None,
    user: User,
    refusals: Sequence[str] = (),
) -> EvidenceRevision:
    """Make a new file the current revision of ``document``. Older revisions are kept, listed
    and downloadable; every criterion that uses the document now points at the new one.

    While more information is requested only the re-opened criteria may change. When the file
    is also used by criteria that are not re-opened, it is replaced for the re-opened ones
    only: the new revision goes into a new document, and only the re-opened criteria's links
    move to it, so the other criteria keep the document and revision they had (and earlier
    submission records, which point at revisions, are untouched either way). The returned
    revision's ``document`` is the one now holding it.
    """
    if document.application_id != application.pk:
        raise DomainError("That file belongs to another application.")
    _guard_open(application)
    if file is None and not refusals:
        raise EvidenceRefused(["Choose the new file to upload."])
    [item] = _inspect_all([file] if file is not None else [], refusals)
    with (
        _stored_files_removed_on_failure() as stored,
        transaction.atomic(durable=True),
    ):
        application = _lock(application)
        _check_quota(application, [item])
        document = EvidenceDocument.objects.select_related("current").get(pk=document.pk)
        previous = document.current
        links = list(document.links.select_related("response__criterion").order_by("pk"))
        scoped = application.status == ApplicationStatus.INFORMATION_REQUESTED
        reopened = reopened_criterion_ids(application) if scoped else frozenset()
        moving = [link for link in links if link.response.criterion_id in reopened]
        staying = [link for link in links if link.response.criterion_id not in reopened]
        if scoped and not moving:
            raise DomainError(
                "This file is not used by any of the criteria the assessors asked about, so it "
                "cannot be replaced now. Only the criteria named in the request for more "
                "information are open again."
            )
        number = (document.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        target = document
        if scoped and staying:
            target = EvidenceDocument.objects.create(application=application)
        revision = _store_revision(
            document=target,
            number=number,
            item=item,
            user=user,
            stored=stored,
            previous=previous,
        )
        target.current = revision
        target.save(update_fields=["current", "updated_at"])
        before = f"{previous.original_name} (version {previous.number})" if previous else "–"
        detail = f"{before} replaced by {_event_detail(item)} (version {number})"
        if target is not document:
            EvidenceLink.objects.filter(pk__in=[link.pk for link in moving]).update(document=target)
            detail += (
                f" for criteria {', '.join(link.response.criterion.code for link in moving)} "
                f"only; {', '.join(link.response.criterion.code for link in staying)} keep "
                "the earlier version"
            )
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.EVIDENCE_REPLACED,
            actor=user,
            document=target,
            detail=detail,
        )
    return revision


@transaction.atomic
def evidence_link(
    *,
    application: Application,
    response: Response,
    document: EvidenceDocument,
    pointer: str,
    user: User,
) -> EvidenceLink:
    """Offer a file already in the application as evidence for another criterion."""
    if response.application_id != application.pk or document.application_id != application.pk:
        raise DomainError("That file or criterion belongs to another application.")
    pointer = _clean_pointer(pointer)
    application = _lock(application, [response.criterion])
    name = document.current.original_name if document.current_id else "That file"
    try:
        with transaction.atomic():
            link = EvidenceLink.objects.create(
                response=response, document=document, pointer=pointer, added_by=user
            )
    except IntegrityError:
        raise DomainError(
            f"“{name}” is already evidence for criterion {response.criterion.code}."
        ) from None
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.EVIDENCE_LINKED,
        actor=user,
        criterion=response.criterion,
        document=document,
        detail=f"{name}; {pointer}" if pointer else name,
    )
    return link


@transaction.atomic
def evidence_unlink(*, application: Application, link: EvidenceLink, user: User) -> None:
    """Stop offering a file for one criterion. The file stays in the application's library."""
    if link.response.application_id != application.pk:
        raise DomainError("That link belongs to another application.")
    application = _lock(application, [link.response.criterion])
    document = link.document
    name = document.current.original_name if document.current_id else str(document)
    criterion = link.response.criterion
    link.delete()
    event_record(
        application=application,
        kind=ApplicationEvent.Kind.EVIDENCE_UNLINKED,
        actor=user,
        criterion=criterion,
        document=document,
        detail=name,
    )
