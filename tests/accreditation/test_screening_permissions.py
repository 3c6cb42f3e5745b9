"""Every screening and assignment URL refuses each role that must not reach it, and a refusal
changes nothing. Anonymous people sign in first; people who cannot see the application (or the
offer) get 404; people who can see it but may not act get 403."""

import pytest
from django.urls import reverse

from accreditation.models import ApplicationEvent, Assignment, AssignmentRole, DeclaredInterest
from accreditation.services.assignments import assignment_create
from accreditation.services.screening import application_accept
from qismet_portal.working_days import add_working_days
from tests.factories import AssessorFactory, MembershipFactory

from .journey import in_assessment, submitted_application

pytestmark = pytest.mark.django_db

URL_NAMES = [
    "screening_queue",
    "application_screen",
    "assignment_manage",
    "assignment_respond",
    "assessor_profile",
    "interests_mine",
]

POST = {
    "accept": "1",
    "return": "1",
    "return-reasons": "Missing things",
    "assign": "1",
    "decline": "1",
    "decline-reason": "No",
    "accept-confirm": "on",
    "grant": "1",
}


@pytest.fixture
def world():
    """A submitted application (for screening), one in assessment with an offer waiting and
    both places taken, and the people around them."""
    waiting = submitted_application(criteria_per_theme=1)
    assessing = in_assessment(criteria_per_theme=1)
    offered_person = AssessorFactory()
    # Free the second place, then offer it.
    from accreditation.services.assignments import assignment_remove

    assignment_remove(assignment=assessing.second, user=assessing.administrator, reason="Swap")
    offer = assignment_create(
        application=assessing.application,
        assessor=offered_person,
        role=AssignmentRole.SECOND,
        due_on=add_working_days(assessing.application.created_at.date(), 40),
        user=assessing.administrator,
    )
    return {
        "waiting": waiting,
        "assessing": assessing,
        "offer": offer,
        "people": {
            "provider_of_applicant": assessing.application.started_by,
            "other_provider": MembershipFactory().user,
            "assessor_not_assigned": AssessorFactory(),
            "offered_assessor": offered_person,
            "assigned_assessor": assessing.lead.assessor,
            "administrator": assessing.administrator,
        },
    }


def _url(name, world):
    application = world["assessing"].application
    if name == "screening_queue":
        return reverse("accreditation:screening_queue")
    if name == "application_screen":
        return reverse("accreditation:application_screen", args=[world["waiting"].application.pk])
    if name == "assignment_manage":
        return reverse("accreditation:assignment_manage", args=[application.pk])
    if name == "assignment_respond":
        return reverse("accreditation:assignment_respond", args=[world["offer"].pk])
    if name == "assessor_profile":
        return reverse("accreditation:assessor_profile", args=[world["offer"].assessor_id])
    return reverse("accreditation:interests_mine")


def _state():
    return (
        ApplicationEvent.objects.count(),
        list(Assignment.objects.order_by("pk").values_list("status", "declared_at")),
        DeclaredInterest.objects.count(),
    )


def test_the_list_covers_every_url_of_the_area():
    from accreditation.urls import urlpatterns

    names = {p.name for p in urlpatterns}
    assert set(URL_NAMES) <= names


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_people_are_sent_to_sign_in(client, world, name, method):
    before = _state()
    response = getattr(client, method)(_url(name, world), POST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _state() == before


# (person, url, expected status for GET and for POST)
MATRIX = {
    "screening_queue": {
        "provider_of_applicant": 403,
        "other_provider": 403,
        "assessor_not_assigned": 403,
        "offered_assessor": 403,
        "assigned_assessor": 403,
        "administrator": 200,
    },
    "application_screen": {
        "provider_of_applicant": 404,  # another organisation's application
        "other_provider": 404,
        "assessor_not_assigned": 404,
        "offered_assessor": 404,
        "assigned_assessor": 404,
        "administrator": 200,
    },
    "assignment_manage": {
        "provider_of_applicant": 403,
        "other_provider": 404,
        "assessor_not_assigned": 404,
        "offered_assessor": 404,
        "assigned_assessor": 403,
        "administrator": 200,
    },
    "assignment_respond": {
        "provider_of_applicant": 404,
        "other_provider": 404,
        "assessor_not_assigned": 404,
        "offered_assessor": 200,
        "assigned_assessor": 404,
        "administrator": 404,
    },
    "assessor_profile": {  # the offered assessor's profile
        "provider_of_applicant": 404,
        "other_provider": 404,
        "assessor_not_assigned": 404,
        "offered_assessor": 200,  # their own, read-only
        "assigned_assessor": 404,
        "administrator": 200,
    },
    "interests_mine": {
        "provider_of_applicant": 403,
        "other_provider": 403,
        "assessor_not_assigned": 200,
        "offered_assessor": 200,
        "assigned_assessor": 200,
        "administrator": 403,  # no assessor profile of their own
    },
}


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("person", list(MATRIX["screening_queue"]))
def test_each_role_gets_what_it_should(login, world, name, person):
    client = login(world["people"][person])
    expected = MATRIX[name][person]
    assert client.get(_url(name, world)).status_code == expected
    if expected != 200:
        before = _state()
        assert client.post(_url(name, world), POST).status_code == expected
        assert _state() == before


def test_the_assessor_cannot_post_to_their_own_profile(login, world):
    offered = world["people"]["offered_assessor"]
    before = _state()
    response = login(offered).post(_url("assessor_profile", world), {"save_profile": "1"})
    assert response.status_code == 403
    assert _state() == before


def test_the_provider_of_the_waiting_application_cannot_screen_it(login, world):
    stage = world["waiting"]
    url = reverse("accreditation:application_screen", args=[stage.application.pk])
    client = login(stage.application.started_by)
    assert client.get(url).status_code == 403
    assert client.post(url, {"accept": "1"}).status_code == 403
    stage.application.refresh_from_db()
    assert stage.application.status == "submitted"
    application_accept(application=stage.application, user=stage.administrator)
