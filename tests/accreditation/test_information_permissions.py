"""Every URL of requests for more information refuses each role that must not reach it, and
the pages read a fixed number of queries however many criteria and files there are."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import (
    Assignment,
    EvidenceLink,
    InformationRequest,
    Response,
)
from accreditation.services.applications import application_submit
from providers.models import MembershipRole
from tests.factories import AssessorFactory, MembershipFactory

from .journey import in_assessment, information_requested
from .test_applications import document_add, evidence_add, member, signatory_of

pytestmark = pytest.mark.django_db

INFORMATION_URLS = {
    "information_request_new",
    "information_request_detail",
    "information_request_cancel",
    "submission_changes",
}
ROLES = [
    "anonymous",
    "provider_lead",
    "provider_contributor",
    "provider_b",
    "unassigned_assessor",
    "offered_assessor",
    "assigned_assessor",
    "administrator",
]
EXPECTED = {
    #                             new   detail changes
    "anonymous": (302, 302, 302),
    "provider_lead": (403, 200, 200),
    "provider_contributor": (403, 200, 200),
    "provider_b": (404, 404, 404),
    "unassigned_assessor": (404, 404, 404),
    "offered_assessor": (404, 404, 404),
    "assigned_assessor": (200, 200, 200),
    "administrator": (403, 200, 200),
}


@pytest.fixture(autouse=True)
def _storage(private_storage):
    return private_storage


def _respond(stage, note=""):
    signer = signatory_of(stage.application)
    application_submit(
        application=stage.application,
        user=signer,
        full_name=signer.full_name,
        role="Director",
        confirmed=True,
        note=note,
    )
    return stage.refresh()


@pytest.fixture
def answered():
    """In assessment again after answering one request (submission 2 exists)."""
    stage = information_requested()
    return _respond(stage)


def _user(role, stage):
    application = stage.application
    if role == "anonymous":
        return None
    if role == "provider_lead":
        return application.started_by
    if role == "provider_contributor":
        return member(application, MembershipRole.CONTRIBUTOR)
    if role == "provider_b":
        return MembershipFactory(role=MembershipRole.LEAD).user
    if role == "unassigned_assessor":
        return AssessorFactory()
    if role == "offered_assessor":
        user = AssessorFactory()
        stage.second.remove()
        stage.second.save()
        Assignment.objects.create(
            application=application,
            assessor=user,
            role="second",
            assigned_by=stage.administrator,
            due_on=timezone.localdate() + datetime.timedelta(days=20),
        )
        return user
    if role == "assigned_assessor":
        return stage.lead.assessor
    return stage.administrator


def _urls(stage):
    application = stage.application
    request = InformationRequest.objects.get(application=application)
    return [
        reverse("accreditation:information_request_new", args=[application.pk]),
        reverse("accreditation:information_request_detail", args=[application.pk, request.pk]),
        reverse("accreditation:submission_changes", args=[application.pk, 2]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_information_url_for_every_role(role, answered, login):
    client = login(_user(role, answered))
    for url, expected in zip(_urls(answered), EXPECTED[role], strict=True):
        page = client.get(url)
        assert page.status_code == expected, (role, url)
        if expected == 302:
            assert "/accounts/login/" in page["Location"] or "login" in page["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_raising_by_post_is_refused_to_all_but_the_assigned_assessor(role, login):
    stage = in_assessment()
    user = _user(role, stage)
    url = reverse("accreditation:information_request_new", args=[stage.application.pk])
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    page = login(user).post(
        url, {"criteria": [stage.criteria[0].pk], "message": "Send it", "due_on": due}
    )
    if role == "assigned_assessor":
        request = InformationRequest.objects.get()
        assert page.status_code == 302
        assert page["Location"] == reverse(
            "accreditation:information_request_detail", args=[stage.application.pk, request.pk]
        )
    else:
        assert page.status_code == EXPECTED[role][0]
        assert not InformationRequest.objects.exists()


#: Cancelling an open request by POST: who may, and what the others get.
CANCEL_EXPECTED = {
    "anonymous": 302,
    "provider_lead": 403,
    "provider_contributor": 403,
    "provider_b": 404,
    "unassigned_assessor": 404,
    "offered_assessor": 404,
    "assigned_assessor": 302,
    "administrator": 302,
}


@pytest.mark.parametrize("role", ROLES)
def test_cancelling_by_post_only_for_assessors_and_administrators(role, login):
    stage = information_requested()
    user = _user(role, stage)
    request = InformationRequest.objects.get(application=stage.application)
    url = reverse(
        "accreditation:information_request_cancel", args=[stage.application.pk, request.pk]
    )
    client = login(user)
    assert client.get(url).status_code in (302, 403, 404, 405)  # never a page of its own
    page = client.post(url, {"reason": "Asked by mistake."})
    assert page.status_code == CANCEL_EXPECTED[role], role
    request.refresh_from_db()
    stage.refresh()
    if role in ("assigned_assessor", "administrator"):
        assert page["Location"] == reverse(
            "accreditation:information_request_detail", args=[stage.application.pk, request.pk]
        )
        assert request.status == "cancelled" and request.cancelled_by == user
        assert stage.application.status == "in_assessment"
    else:
        if role == "anonymous":
            assert "login" in page["Location"]
        assert request.status == "open" and request.cancelled_at is None
        assert stage.application.status == "information_requested"


def test_the_form_offers_criteria_by_theme_and_refuses_a_past_date(login):
    stage = in_assessment()
    client = login(stage.lead.assessor)
    url = reverse("accreditation:information_request_new", args=[stage.application.pk])
    page = client.get(url)
    assert b"Theme 1:" in page.content and stage.criteria[0].code.encode() in page.content
    page = client.post(url, {"criteria": [], "message": "", "due_on": "2001-01-01"})
    assert page.status_code == 400
    assert b"There is a problem" in page.content
    assert b"Choose at least one criterion" in page.content
    assert b"The due date must be in the future" in page.content
    assert not InformationRequest.objects.exists()


def test_the_provider_page_marks_reopened_criteria_and_forms_follow(login):
    stage = information_requested()
    named, other = stage.criteria[0], stage.criteria[1]
    client = login(stage.application.started_by)
    overview = client.get(reverse("accreditation:application_detail", args=[stage.application.pk]))
    assert overview.content.count(b"Re-opened: answer this") == 1
    signer = login(signatory_of(stage.application))
    assert (
        b"Sign and send the response"
        in signer.get(
            reverse("accreditation:application_detail", args=[stage.application.pk])
        ).content
    )
    named_page = client.get(
        reverse("accreditation:response_edit", args=[stage.application.pk, named.pk])
    )
    assert b'name="narrative"' in named_page.content and b"Upload files" in named_page.content
    other_page = client.get(
        reverse("accreditation:response_edit", args=[stage.application.pk, other.pk])
    )
    assert b'name="narrative"' not in other_page.content
    assert b"Upload files" not in other_page.content
    assert b"not one of the criteria the assessors asked about" in other_page.content
    # a save posted to a closed criterion is refused and changes nothing
    before = Response.objects.get(application=stage.application, criterion=other).narrative
    page = client.post(
        reverse("accreditation:response_edit", args=[stage.application.pk, other.pk]),
        {"narrative": "Changed", "rating": "met", "revision": 99},
    )
    assert page.status_code == 409
    assert Response.objects.get(application=stage.application, criterion=other).narrative == before
    page = client.post(
        reverse("accreditation:response_edit", args=[stage.application.pk, named.pk]),
        {"narrative": "Changed", "rating": "met", "revision": 1},
    )
    assert Response.objects.get(application=stage.application, criterion=named).narrative == (
        "Changed"
    )


def test_evidence_urls_refuse_closed_criteria(login):
    stage = information_requested()
    application = stage.application
    other = Response.objects.get(application=application, criterion=stage.criteria[1])
    user = application.started_by
    link = evidence_add(other, user)
    client = login(user)
    links_before = EvidenceLink.objects.count()
    client.post(reverse("accreditation:evidence_unlink", args=[application.pk, link.pk]))
    client.post(
        reverse("accreditation:evidence_link", args=[application.pk, other.criterion_id]),
        {"document": document_add(application, user).pk},
    )
    assert EvidenceLink.objects.count() == links_before
    page = client.post(
        reverse("accreditation:evidence_replace", args=[application.pk, link.document_id]), {}
    )
    assert page.status_code == 302
    assert link.document.revisions.count() == 1
    # administrators may look but never change
    admin = login(stage.administrator)
    page = admin.post(reverse("accreditation:evidence_unlink", args=[application.pk, link.pk]))
    assert page.status_code == 403


# --- query counts ---------------------------------------------------------------------------


def _answered_with(criteria_per_theme: int, files: int):
    stage = in_assessment(criteria_per_theme=criteria_per_theme)
    from accreditation.services.information import information_request_raise

    information_request_raise(
        application=stage.application,
        user=stage.lead.assessor,
        criteria=stage.criteria,
        message="Everything, please.",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    stage.refresh()
    response = Response.objects.get(application=stage.application, criterion=stage.criteria[0])
    for _ in range(files):
        evidence_add(response, stage.application.started_by)
    return _respond(stage, note="Done.")


@pytest.mark.parametrize(("criteria_per_theme", "files"), [(1, 2), (10, 200)])
def test_request_and_changes_pages_are_flat(
    criteria_per_theme, files, login, django_assert_max_num_queries
):
    stage = _answered_with(criteria_per_theme, files)
    request = InformationRequest.objects.get()
    for user in (stage.lead.assessor, stage.application.started_by):
        client = login(user)
        urls = [
            reverse(
                "accreditation:information_request_detail", args=[stage.application.pk, request.pk]
            ),
            reverse("accreditation:submission_changes", args=[stage.application.pk, 2]),
            reverse("accreditation:application_detail", args=[stage.application.pk]),
        ]
        for url in urls:
            with django_assert_max_num_queries(25):
                page = client.get(url)
            assert page.status_code == 200


def test_the_request_form_is_flat(login, django_assert_max_num_queries):
    for criteria_per_theme in (1, 10):
        stage = in_assessment(criteria_per_theme=criteria_per_theme)
        client = login(stage.lead.assessor)
        with django_assert_max_num_queries(15):
            page = client.get(
                reverse("accreditation:information_request_new", args=[stage.application.pk])
            )
        assert page.status_code == 200
