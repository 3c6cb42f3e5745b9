"""Moderation, results, decision and condition pages: who may open them, what they show, and
a query count that stays flat with the number of criteria."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import AgreedScore, ApplicationStatus, Condition, ConditionStatus
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory

from .journey import awaiting_decision, decided, in_moderation

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "provider",
    "other_provider",
    "unassigned_assessor",
    "second",
    "lead",
    "administrator",
    "administrator_who_assessed",
)


def _people(stage, admin_assessor):
    return {
        "anonymous": None,
        "provider": stage.application.started_by,
        "other_provider": MembershipFactory().user,
        "unassigned_assessor": AssessorFactory(),
        "second": stage.second.assessor,
        "lead": stage.lead.assessor,
        "administrator": stage.administrator,
        "administrator_who_assessed": admin_assessor,
    }


def _status(login, user, url):
    response = login(user).get(url)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"]
        return "login"
    return response.status_code


def _check(login, people, url, expected):
    seen = {role: _status(login, people[role], url) for role in ROLES}
    assert seen == expected, url


@pytest.fixture
def moderation_stage():
    admin_assessor = AdministratorFactory()
    stage = in_moderation(levels=("met", "partially_met"), second=admin_assessor)
    return stage, admin_assessor


def test_moderation_pages_only_for_the_lead(login, moderation_stage):
    stage, admin_assessor = moderation_stage
    people = _people(stage, admin_assessor)
    # Here the second assessor is the administrator who assessed.
    pk = stage.application.pk
    criterion = stage.criteria[0].pk
    expected = {
        "anonymous": "login",
        "provider": 403,
        "other_provider": 404,
        "unassigned_assessor": 404,
        "second": 403,
        "lead": 200,
        "administrator": 403,
        "administrator_who_assessed": 403,
    }
    for url in (
        reverse("accreditation:moderation_overview", args=[pk]),
        reverse("accreditation:moderation_criterion", args=[pk, criterion]),
        reverse("accreditation:recommendation", args=[pk]),
    ):
        _check(login, people, url, expected)


def test_second_assessor_gets_403_on_moderation(login):
    stage = in_moderation()
    pk = stage.application.pk
    for url in (
        reverse("accreditation:moderation_overview", args=[pk]),
        reverse("accreditation:moderation_criterion", args=[pk, stage.criteria[0].pk]),
        reverse("accreditation:recommendation", args=[pk]),
    ):
        assert login(stage.second.assessor).get(url).status_code == 403


def test_moderation_refused_before_both_completed(login):
    from .journey import in_assessment, scores_give

    stage = in_assessment()
    scores_give(stage, stage.lead)
    scores_give(stage, stage.second, complete=False)
    from accreditation.services.transitions import application_transition

    application_transition(application=stage.application, transition="begin_moderation", actor=None)
    url = reverse("accreditation:moderation_overview", args=[stage.application.pk])
    assert login(stage.lead.assessor).get(url).status_code == 403


def test_results_page_by_role_and_stage(login, moderation_stage):
    stage, admin_assessor = moderation_stage
    people = _people(stage, admin_assessor)
    url = reverse("accreditation:results", args=[stage.application.pk])
    during = {
        "anonymous": "login",
        "provider": 403,
        "other_provider": 404,
        "unassigned_assessor": 404,
        "second": 200,
        "lead": 200,
        "administrator": 200,
        "administrator_who_assessed": 200,
    }
    _check(login, people, url, during)
    awaiting_decision(stage)
    decided(stage)
    _check(login, people, url, {**during, "provider": 200})


def test_decision_page_by_role(login):
    admin_assessor = AdministratorFactory()
    stage = awaiting_decision(second=admin_assessor)
    people = _people(stage, admin_assessor)
    url = reverse("accreditation:decision", args=[stage.application.pk])
    _check(
        login,
        people,
        url,
        {
            "anonymous": "login",
            "provider": 403,
            "other_provider": 404,
            "unassigned_assessor": 404,
            "second": 403,
            "lead": 403,
            "administrator": 200,
            "administrator_who_assessed": 403,
        },
    )
    refused = login(admin_assessor).get(url)
    assert "You were an assessor on application" in refused.content.decode()


@pytest.fixture
def conditional_stage(private_storage):
    return decided(outcome="conditional", conditions=1, levels={"1.1": "partially_met"})


def test_condition_page_by_role(login, conditional_stage):
    stage = conditional_stage
    people = _people(stage, AdministratorFactory())
    condition = Condition.objects.get()
    url = reverse("accreditation:condition_detail", args=[stage.application.pk, condition.pk])
    _check(
        login,
        people,
        url,
        {
            "anonymous": "login",
            "provider": 200,
            "other_provider": 404,
            "unassigned_assessor": 404,
            "second": 403,
            "lead": 403,
            "administrator": 200,
            "administrator_who_assessed": 200,
        },
    )
    # Someone else's condition id under this application is a 404.
    other = decided(outcome="conditional", conditions=1, levels={"1.1": "partially_met"})
    wrong = reverse(
        "accreditation:condition_detail",
        args=[stage.application.pk, Condition.objects.get(application=other.application).pk],
    )
    assert login(stage.administrator).get(wrong).status_code == 404


# --- the pages at work ------------------------------------------------------------------------


def test_overview_shows_both_levels_and_says_where_they_differ(login):
    stage = in_moderation(levels=("met", "partially_met"))
    page = login(stage.lead.assessor).get(
        reverse("accreditation:moderation_overview", args=[stage.application.pk])
    )
    html = page.content.decode()
    assert html.count("Assessors differ") == len(stage.criteria)
    assert f"{len(stage.criteria)} criteria</strong> scored differently" in html
    assert html.count("Not agreed yet") == len(stage.criteria)


def test_the_kept_overview_table_follows_every_agreed_score(login):
    """The per-theme tables are kept by a fingerprint of what they show (qismet_portal.fragments):
    an agreed score saved meanwhile shows at once."""
    from accreditation.services.moderation import agreed_score_save

    stage = in_moderation(levels=("met", "partially_met"))
    client = login(stage.lead.assessor)
    url = reverse("accreditation:moderation_overview", args=[stage.application.pk])
    assert client.get(url).content.decode().count("Not agreed yet") == len(stage.criteria)
    agreed_score_save(
        application=stage.application,
        criterion=stage.criteria[0],
        user=stage.lead.assessor,
        level="partially_met",
        rationale="Some gaps.",
        revision=0,
    )
    html = client.get(url).content.decode()
    assert html.count("Not agreed yet") == len(stage.criteria) - 1
    assert "<strong>Partially met</strong>" in html


def test_criterion_form_prefilled_when_both_agree_then_saved(login):
    stage = in_moderation()
    criterion = stage.criteria[0]
    client = login(stage.lead.assessor)
    url = reverse("accreditation:moderation_criterion", args=[stage.application.pk, criterion.pk])
    html = client.get(url).content.decode()
    assert re.search(r'value="met"[^>]*checked', html)
    assert "Scored met: the evidence supports it." in html
    response = client.post(
        url, {"level": "partially_met", "rationale": "Some gaps.", "revision": "0"}
    )
    assert response.status_code == 302
    assert AgreedScore.objects.get(criterion=criterion).level == "partially_met"
    stale = client.post(url, {"level": "not_met", "rationale": "Old page.", "revision": "0"})
    assert stale.status_code == 200
    assert "saved again since you opened this page" in stale.content.decode()
    assert AgreedScore.objects.get(criterion=criterion).level == "partially_met"


def test_recommendation_sent_from_the_page(login):
    stage = in_moderation()
    from accreditation.services.moderation import agreed_score_save

    for criterion in stage.criteria:
        agreed_score_save(
            application=stage.application,
            criterion=criterion,
            user=stage.lead.assessor,
            level="met",
            rationale="",
            revision=0,
        )
    client = login(stage.lead.assessor)
    url = reverse("accreditation:recommendation", args=[stage.application.pk])
    assert "suggests <strong>Accredited</strong>" in client.get(url).content.decode()
    response = client.post(url, {"outcome": "accredited", "summary": "Strong.", "send": "1"})
    assert response.status_code == 302
    stage.refresh()
    assert stage.application.status == ApplicationStatus.AWAITING_DECISION


def _decision_post(outcome, *, rows=(), override=""):
    data = {
        "outcome": outcome,
        "reasons": "As the scores show.",
        "override_reason": override,
        "conditions-TOTAL_FORMS": str(max(len(rows), 1)),
        "conditions-INITIAL_FORMS": "0",
        "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "20",
    }
    for index, (description, due_on) in enumerate(rows):
        data[f"conditions-{index}-description"] = description
        data[f"conditions-{index}-due_on"] = due_on.isoformat()
    return data


def test_decision_page_prefills_conditions_and_refuses_an_unexplained_override(login):
    stage = awaiting_decision(outcome="conditional", levels={"1.1": "partially_met"})
    client = login(stage.administrator)
    url = reverse("accreditation:decision", args=[stage.application.pk])
    html = client.get(url).content.decode()
    assert "Publish the complaints policy on the website." in html
    assert f'value="{(timezone.localdate() + datetime.timedelta(days=90)).isoformat()}"' in html
    assert "<svg" in html and "suggests <strong>Accredited with conditions</strong>" in html
    refused = client.post(url, _decision_post("accredited"))
    assert refused.status_code == 200
    assert "Say why you chose" in refused.content.decode()
    no_conditions = client.post(url, _decision_post("conditional"))
    assert "at least one condition" in no_conditions.content.decode()
    soon = timezone.localdate() + datetime.timedelta(days=60)
    done = client.post(url, _decision_post("conditional", rows=[("Publish it.", soon)]))
    assert done.status_code == 302
    stage.refresh()
    assert stage.application.status == ApplicationStatus.CONDITIONAL
    detail = login(stage.application.started_by).get(
        reverse("accreditation:application_detail", args=[stage.application.pk])
    )
    html = detail.content.decode()
    assert "Accredited with conditions" in html and "Publish it." in html
    assert 'role="img"' in html


def test_spare_condition_rows_are_optional_and_a_half_filled_row_is_named(login):
    stage = awaiting_decision(outcome="conditional", levels={"1.1": "partially_met"})
    client = login(stage.administrator)
    url = reverse("accreditation:decision", args=[stage.application.pk])
    html = client.get(url).content.decode()
    # The proposed condition fills row 0; rows 1 and 2 are spare: not required, nothing to delete.
    assert 'name="conditions-1-description"' in html
    spare = html[html.index('for="id_conditions-1-description"') :]
    assert not re.match(r'[^>]*>\s*Condition\s*<span class="asteriskField">', spare)
    assert 'name="conditions-0-DELETE"' in html and 'name="conditions-1-DELETE"' not in html
    soon = timezone.localdate() + datetime.timedelta(days=60)
    data = _decision_post("conditional", rows=[("Publish it.", soon)])
    data.update({"conditions-TOTAL_FORMS": "2", "conditions-1-description": "Train the team."})
    refused = client.post(url, data)
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Enter the condition&#x27;s deadline" in page or "Enter the condition's deadline" in page
    assert "Train the team." in page  # what was typed is kept
    stage.refresh()
    assert stage.application.status == ApplicationStatus.AWAITING_DECISION


def test_provider_sends_evidence_from_the_condition_page(login, conditional_stage):
    stage = conditional_stage
    condition = Condition.objects.get()
    url = reverse("accreditation:condition_detail", args=[stage.application.pk, condition.pk])
    client = login(stage.application.started_by)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = client.post(url, {"response": "Done.", "files": upload})
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.status == ConditionStatus.EVIDENCE_SENT
    assert "plan.pdf" in client.get(url).content.decode()
    # Administrators sign off from the same page; the provider cannot.
    assert login(stage.application.started_by).post(url, {"sign_off": "1"}).status_code == 400
    admin = login(stage.administrator)
    assert admin.post(url, {"sign_off": "1", "note": "Good."}).status_code == 302
    stage.refresh()
    assert stage.application.status == ApplicationStatus.ACCREDITED


def test_overdue_condition_flagged_on_the_pages(login, conditional_stage):
    stage = conditional_stage
    Condition.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    html = (
        login(stage.application.started_by)
        .get(reverse("accreditation:application_detail", args=[stage.application.pk]))
        .content.decode()
    )
    assert "Overdue" in html


# --- query counts -----------------------------------------------------------------------------


def _count_queries(django_assert_max_num_queries, client, url, bound):
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("per_theme", [1, 10])
def test_pages_query_count_flat_in_criteria(login, per_theme, django_assert_max_num_queries):
    moderation = in_moderation(criteria_per_theme=per_theme)
    lead = login(moderation.lead.assessor)
    pk = moderation.application.pk
    _count_queries(
        django_assert_max_num_queries,
        lead,
        reverse("accreditation:moderation_overview", args=[pk]),
        16,
    )
    _count_queries(
        django_assert_max_num_queries,
        lead,
        reverse("accreditation:moderation_criterion", args=[pk, moderation.criteria[-1].pk]),
        20,
    )
    _count_queries(
        django_assert_max_num_queries, lead, reverse("accreditation:recommendation", args=[pk]), 16
    )
    stage = awaiting_decision(criteria_per_theme=per_theme)
    admin = login(stage.administrator)
    for name in ("decision", "results"):
        _count_queries(
            django_assert_max_num_queries,
            admin,
            reverse(f"accreditation:{name}", args=[stage.application.pk]),
            16,
        )


def test_second_buttons_keep_their_own_colours():
    """crispy adds ``css_class`` to a button's default ``btn btn-primary``: the outline "Send
    back" button then had white text on a light background (axe: colour contrast)."""
    from crispy_forms.utils import render_crispy_form

    from accreditation.forms_decisions import ConditionReviewForm, RecommendationForm

    review = render_crispy_form(ConditionReviewForm())
    send_back = re.search(r'<input[^>]*name="send_back"[^>]*>', review).group(0)
    assert 'class="btn btn-outline-danger"' in send_back
    recommendation = render_crispy_form(RecommendationForm())
    send = re.search(r'<input[^>]*name="send"[^>]*>', recommendation).group(0)
    assert 'class="btn btn-success"' in send
