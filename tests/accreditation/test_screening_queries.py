"""The screening queue and the assignment page read a fixed number of queries, however many
applications or assessors there are."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Application, ApplicationStatus, AssessorProfile, Assignment
from providers.models import DeliveryMode
from tests.factories import AssessorFactory, OrganisationFactory

from .factories import ProgrammeFactory
from .journey import in_assessment, submitted_application

pytestmark = pytest.mark.django_db


def _more_applications(like: Application, count: int) -> None:
    """``count`` more applications like ``like``, half waiting for screening and half in
    assessment with one assessor offered (rows made directly: the queue reads, it does not
    care how they got there)."""
    now = timezone.now()
    for n in range(count):
        programme = ProgrammeFactory(organisation=OrganisationFactory())
        status = ApplicationStatus.SUBMITTED if n % 2 else ApplicationStatus.IN_ASSESSMENT
        application = Application.objects.create(
            reference=f"Q-{n}",
            programme=programme,
            version=like.version,
            status=status,
            started_by=like.started_by,
            submitted_at=now,
            declaration_signed_at=now,
        )
        if status == ApplicationStatus.IN_ASSESSMENT:
            Assignment.objects.create(
                application=application,
                assessor=AssessorFactory(),
                role="lead",
                due_on=timezone.localdate(),
                assigned_by=like.started_by,
            )


def _queue_queries(client, django_assert_max_num_queries, bound):
    for query in ("", "?queue=assessors", "?queue=screening&region=london"):
        with django_assert_max_num_queries(bound):
            response = client.get(reverse("accreditation:screening_queue") + query)
        assert response.status_code == 200


QUEUE_BOUND = 14


@pytest.mark.parametrize("extra", [3, 30])
def test_the_queue_is_flat_in_the_number_of_applications(
    login, administrator, django_assert_max_num_queries, extra
):
    stage = submitted_application(criteria_per_theme=1)
    _more_applications(stage.application, extra)
    client = login(administrator)
    _queue_queries(client, django_assert_max_num_queries, QUEUE_BOUND)
    page = client.get(reverse("accreditation:screening_queue")).content.decode()
    assert stage.application.reference in page
    assert "Needing assessors" in page


ASSIGNMENT_BOUND = 16


@pytest.mark.parametrize("assessors", [3, 20])
def test_the_assignment_page_is_flat_in_the_number_of_assessors(
    login, django_assert_max_num_queries, assessors
):
    stage = in_assessment(criteria_per_theme=1)
    Assignment.objects.filter(pk=stage.second.pk).delete()  # a free place: the form shows
    for n in range(assessors):
        person = AssessorFactory()
        AssessorProfile.objects.filter(user=person).update(
            conditions="type 2 diabetes" if n % 2 else "COPD",
            delivery_modes=[DeliveryMode.GROUP],
        )
    client = login(stage.administrator)
    url = reverse("accreditation:assignment_manage", args=[stage.application.pk])
    with django_assert_max_num_queries(ASSIGNMENT_BOUND):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-label="Current load"') >= assessors
