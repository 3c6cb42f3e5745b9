"""Every application URL refuses each role that must not use it, and a refusal changes nothing.

Anonymous people are sent to sign in. People who cannot see an application at all (assessors,
for now, and provider users without an organisation) get 404. People who can see it but whose role
may not do the action get 403: an administrator on the provider's actions, a contributor or lead
signing, a contributor or signatory withdrawing, anyone but a lead starting.
"""

import pytest
from django.urls import reverse

from accreditation.models import Application, ApplicationEvent, Response
from providers.models import MembershipRole
from tests.factories import UserFactory

from .factories import ProgrammeFactory, started_application
from .test_applications import complete, member

pytestmark = pytest.mark.django_db

OBJECT_URLS = [
    "application_detail",
    "application_history",
    "response_edit",
    "application_submit",
    "application_withdraw",
]
ALL_URLS = ["application_list", "application_start", *OBJECT_URLS]

POST_DATA = {
    "narrative": "Changed",
    "rating": "met",
    "reason": "Because",
    "full_name": "Someone",
    "role": "Director",
    "confirm": "on",
}


@pytest.fixture
def application():
    """A complete draft (so a submission would succeed if it were allowed)."""
    application = complete(started_application(criteria_per_theme=1))
    ProgrammeFactory(organisation=application.programme.organisation)  # something to start
    return application


def _url(name: str, application) -> str:
    if name in {"application_list", "application_start"}:
        return reverse(f"accreditation:{name}")
    if name == "response_edit":
        criterion = application.responses.order_by("pk").first().criterion_id
        return reverse("accreditation:response_edit", args=[application.pk, criterion])
    return reverse(f"accreditation:{name}", args=[application.pk])


def _state() -> tuple:
    return (
        list(Application.objects.order_by("pk").values_list("pk", "status", "declaration_name")),
        list(Response.objects.order_by("pk").values_list("narrative", "rating")),
        ApplicationEvent.objects.count(),
    )


def _person(role: str, application, request):
    if role in {"lead", "contributor", "signatory"}:
        if role == "lead":
            return application.started_by
        return member(application, role)
    if role == "provider_without_organisation":
        return UserFactory()
    return request.getfixturevalue(role)


#: URLs whose permission matrix is tested beside their pages.
COVERED_ELSEWHERE = {
    # tests/accreditation/test_decision_pages.py
    "moderation_overview",
    "moderation_criterion",
    "recommendation",
    "results",
    "decision",
    "condition_detail",
    # tests/accreditation/test_reports_permissions.py
    "report_list",
    "report_progress",
    "report_download",
    "report_retry",
    "report_share",
    "report_comments",
    "report_comments_close",
    "report_comment_answer",
    # tests/accreditation/test_renewals.py
    "renewal_start",
    # tests/accreditation/test_certificates_permissions.py
    "certificate_list",
    "certificate_export",
    "certificate_detail",
    "certificate_issue",
    "certificate_progress",
    "certificate_download",
    "certificate_retry",
    "certificate_suspend",
    "certificate_reinstate",
    "certificate_withdraw",
}


def test_the_lists_cover_every_application_url():
    from accreditation.urls import urlpatterns

    from .test_information_permissions import INFORMATION_URLS
    from .test_screening_permissions import URL_NAMES as SCREENING_URLS

    # Evidence, scoring, information, screening, decision and appeal URLs have their own
    # matrices (test_evidence_permissions.py, test_scoring.py, test_information_permissions.py,
    # test_screening_permissions.py, test_decision_pages.py, test_appeals_views.py).
    others = set(INFORMATION_URLS) | set(SCREENING_URLS) | COVERED_ELSEWHERE
    ours = {
        p.name
        for p in urlpatterns
        if not p.name.startswith(("evidence_", "scoring_", "appeal_")) and p.name not in others
    }
    assert ours == set(ALL_URLS)


@pytest.mark.parametrize("name", ALL_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_people_are_sent_to_sign_in(client, application, name, method):
    before = _state()
    url = _url(name, application)
    response = getattr(client, method)(url, POST_DATA)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _state() == before


REFUSALS = [
    # (role, url name, method, status)
    *[("assessor", name, m, 404) for name in OBJECT_URLS for m in ("get", "post")],
    ("assessor", "application_list", "get", 403),
    *[("assessor", "application_start", m, 403) for m in ("get", "post")],
    *[
        ("provider_without_organisation", name, m, 404)
        for name in OBJECT_URLS
        for m in ("get", "post")
    ],
    *[("provider_without_organisation", "application_start", m, 403) for m in ("get", "post")],
    *[("administrator", "application_start", m, 403) for m in ("get", "post")],
    ("administrator", "response_edit", "post", 403),
    *[("administrator", "application_submit", m, 403) for m in ("get", "post")],
    *[("administrator", "application_withdraw", m, 403) for m in ("get", "post")],
    *[
        (r, "application_start", m, 403)
        for r in ("contributor", "signatory")
        for m in ("get", "post")
    ],
    *[(r, "application_submit", m, 403) for r in ("lead", "contributor") for m in ("get", "post")],
    *[
        (r, "application_withdraw", m, 403)
        for r in ("contributor", "signatory")
        for m in ("get", "post")
    ],
]


@pytest.mark.parametrize(("role", "name", "method", "status"), REFUSALS)
def test_roles_that_may_not_act_are_refused(
    login, request, application, role, name, method, status
):
    client = login(_person(role, application, request))
    before = _state()
    url = _url(name, application)
    response = client.get(url) if method == "get" else client.post(url, POST_DATA)
    assert response.status_code == status
    assert _state() == before


ALLOWED_READS = [
    (role, name)
    for role in ("lead", "contributor", "signatory", "administrator")
    for name in ("application_list", "application_detail", "application_history", "response_edit")
] + [
    ("lead", "application_start"),
    ("lead", "application_withdraw"),
    ("signatory", "application_submit"),
]


@pytest.mark.parametrize(("role", "name"), ALLOWED_READS)
def test_the_people_who_may_open_a_page_can(login, request, application, role, name):
    client = login(_person(role, application, request))
    assert client.get(_url(name, application)).status_code == 200


@pytest.mark.parametrize("role", ["lead", "contributor", "signatory"])
def test_every_member_may_answer(login, request, application, role):
    client = login(_person(role, application, request))
    revision = application.responses.order_by("pk").first().revision
    client.post(
        _url("response_edit", application),
        {"narrative": f"By {role}", "rating": "met", "revision": revision},
    )
    first = application.responses.order_by("pk").first()
    assert first.narrative == f"By {role}"


def test_a_signatory_submits_and_a_lead_withdraws(login, request, application):
    signatory = _person("signatory", application, request)
    login(signatory).post(_url("application_submit", application), POST_DATA)
    assert Application.objects.get(pk=application.pk).status == "submitted"
    login(application.started_by).post(_url("application_withdraw", application), POST_DATA)
    assert Application.objects.get(pk=application.pk).status == "withdrawn"


def test_membership_role_is_what_counts_not_the_account_type(login, application):
    """A provider account whose membership is a contributor cannot act as a lead."""
    contributor = member(application, MembershipRole.CONTRIBUTOR)
    client = login(contributor)
    assert client.get(_url("application_start", application)).status_code == 403
    assert client.post(_url("application_withdraw", application), POST_DATA).status_code == 403
