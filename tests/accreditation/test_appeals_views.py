"""The appeal pages: every role at every URL, the forms, the application page's panel, and
query-count guards."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accreditation.models import Appeal, AppealStatus, ApplicationStatus
from providers.models import MembershipRole
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory

from .decided import decided
from .test_appeals import GROUNDS, lodged
from .test_applications import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A not-accredited application, its appeal lodged and a reviewer assigned, and everyone
    around it."""
    decider = AdministratorFactory(full_name="Dee Decider")
    stage = decided(decided_by=decider)
    application = stage.application
    reviewer = AssessorFactory(full_name="Rae Reviewer")
    people = {
        "anonymous": None,
        "lead": application.started_by,
        "contributor": member(application, MembershipRole.CONTRIBUTOR),
        "signatory": member(application, "signatory"),
        "provider_b": MembershipFactory(role=MembershipRole.LEAD).user,
        "unrelated_assessor": AssessorFactory(),
        "assessor_who_assessed": stage.lead.assessor,
        "reviewer": reviewer,
        "administrator": AdministratorFactory(),
        "administrator_who_decided": decider,
    }
    return stage, people


def _lodged(world):
    stage, people = world
    appeal = lodged(stage)
    appeal.reviewers.add(people["reviewer"])
    Appeal.objects.filter(pk=appeal.pk).update(status=AppealStatus.UNDER_REVIEW)
    return appeal


# Expected status for GET of each page, by role: 302 sign in, 404 out of reach, 403 refused.
DETAIL_GET = {
    "anonymous": 302,
    "lead": 200,
    "contributor": 200,
    "signatory": 200,
    "provider_b": 404,
    "unrelated_assessor": 404,
    "assessor_who_assessed": 403,
    "reviewer": 200,
    "administrator": 200,
    "administrator_who_decided": 200,
}
LODGE_GET = {
    "anonymous": 302,
    "lead": 200,
    "contributor": 403,
    "signatory": 200,
    "provider_b": 404,
    "unrelated_assessor": 404,
    "assessor_who_assessed": 403,
    "reviewer": 404,  # no appeal yet, so not yet a reviewer: the application is out of reach
    "administrator": 403,
    "administrator_who_decided": 403,
}
# Who may POST each action on the appeal page.
ASSIGN_ALLOWED = {"administrator"}
DECIDE_ALLOWED = {"reviewer"}


@pytest.mark.parametrize("role", list(DETAIL_GET))
def test_appeal_detail_for_every_role(world, login, role):
    stage, people = world
    appeal = _lodged(world)
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    response = login(people[role]).get(url)
    assert response.status_code == DETAIL_GET[role]
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    if response.status_code == 200:
        assert GROUNDS.encode() in response.content


@pytest.mark.parametrize("role", list(LODGE_GET))
def test_appeal_lodge_for_every_role(world, login, role):
    stage, people = world
    url = reverse("accreditation:appeal_lodge", args=[stage.application.pk])
    client = login(people[role])
    assert client.get(url).status_code == LODGE_GET[role]
    response = client.post(url, {"grounds": GROUNDS})
    stage.refresh()
    if LODGE_GET[role] == 200:
        appeal = Appeal.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "accreditation:appeal_detail", args=[stage.application.pk, appeal.pk]
        )
        assert stage.application.status == ApplicationStatus.APPEAL
    else:
        assert response.status_code == LODGE_GET[role]
        assert not Appeal.objects.exists()
        assert stage.application.status == ApplicationStatus.NOT_ACCREDITED


@pytest.mark.parametrize("role", list(DETAIL_GET))
def test_assigning_reviewers_is_for_administrators_who_took_no_part(world, login, role):
    stage, people = world
    appeal = lodged(stage)
    newcomer = AssessorFactory()
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    response = login(people[role]).post(url, {"action": "reviewers", "reviewers": [newcomer.pk]})
    appeal.refresh_from_db()
    if role in ASSIGN_ALLOWED:
        assert response.status_code == 302
        assert list(appeal.reviewers.all()) == [newcomer]
    else:
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
        assert not appeal.reviewers.exists() and appeal.status == AppealStatus.LODGED


@pytest.mark.parametrize("role", list(DETAIL_GET))
def test_recording_the_outcome_is_for_the_reviewers(world, login, role):
    stage, people = world
    appeal = _lodged(world)
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    response = login(people[role]).post(
        url, {"action": "decide", "result": "dismissed", "reasons": "The scores stand."}
    )
    appeal.refresh_from_db()
    stage.refresh()
    if role in DECIDE_ALLOWED:
        assert response.status_code == 302
        assert appeal.status == AppealStatus.DISMISSED
        assert stage.application.status == ApplicationStatus.NOT_ACCREDITED
    else:
        assert response.status_code in (302, 403, 404)
        assert appeal.status == AppealStatus.UNDER_REVIEW
        assert stage.application.status == ApplicationStatus.APPEAL


def test_a_reviewer_who_is_an_assessor_can_read_the_application(world, login):
    stage, people = world
    url = reverse("accreditation:application_detail", args=[stage.application.pk])
    client = login(people["reviewer"])
    assert client.get(url).status_code == 404  # not yet a reviewer
    _lodged(world)
    assert client.get(url).status_code == 200
    history = reverse("accreditation:application_history", args=[stage.application.pk])
    assert client.get(history).status_code == 200
    # The application stays out of reach of an assessor who reviews nothing.
    assert login(people["unrelated_assessor"]).get(url).status_code == 404


