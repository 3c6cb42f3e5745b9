"""Who reaches each reports URL: every role, before and after the report is shared, GET and
POST, and a query count that stays flat with the number of criteria and files."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Report, ReportKind, ReportStatus
from accreditation.services.reports import report_render, report_request, report_share
from tests.factories import AdministratorFactory

from .journey import awaiting_decision, decided, in_moderation
from .test_decision_pages import ROLES, _people, _status

pytestmark = pytest.mark.django_db

URL_NAMES = (
    "report_list",
    "report_progress",
    "report_download",
    "report_retry",
    "report_share",
    "report_comments",
    "report_comments_close",
    "report_comment_answer",
)


@pytest.fixture
def reported(private_storage):
    admin_assessor = AdministratorFactory()
    stage = in_moderation(second=admin_assessor)
    decided(awaiting_decision(stage), outcome="accredited")
    report, _ = report_request(
        application=stage.application, kind=ReportKind.DRAFT, user=stage.administrator
    )
    report_render(report_id=report.pk)
    return stage, admin_assessor, Report.objects.get(pk=report.pk)


def _urls(stage, report):
    pk = stage.application.pk
    return {
        "report_list": reverse("accreditation:report_list", args=[pk]),
        "report_progress": reverse("accreditation:report_progress", args=[pk, report.pk]),
        "report_download": reverse("accreditation:report_download", args=[pk, report.pk]),
        "report_retry": reverse("accreditation:report_retry", args=[pk, report.pk]),
        "report_share": reverse("accreditation:report_share", args=[pk, report.pk]),
    }


def test_every_report_url_is_in_this_matrix():
    from accreditation.urls import urlpatterns

    assert {p.name for p in urlpatterns if p.name.startswith("report_")} == set(URL_NAMES)


def _matrix(login, people, url, method="get"):
    seen = {}
    for role in ROLES:
        client = login(people[role])
        response = getattr(client, method)(url, {"kind": "draft"} if method == "post" else None)
        if response.status_code == 302 and "login" in response["Location"]:
            seen[role] = "login"
        else:
            seen[role] = response.status_code
    return seen


def test_reading_before_and_after_sharing(login, reported):
    stage, admin_assessor, report = reported
    people = _people(stage, admin_assessor)
    urls = _urls(stage, report)
    hidden = {
        "anonymous": "login",
        "provider": 404,
        "other_provider": 404,
        "unassigned_assessor": 404,
        "second": 200,  # here the second assessor is an administrator: reports are not blind
        "lead": 404,
        "administrator": 200,
        "administrator_who_assessed": 200,
    }
    for name in ("report_progress", "report_download"):
        assert _matrix(login, people, urls[name]) == hidden, name
    listing = {**hidden, "provider": 200, "lead": 403}
    assert _matrix(login, people, urls["report_list"]) == listing
    report_share(report=report, user=stage.administrator)
    shared = {**hidden, "provider": 200}
    for name in ("report_progress", "report_download"):
        assert _matrix(login, people, urls[name]) == shared, name


def test_asking_sharing_and_retrying_are_for_administrators(login, reported):
    stage, admin_assessor, report = reported
    people = _people(stage, admin_assessor)
    urls = _urls(stage, report)
    asked = _matrix(login, people, urls["report_list"], "post")
    assert asked == {
        "anonymous": "login",
        "provider": 403,
        "other_provider": 404,
        "unassigned_assessor": 404,
        "second": 302,
        "lead": 403,
        "administrator": 302,
        "administrator_who_assessed": 302,
    }
    assert Report.objects.count() == 1  # asked three times, same inputs: one report
    for name in ("report_share", "report_retry"):
        seen = _matrix(login, people, urls[name], "post")
        assert seen == {
            "anonymous": "login",
            "provider": 404,
            "other_provider": 404,
            "unassigned_assessor": 404,
            "second": 302,
            "lead": 404,
            "administrator": 302,
            "administrator_who_assessed": 302,
        }, name
    report.refresh_from_db()
    assert report.shared_at is not None and report.status == ReportStatus.READY


def test_get_is_refused_where_only_post_makes_sense(login, reported):
    stage, _admin_assessor, report = reported
    client = login(stage.administrator)
    urls = _urls(stage, report)
    for name in ("report_retry", "report_share"):
        assert client.get(urls[name]).status_code == 405
    assert client.post(urls["report_download"]).status_code == 405
    assert _status(login, None, urls["report_list"]) == "login"


def test_the_factual_accuracy_check_by_role(login, reported):
    from accreditation.services.reports import comment_add

    stage, admin_assessor, report = reported
    people = _people(stage, admin_assessor)
    pk = stage.application.pk
    comments = reverse("accreditation:report_comments", args=[pk, report.pk])
    close = reverse("accreditation:report_comments_close", args=[pk, report.pk])
    nobody = {
        "anonymous": "login",
        "provider": 404,
        "other_provider": 404,
        "unassigned_assessor": 404,
        "second": 404,
        "lead": 404,
        "administrator": 404,
        "administrator_who_assessed": 404,
    }
    assert _matrix(login, people, comments) == nobody  # not shared: no check yet
    report_share(report=report, user=stage.administrator)
    readers = {**nobody, "provider": 200, "second": 200, "administrator": 200}
    readers["administrator_who_assessed"] = 200
    assert _matrix(login, people, comments) == readers
    comment = comment_add(
        report=report, user=stage.application.started_by, section="cover", comment="A fact."
    )
    answer = reverse("accreditation:report_comment_answer", args=[pk, report.pk, comment.pk])
    staff_only = {**readers, "provider": 403}
    assert _matrix(login, people, answer, "post") == {
        **staff_only,
        "second": 400,
        "administrator": 400,
        "administrator_who_assessed": 400,
    }  # 400: the empty answer is refused, nothing saved
    comment.refresh_from_db()
    assert not comment.is_answered
    providers_only = {
        **readers,
        "second": 403,
        "administrator": 403,
        "administrator_who_assessed": 403,
    }
    posted = _matrix(login, people, comments, "post")
    assert posted == {**providers_only, "provider": 400}  # the test's form data is incomplete
    assert _matrix(login, people, close, "post") == {**providers_only, "provider": 302}
    report.refresh_from_db()
    assert report.comments_closed_at is not None


@pytest.mark.parametrize("size", [(1, 1), (5, 4)])
def test_the_reports_page_does_not_grow_with_reports_or_criteria(
    login, private_storage, django_assert_max_num_queries, size
):
    criteria_per_theme, reports = size
    stage = decided(
        outcome="conditional", conditions=reports, criteria_per_theme=criteria_per_theme
    )
    from accreditation.models import Condition

    conditions = list(Condition.objects.filter(application=stage.application).order_by("number"))
    for n in range(reports):
        Condition.objects.filter(pk=conditions[n].pk).update(
            status="signed_off", signed_off_at=timezone.now()
        )
        report, _ = report_request(
            application=stage.application, kind=ReportKind.DRAFT, user=stage.administrator
        )
        if n % 2:
            report_render(report_id=report.pk)
    assert Report.objects.count() == reports
    client = login(stage.administrator)
    url = reverse("accreditation:report_list", args=[stage.application.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('class="list-group-item report-row"') == reports
