"""Starting, answering, submitting and withdrawing applications."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accreditation.models import Application, ApplicationEvent, ApplicationStatus, Response
from providers.models import Programme
from qismet_portal.exceptions import DomainError
from standards.models import Criterion, StandardVersion, VersionStatus

from .history import event_record


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
                reference=f"pending-{timezone.now().timestamp()}-{programme.pk}",
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
