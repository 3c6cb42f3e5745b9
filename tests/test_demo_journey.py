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
