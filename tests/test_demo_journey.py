"""The demo gives every role something to do: an application at every stage, made through the
services, and running it again makes nothing twice."""

import pytest

from accounts.demo import DEMO_PASSWORD, demo_people_create
from accreditation.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Certificate,
    CertificateStatus,
    Condition,
    ConditionStatus,
    InformationRequest,
    InformationRequestStatus,
    ReportStatus,
    Score,
    SubmissionRecord,
)
from qismet_portal.demo_journey import CASES, demo_journey_create
from standards.services import demonstration_edition_load

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_an_application_at_every_stage_and_runs_twice(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    version = demonstration_edition_load()
    demo_people_create()
    made = demo_journey_create(version=version, password=DEMO_PASSWORD)
    assert len(made) == len(CASES)

    status = {
        app.programme.name: app.status
        for app in Application.objects.select_related("programme").exclude(
            status=ApplicationStatus.DRAFT
        )
    }
    assert status == {
        "Diabetes Education for Life": ApplicationStatus.SUBMITTED,
        "Active Living with Arthritis": ApplicationStatus.IN_ASSESSMENT,
        "Breathe Easy Peer Navigators": ApplicationStatus.INFORMATION_REQUESTED,
        "Pain Toolkit Community Course": ApplicationStatus.IN_ASSESSMENT,
        "Living Well with COPD": ApplicationStatus.MODERATION,
        "Peer Mentors for Mental Health": ApplicationStatus.AWAITING_DECISION,
        "Carb Counting Made Simple": ApplicationStatus.CONDITIONAL,
        "Expert Patients Together": ApplicationStatus.ACCREDITED,
        "Steady Steps Falls Confidence": ApplicationStatus.ACCREDITED,
        "Pain Toolkit Online": ApplicationStatus.ACCREDITED,
    }
    # Two certificates, their PDFs made: one active, one suspended; one accredited application
    # waits for an administrator to issue its certificate.
    certificates = {c.programme_name: c for c in Certificate.objects.select_related("document")}
    assert set(certificates) == {"Expert Patients Together", "Steady Steps Falls Confidence"}
    assert certificates["Expert Patients Together"].status == CertificateStatus.ACTIVE
    assert certificates["Steady Steps Falls Confidence"].status == CertificateStatus.SUSPENDED
    assert all(c.document.status == ReportStatus.READY for c in certificates.values())
    # Each stage carries what people act on.
    assert Assignment.objects.filter(
        status=AssignmentStatus.OFFERED, application__programme__name="Active Living with Arthritis"
    ).exists()
    assert InformationRequest.objects.filter(status=InformationRequestStatus.OPEN).count() == 1
    part_way = Assignment.objects.get(
        application__programme__name="Pain Toolkit Community Course", role="second"
    )
    assert 0 < Score.objects.filter(assignment=part_way).count() < 44
    assert part_way.completed_at is None
    conditions = Condition.objects.filter(application__programme__name="Carb Counting Made Simple")
    assert sorted(c.status for c in conditions) == [
        ConditionStatus.EVIDENCE_SENT,
        ConditionStatus.OPEN,
    ]
    # Tom's declared interest keeps him off Northfield's applications.
    assert not Assignment.objects.filter(
        assessor__email="assessor2@qismet.example.org",
        application__programme__organisation__name="Northfield Diabetes Education Service",
    ).exists()

    records = SubmissionRecord.objects.count()
    assert demo_journey_create(version=version, password=DEMO_PASSWORD) == []
    assert SubmissionRecord.objects.count() == records
    assert Certificate.objects.count() == 2


def test_the_demo_command_publishes_2026_2_after_its_applications_and_runs_twice(
    settings, tmp_path
):
    """``manage.py demo`` makes the applications against 2026.1, then publishes 2026.2 through
    the editing services: the applications stay on 2026.1 and new ones start on 2026.2."""
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User
    from accreditation.services.applications import application_start
    from providers.models import DeliveryMode, Organisation
    from providers.services.programmes import programme_create
    from standards.models import StandardVersion, VersionStatus
    from standards.selectors import published_versions

    settings.DEBUG = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    out = StringIO()
    call_command("demo", "--no-serve", "--allow-any-database", stdout=out)
    versions = dict(
        StandardVersion.objects.filter(standard__code="QISMET-DEMO").values_list("number", "status")
    )
    assert versions == {"2026.1": VersionStatus.RETIRED, "2026.2": VersionStatus.PUBLISHED}
    assert "version 2026.2 (new applications); the demo applications use version 2026.1" in (
        out.getvalue()
    )
    applications = Application.objects.values_list("version__number", flat=True)
    assert len(applications) == len(CASES) + 1  # and Brightside's draft
    assert set(applications) == {"2026.1"}

    current = published_versions().get(standard__code="QISMET-DEMO")
    programme = programme_create(
        organisation=Organisation.objects.get(name="Brightside Self-Management CIC"),
        name="Walking Buddies",
        conditions="Type 2 diabetes",
        delivery_mode=DeliveryMode.ONE_TO_ONE,
        description="Volunteer buddies walk with people newly diagnosed.",
    )
    started = application_start(
        programme=programme,
        version=current,
        user=User.objects.get(email="lead@brightside.example.org"),
    )
    assert started.version.number == "2026.2"
    assert started.responses.count() == 49

    records = SubmissionRecord.objects.count()
    call_command("demo", "--no-serve", "--allow-any-database", stdout=StringIO())
    assert StandardVersion.objects.filter(standard__code="QISMET-DEMO").count() == 2
    assert Application.objects.count() == len(CASES) + 2
    assert SubmissionRecord.objects.count() == records


def test_the_demo_still_runs_when_another_version_has_replaced_2026_1(settings):
    """An administrator may publish their own revision in the demo; the demo then says why it
    did not make 2026.2 and carries on with the version that is current."""
    from io import StringIO

    from django.core.management import call_command

    from standards.models import StandardVersion
    from standards.services import version_copy_as_draft, version_publish

    settings.DEBUG = True
    first = demonstration_edition_load()
    version_publish(
        version=version_copy_as_draft(version=first, number="2027.1", user=None), user=None
    )
    out = StringIO()
    call_command("demo", "--no-serve", "--allow-any-database", stdout=out)
    text = out.getvalue()
    assert "The revision was not applied" in text
    assert "written against version 2026.1 of QISMET-DEMO" in text
    assert "version 2027.1 (new applications)" in text
    assert not StandardVersion.objects.filter(number="2026.2").exists()