def test_the_form_offers_only_people_with_no_part(world, login):
    stage, people = world
    appeal = lodged(stage)
    free = AssessorFactory(full_name="Fay Free")
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    page = login(people["administrator"]).get(url).content.decode()
    assert "Fay Free (assessor)" in page
    assert "Dee Decider" not in page
    assert people["assessor_who_assessed"].full_name not in page
    # Someone not offered, posted anyway, is refused by the form.
    response = login(people["administrator"]).post(
        url, {"action": "reviewers", "reviewers": [people["administrator_who_decided"].pk]}
    )
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert not appeal.reviewers.exists()
    assert free.pk


def test_the_administrator_who_decided_is_told_why_there_is_no_form(world, login):
    stage, people = world
    appeal = lodged(stage)
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    page = login(people["administrator_who_decided"]).get(url).content.decode()
    assert "another administrator chooses who hears its appeal" in page
    assert 'name="action" value="reviewers"' not in page


def test_the_reviewer_upholds_with_a_new_outcome_through_the_page(world, login):
    stage, people = world
    appeal = _lodged(world)
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    client = login(people["reviewer"])
    refused = client.post(url, {"action": "decide", "result": "upheld", "reasons": "R."})
    assert refused.status_code == 200 and b"Choose the new outcome" in refused.content
    done = client.post(
        url,
        {"action": "decide", "result": "upheld", "outcome": "conditional", "reasons": "Fine."},
        follow=True,
    )
    assert b"The appeal was upheld" in done.content
    stage.refresh()
    assert stage.application.status == ApplicationStatus.CONDITIONAL
    # The provider hears it in the portal, and the reviewer's name is not shown to them.
    lead = people["lead"]
    assert Notification.objects.filter(user=lead, message__contains="upheld").exists()
    page = login(lead).get(url).content.decode()
    assert "The appeal was upheld" in page and "Rae Reviewer" not in page


def test_refused_lodging_says_why_without_a_form(settings, login):
    settings.APPEAL_WINDOW_DAYS = 28
    stage = decided(days_ago=40)
    url = reverse("accreditation:appeal_lodge", args=[stage.application.pk])
    page = login(stage.application.started_by).get(url).content.decode()
    assert "This decision cannot be appealed" in page and "period has ended" in page
    assert 'name="grounds"' not in page


def test_empty_grounds_are_refused_with_the_error_summary(world, login):
    stage, people = world
    url = reverse("accreditation:appeal_lodge", args=[stage.application.pk])
    response = login(people["lead"]).post(url, {"grounds": " "})
    assert response.status_code == 200
    assert b"Enter your grounds for appeal" in response.content
    assert not Appeal.objects.exists()


# --- the application page's panel -----------------------------------------------------------


def test_the_application_page_says_until_when_an_appeal_can_be_lodged(login, settings):
    settings.APPEAL_WINDOW_DAYS = 28
    stage = decided(days_ago=3)
    url = reverse("accreditation:application_detail", args=[stage.application.pk])
    lead_page = login(stage.application.started_by).get(url).content.decode()
    assert "You can appeal the decision of" in lead_page
    last_day = stage.decision.decided_at.date() + __import__("datetime").timedelta(days=28)
    assert f"{last_day.day} {last_day:%B %Y}" in lead_page
    assert reverse("accreditation:appeal_lodge", args=[stage.application.pk]) in lead_page
    contributor = member(stage.application, MembershipRole.CONTRIBUTOR)
    page = login(contributor).get(url).content.decode()
    assert "someone who can sign for it, can lodge an appeal" in page
    assert reverse("accreditation:appeal_lodge", args=[stage.application.pk]) not in page
    admin_page = login(AdministratorFactory()).get(url).content.decode()
    assert "The provider can appeal the decision" in admin_page


def test_the_application_page_shows_the_appeal_and_its_state(world, login):
    stage, people = world
    appeal = _lodged(world)
    url = reverse("accreditation:application_detail", args=[stage.application.pk])
    link = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    page = login(people["lead"]).get(url).content.decode()
    assert "under review" in page and link in page
    assessor_page = login(people["assessor_who_assessed"]).get(url).content.decode()
    assert "under review" in assessor_page and link not in assessor_page


def test_an_accredited_application_has_no_appeal_panel(login):
    stage = decided(outcome="accredited")
    url = reverse("accreditation:application_detail", args=[stage.application.pk])
    page = login(stage.application.started_by).get(url).content.decode()
    assert 'id="appeals-heading"' not in page


def test_notify_from_a_service_reaches_the_right_people_only(world, login):
    stage, people = world
    # Earlier steps (acceptance, the decision) notified people too: start from nothing unread.
    Notification.objects.update(read_at=timezone.now())
    lodged(stage)
    admin = people["administrator"]
    page = login(admin).get(reverse("notifications")).content.decode()
    assert f"Application {stage.application.reference}: the provider has appealed" in page
    assert "(1 unread)" in page
    for role in ("lead", "reviewer", "unrelated_assessor"):
        other = login(people[role]).get(reverse("notifications")).content.decode()
        assert "the provider has appealed" not in other
    # The provider's lead has notifications of the earlier stages; the outsider has none.
    assert (
        "unread)"
        not in login(people["unrelated_assessor"]).get(reverse("notifications")).content.decode()
    )


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 6])
def test_the_appeal_page_reads_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries, extra
):
    stage, people = world
    appeal = _lodged(world)
    for _ in range(extra):
        appeal.reviewers.add(AssessorFactory())
        AdministratorFactory()
        AssessorFactory()
    url = reverse("accreditation:appeal_detail", args=[stage.application.pk, appeal.pk])
    for role in ("administrator", "reviewer", "lead"):
        client = login(people[role])
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
