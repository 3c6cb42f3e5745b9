"""The screening and assignment pages, driven as people use them."""

import pytest
from django.urls import reverse

from accreditation.models import ApplicationStatus, AssignmentStatus, DeclaredInterest
from qismet_portal.working_days import add_working_days
from tests.factories import AssessorFactory

from .journey import submitted_application

pytestmark = pytest.mark.django_db


def test_screen_accept_assign_and_accept_the_offer(login):
    stage = submitted_application(criteria_per_theme=1)
    application = stage.application
    admin = login(stage.administrator)
    screen = admin.get(reverse("accreditation:application_screen", args=[application.pk]))
    assert b"Criteria answered" in screen.content
    assert application.declaration_name.encode() in screen.content
    response = admin.post(
        reverse("accreditation:application_screen", args=[application.pk]), {"accept": "1"}
    )
    manage = reverse("accreditation:assignment_manage", args=[application.pk])
    assert response["Location"] == manage
    lead, second, conflicted = AssessorFactory(), AssessorFactory(), AssessorFactory()
    DeclaredInterest.objects.create(
        profile=conflicted.assessor_profile,
        organisation=application.programme.organisation,
        kind="employed",
        declared_by=conflicted,
    )
    page = admin.get(manage).content.decode()
    assert lead.full_name in page
    assert "Not offered because of a declared interest (1)" in page
    # The form does not offer the conflicted person; the service would refuse them anyway.
    refused = admin.post(
        manage,
        {"assign": "1", "assign-lead": conflicted.pk, "assign-due_on": "2099-01-05"},
    )
    assert refused.status_code == 400
    response = admin.post(
        manage,
        {
            "assign": "1",
            "assign-lead": lead.pk,
            "assign-second": second.pk,
            "assign-due_on": add_working_days(application.created_at.date(), 40).isoformat(),
        },
    )
    assert response.status_code == 302
    offer = application.assignments.get(assessor=lead)

    # The offer shows only what is needed to judge a conflict.
    assessor = login(lead)
    respond = reverse("accreditation:assignment_respond", args=[offer.pk])
    page = assessor.get(respond).content.decode()
    assert application.programme.organisation.name in page
    assert "I declare that" in page
    narrative = application.responses.first().narrative
    assert narrative and narrative not in page
    refused = assessor.post(respond, {"accept": "1"})
    assert refused.status_code == 400
    response = assessor.post(respond, {"accept": "1", "accept-confirm": "on"})
    assert response["Location"] == reverse(
        "accreditation:application_detail", args=[application.pk]
    )
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.ACCEPTED
    assert assessor.get(response["Location"]).status_code == 200


def test_return_with_reasons_shows_them_to_the_provider(login):
    stage = submitted_application(criteria_per_theme=1)
    application = stage.application
    admin = login(stage.administrator)
    url = reverse("accreditation:application_screen", args=[application.pk])
    assert admin.post(url, {"return": "1", "return-reasons": ""}).status_code == 400
    response = admin.post(url, {"return": "1", "return-reasons": "Add the 2024 KPI report."})
    assert response["Location"] == reverse("accreditation:screening_queue")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    page = login(application.started_by).get(
        reverse("accreditation:application_detail", args=[application.pk])
    )
    text = page.content.decode()
    assert "Add the 2024 KPI report." in text
    assert "submit the application again" in text


def test_assessors_declare_their_own_interests(login):
    from tests.factories import MembershipFactory

    assessor = AssessorFactory()
    organisation = MembershipFactory().organisation
    client = login(assessor)
    url = reverse("accreditation:interests_mine")
    response = client.post(
        url,
        {
            "declare": "1",
            "interest-organisation": organisation.pk,
            "interest-kind": "consultancy",
            "interest-description": "Advised on their curriculum",
        },
    )
    assert response["Location"] == url
    interest = DeclaredInterest.objects.get(profile__user=assessor)
    assert interest.ended_on is None
    response = client.post(
        url, {"end": "1", "end-interest": interest.pk, "end-ended_on": "2025-01-31"}
    )
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.ended_on.isoformat() == "2025-01-31"


def test_administrators_give_themselves_the_assessor_capability(login, administrator):
    client = login(administrator)
    url = reverse("accreditation:assessor_profile", args=[administrator.pk])
    assert b"Give yourself the assessor capability" in client.get(url).content
    client.post(url, {"grant": "1"})
    assert administrator.assessor_profile.is_active
    response = client.post(
        url,
        {
            "save_profile": "1",
            "profile-conditions": "COPD, asthma",
            "profile-delivery_modes": ["group", "online"],
            "profile-availability": "Two a month",
            "profile-max_active_assignments": "2",
            "profile-is_active": "on",
        },
    )
    assert response.status_code == 302
    administrator.assessor_profile.refresh_from_db()
    assert administrator.assessor_profile.delivery_modes == ["group", "online"]
