"""Scoring: the services, the pages, who may reach them, blind double marking and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accreditation.models import (
    ApplicationEvent,
    ApplicationStatus,
    Assignment,
    AssignmentRole,
    EvidenceRevision,
    InformationRequest,
    Score,
)
from accreditation.services.scoring import ScoreConflict, score_save, scoring_complete
from accreditation.services.transitions import application_transition
from qismet_portal.exceptions import DomainError
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory

from .journey import _assignment, in_assessment, scores_give, submitted_application

LEAD_SECRET = "Zanzibar-lead-rationale-7731"


@pytest.fixture(autouse=True)
def _storage(private_storage):
    return private_storage


def admin_assessor():
    from accreditation.models import AssessorProfile

    admin = AdministratorFactory(full_name="Ada Assessing-Administrator")
    AssessorProfile.objects.create(user=admin)
    return admin


def save(stage, assignment, criterion, level="met", rationale="", revision=None, **kwargs):
    return score_save(
        assignment=assignment,
        criterion=criterion,
        user=assignment.assessor,
        level=level,
        rationale=rationale,
        revision=revision,
        **kwargs,
    )


# --- services -------------------------------------------------------------------------------


def test_a_score_is_saved_against_the_latest_record_with_a_revision(db):
    stage = in_assessment()
    criterion = stage.criteria[0]
    score = save(stage, stage.lead, criterion, "partially_met", "Gaps in the policy.")
    assert (score.level, score.rationale, score.revision) == (
        "partially_met",
        "Gaps in the policy.",
        1,
    )
    assert score.record == stage.record
    score = save(stage, stage.lead, criterion, "met", revision=1)
    assert (score.level, score.revision) == ("met", 2)


def test_rationale_is_required_below_the_top_level(db):
    stage = in_assessment()
    with pytest.raises(DomainError, match="rationale"):
        save(stage, stage.lead, stage.criteria[0], "not_met", "  ")
    assert save(stage, stage.lead, stage.criteria[0], "met", "").level == "met"


def test_levels_come_from_the_pinned_scale(db):
    stage = in_assessment()
    with pytest.raises(DomainError, match="Choose one of the scores"):
        save(stage, stage.lead, stage.criteria[0], "excellent", "why")
    with pytest.raises(DomainError, match="Choose one of the scores"):  # N/A not allowed here
        save(stage, stage.lead, stage.criteria[0], "na", "why")


def test_a_save_from_an_older_page_is_refused(db):
    stage = in_assessment()
    criterion = stage.criteria[0]
    save(stage, stage.lead, criterion, "met")
    save(stage, stage.lead, criterion, "not_met", "Nothing shown.", revision=1)
    with pytest.raises(ScoreConflict) as refused:
        save(stage, stage.lead, criterion, "partially_met", "From the old tab.", revision=1)
    assert refused.value.score.level == "not_met"
    assert Score.objects.get(assignment=stage.lead, criterion=criterion).revision == 2
    # The same values from an older page lose nothing: accepted.
    save(stage, stage.lead, criterion, "not_met", "Nothing shown.", revision=1)


def test_scores_are_refused_unless_accepted_in_assessment_and_not_completed(db):
    stage = in_assessment()
    scores_give(stage, stage.lead, complete=True)
    with pytest.raises(DomainError, match="completed your scoring"):
        save(stage, stage.lead, stage.criteria[0], "not_met", "Changed my mind.")
    other = in_assessment()
    Assignment.objects.filter(pk=other.second.pk).update(status="removed")
    other.refresh()
    with pytest.raises(DomainError, match="not accepted"):
        save(other, other.second, other.criteria[0])
    third = in_assessment()
    application_transition(application=third.application, transition="withdraw", actor=None)
    with pytest.raises(DomainError, match="cannot be scored now"):
        save(third, third.lead, third.criteria[0])


def test_completing_needs_every_criterion_scored(db):
    stage = in_assessment()
    save(stage, stage.lead, stage.criteria[0])
    with pytest.raises(DomainError, match="not scored yet"):
        scoring_complete(assignment=stage.lead, user=stage.lead.assessor)
    assert Assignment.objects.get(pk=stage.lead.pk).completed_at is None


def test_completing_is_refused_while_information_is_requested(db):
    stage = in_assessment()
    scores_give(stage, stage.lead, complete=False)
    application_transition(
        application=stage.application, transition="request_information", actor=None
    )
    InformationRequest.objects.create(
        application=stage.application,
        raised_by=stage.lead.assessor,
        message="More please",
        due_on=timezone.localdate(),
        record=stage.record,
    )
    with pytest.raises(DomainError, match="request for more information is open"):
        scoring_complete(assignment=stage.lead, user=stage.lead.assessor)


def test_completing_records_history_tells_people_and_both_start_moderation(
    db, django_capture_on_commit_callbacks
):
    administrator = AdministratorFactory()
    stage = in_assessment()
    with django_capture_on_commit_callbacks(execute=True):
        scores_give(stage, stage.second)
    assert stage.second.completed_at is not None
    assert stage.application.status == ApplicationStatus.IN_ASSESSMENT
    event = ApplicationEvent.objects.get(
        application=stage.application, kind=ApplicationEvent.Kind.SCORING_COMPLETED
    )
    assert event.actor == stage.second.assessor and "Scored" not in event.detail
    assert Notification.objects.filter(user=administrator).exists()
    assert Notification.objects.filter(user=stage.lead.assessor).exists()
    subjects = [message.subject for message in mail.outbox]
    assert any("Scoring completed" in subject for subject in subjects)
    completed = next(m for m in mail.outbox if "Scoring completed" in m.subject)
    assert stage.lead.assessor.email in completed.to and administrator.email in completed.to
    assert "Scored" not in completed.body  # nothing of the scores

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scores_give(stage, stage.lead)
    assert stage.application.status == ApplicationStatus.MODERATION
    ready = [m for m in mail.outbox if "ready for moderation" in m.subject]
    assert len(ready) == 1 and ready[0].to == [stage.lead.assessor.email]


def test_the_answer_changed_since_scoring_is_said_plainly(db, login):
    from accreditation.models import Response

    from .test_applications import submit

    stage = in_assessment()
    criterion = stage.criteria[0]
    save(stage, stage.lead, criterion, "not_met", "No policy.")
    application_transition(
        application=stage.application, transition="request_information", actor=None
    )
    response = Response.objects.get(application=stage.application, criterion=criterion)
    Response.objects.filter(pk=response.pk).update(narrative="Now with a policy, see page 3.")
    submit(stage.refresh().application)
    page = login(stage.lead.assessor).get(
        reverse("accreditation:scoring_criterion", args=[stage.application.pk, criterion.pk])
    )
    assert page.status_code == 200
    assert b"The answer has changed since you scored it" in page.content
    assert b"Now with a policy" in page.content
    overview = login(stage.lead.assessor).get(
        reverse("accreditation:scoring_overview", args=[stage.application.pk])
    )
    assert b"Answer changed" in overview.content


def test_the_criterion_page_shows_the_submitted_answer_not_the_live_draft(db, login):
    from accreditation.models import Response

    stage = in_assessment()
    criterion = stage.criteria[0]
    Response.objects.filter(application=stage.application, criterion=criterion).update(
        narrative="LIVE DRAFT never submitted"
    )
    page = login(stage.lead.assessor).get(
        reverse("accreditation:scoring_criterion", args=[stage.application.pk, criterion.pk])
    )
    assert b"We do this; see the policy." in page.content
    assert b"LIVE DRAFT" not in page.content
    assert b"Submission 1" in page.content or b"submission 1" in page.content


# --- pages ----------------------------------------------------------------------------------


def test_saving_through_the_page_and_save_and_next(db, login):
    stage = in_assessment()
    first, second = stage.criteria[:2]
    client = login(stage.lead.assessor)
    url = reverse("accreditation:scoring_criterion", args=[stage.application.pk, first.pk])
    refused = client.post(url, {"level": "not_met", "rationale": "", "revision": 0})
    assert refused.status_code == 400 and b"Give your rationale" in refused.content
    saved = client.post(
        url, {"level": "not_met", "rationale": "No evidence.", "revision": 0, "save_next": "1"}
    )
    assert saved.status_code == 302
    assert saved["Location"] == reverse(
        "accreditation:scoring_criterion", args=[stage.application.pk, second.pk]
    )
    # From an older page: 409, both shown, what was typed kept.
    stale = client.post(url, {"level": "met", "rationale": "Typed in the old tab", "revision": 0})
    assert stale.status_code == 409
    assert b"Typed in the old tab" in stale.content and b"No evidence." in stale.content
    assert Score.objects.get(assignment=stage.lead, criterion=first).level == "not_met"


def test_complete_button_only_when_everything_is_scored(db, login):
    stage = in_assessment()
    client = login(stage.lead.assessor)
    url = reverse("accreditation:scoring_overview", args=[stage.application.pk])
    assert b"Complete my scoring" not in client.get(url).content
    scores_give(stage, stage.lead, complete=False)
    page = client.get(url)
    assert b"Complete my scoring" in page.content
    assert f"{len(stage.criteria)} of {len(stage.criteria)}".encode() in page.content
    done = client.post(reverse("accreditation:scoring_complete", args=[stage.application.pk]))
    assert done.status_code == 302
    assert Assignment.objects.get(pk=stage.lead.pk).completed_at is not None
    assert b"read only" in client.get(url).content


def test_the_kept_overview_table_follows_each_score_and_is_never_the_other_assessors(db, login):
    """The per-theme tables are kept by a fingerprint of what they show and whose scoring it is
    (qismet_portal.fragments): a new score shows at once, and the lead's kept table, drawn
    first, is never what the second assessor sees."""
    stage = in_assessment()
    url = reverse("accreditation:scoring_overview", args=[stage.application.pk])
    lead, second = login(stage.lead.assessor), login(stage.second.assessor)
    assert lead.get(url).content.decode().count("Not scored") == len(stage.criteria)
    save(stage, stage.lead, stage.criteria[0], level="not_met", rationale="Nothing shown.")
    html = lead.get(url).content.decode()
    assert html.count("Not scored") == len(stage.criteria) - 1 and ">Not met" in html
    html = second.get(url).content.decode()
    assert html.count("Not scored") == len(stage.criteria) and ">Not met" not in html


def test_the_assessor_home_lists_offers_and_progress(db, login):
    assessor = AssessorFactory()
    stage = in_assessment(lead=assessor)
    save(stage, stage.lead, stage.criteria[0])
    Assignment.objects.filter(pk=stage.lead.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    offered_stage = _offered_stage(assessor)
    page = login(assessor).get("/")
    text = page.content.decode()
    assert f"1 of {len(stage.criteria)} criteria scored" in text
    assert "Overdue" in text
    assert reverse("accreditation:scoring_overview", args=[stage.application.pk]) in text
    offer = offered_stage.second
    assert (
        f"/applications/assignments/{offer.pk}/" in text
        or reverse("accreditation:assignment_respond", args=[offer.pk]) in text
    )
    # An offer shows nothing of the application but its reference.
    assert offered_stage.application.programme.name not in text


def test_an_administrator_who_assesses_sees_their_assignments_at_home(db, login):
    admin = admin_assessor()
    stage = in_assessment(second=admin)
    page = login(admin).get("/")
    assert b"Your assignments as an assessor" in page.content
    assert reverse("accreditation:scoring_overview", args=[stage.application.pk]).encode() in (
        page.content
    )
    plain = login(AdministratorFactory()).get("/")
    assert b"Your assignments as an assessor" not in plain.content


# --- who may reach what ---------------------------------------------------------------------


def _offered_stage(assessor):
    stage = submitted_application()
    stage.application = application_transition(
        application=stage.application, transition="accept", actor=stage.administrator
    )
    stage.lead = _assignment(stage, AssignmentRole.LEAD, AssessorFactory())
    stage.second = Assignment.objects.create(
        application=stage.application,
        assessor=assessor,
        role=AssignmentRole.SECOND,
        assigned_by=stage.administrator,
        due_on=timezone.localdate() + datetime.timedelta(days=28),
    )
    return stage


def _people(stage):
    return {
        "anonymous": None,
        "provider_a": stage.application.started_by,
        "provider_b": MembershipFactory().user,
        "unassigned": AssessorFactory(),
        "lead": stage.lead.assessor,
        "second": stage.second.assessor,
        "administrator": AdministratorFactory(),
    }


def _urls(stage, revision_pk):
    pk, criterion = stage.application.pk, stage.criteria[0].pk
    return {
        "overview": ("get", reverse("accreditation:scoring_overview", args=[pk])),
        "criterion": ("get", reverse("accreditation:scoring_criterion", args=[pk, criterion])),
        "save": ("post", reverse("accreditation:scoring_criterion", args=[pk, criterion])),
        "complete": ("post", reverse("accreditation:scoring_complete", args=[pk])),
        "preview": (
            "get",
            reverse("accreditation:evidence_preview", args=[pk, revision_pk]),
        ),
    }


SCORING_EXPECTED = {
    "provider_a": 404,
    "provider_b": 404,
    "unassigned": 404,
    "administrator": 403,
    "lead": 200,
    "second": 200,
}
PREVIEW_EXPECTED = {
    "provider_a": 200,
    "provider_b": 404,
    "unassigned": 404,
    "administrator": 200,
    "lead": 200,
    "second": 200,
}


def _submitted_revision(stage) -> EvidenceRevision:
    return EvidenceRevision.objects.filter(
        document__application=stage.application, pk__in=_submitted_ids(stage)
    ).first()


def _submitted_ids(stage):
    from accreditation.models import SubmittedEvidence

    return SubmittedEvidence.objects.filter(answer__record=stage.record).values("revision_id")


def test_every_scoring_url_refuses_whoever_must_not_reach_it(db, login):
    stage = in_assessment()
    revision = _submitted_revision(stage)
    people = _people(stage)
    for name, (method, url) in _urls(stage, revision.pk).items():
        for who, user in people.items():
            client = login(user)
            data = {"level": "met", "revision": 0} if method == "post" else None
            response = (
                getattr(client, method)(url, data)
                if data is not None
                else getattr(client, method)(url)
            )
            if who == "anonymous":
                assert response.status_code == 302 and "/accounts/" in response["Location"], (
                    name,
                    who,
                )
                continue
            expected = (PREVIEW_EXPECTED if name == "preview" else SCORING_EXPECTED)[who]
            if method == "post" and expected == 200:
                assert response.status_code in (302, 409), (name, who, response.status_code)
            else:
                assert response.status_code == expected, (name, who, response.status_code)


def test_an_offer_not_yet_accepted_reaches_nothing(db, login):
    offered = AssessorFactory()
    stage = _offered_stage(offered)
    client = login(offered)
    for name, (method, url) in _urls(stage, _submitted_revision(stage).pk).items():
        response = getattr(client, method)(url)
        assert response.status_code == 404, name


def test_an_administrator_who_is_the_assessor_may_score(db, login):
    admin = admin_assessor()
    stage = in_assessment(second=admin)
    client = login(admin)
    assert (
        client.get(
            reverse("accreditation:scoring_overview", args=[stage.application.pk])
        ).status_code
        == 200
    )


# --- evidence -------------------------------------------------------------------------------


def test_assessors_open_only_submitted_revisions(db, login):
    from .test_applications import document_add

    stage = in_assessment()
    draft = document_add(stage.application, stage.application.started_by, "later-draft.pdf")
    submitted = _submitted_revision(stage)
    client = login(stage.lead.assessor)
    pk = stage.application.pk
    assert (
        client.get(reverse("accreditation:evidence_download", args=[pk, submitted.pk])).status_code
        == 200
    )
    assert (
        client.get(
            reverse("accreditation:evidence_download", args=[pk, draft.current_id])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("accreditation:evidence_preview", args=[pk, draft.current_id])
        ).status_code
        == 404
    )
    # The provider and administrators still reach any revision.
    provider = login(stage.application.started_by)
    assert (
        provider.get(
            reverse("accreditation:evidence_download", args=[pk, draft.current_id])
        ).status_code
        == 200
    )


def test_a_preview_is_locked_down(db, login):
    stage = in_assessment()
    revision = _submitted_revision(stage)
    response = login(stage.lead.assessor).get(
        reverse("accreditation:evidence_preview", args=[stage.application.pk, revision.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(response.streaming_content) == revision.file.open("rb").read()


def test_flagged_and_unpreviewable_files_are_download_only(db, login):
    stage = in_assessment()
    revision = _submitted_revision(stage)
    url = reverse("accreditation:evidence_preview", args=[stage.application.pk, revision.pk])
    client = login(stage.lead.assessor)
    EvidenceRevision.objects.filter(pk=revision.pk).update(
        content_warnings=["It contains JavaScript, which a PDF reader may run."]
    )
    flagged = client.get(url)
    assert flagged.status_code == 409 and b"download only" in flagged.content
    assert b"It contains JavaScript" in flagged.content
    page = client.get(
        reverse(
            "accreditation:scoring_criterion",
            args=[stage.application.pk, _criterion_of(stage, revision)],
        )
    )
    assert b"It contains JavaScript" in page.content
    assert url.encode() not in page.content  # no Preview link
    EvidenceRevision.objects.filter(pk=revision.pk).update(
        content_warnings=[], content_type="text/csv; charset=utf-8"
    )
    assert client.get(url).status_code == 415


def _criterion_of(stage, revision):
    from accreditation.models import SubmittedEvidence

    return (
        SubmittedEvidence.objects.filter(answer__record=stage.record, revision=revision)
        .values_list("answer__criterion_id", flat=True)
        .first()
    )


# --- blind double marking -------------------------------------------------------------------


def _walk(client, stage, revision_pk, extra_pks=None):
    """GET every URL of the accreditation app with its pks filled in; return the bodies."""
    from django.urls import URLPattern

    from accreditation import urls
    from accreditation.models import EvidenceLink

    link = EvidenceLink.objects.filter(response__application=stage.application).first()
    values = {
        "pk": stage.application.pk,
        "criterion_pk": stage.criteria[0].pk,
        "revision_pk": revision_pk,
        "document_pk": link.document_id if link else 1,
        "link_pk": link.pk if link else 1,
        "assignment_pk": stage.second.pk,
        "user_pk": stage.second.assessor.pk,
        "number": 1,
        "request_pk": 1,
        "condition_pk": 1,
        "appeal_pk": 1,
        "report_pk": 1,
        "comment_pk": 1,
        **(extra_pks or {}),
    }
    bodies = {}
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = list(pattern.pattern.converters)
        kwargs = {name: values[name] for name in names}
        url = reverse(f"accreditation:{pattern.name}", kwargs=kwargs)
        for criterion in stage.criteria if "criterion_pk" in names else [None]:
            if criterion is not None:
                url = reverse(
                    f"accreditation:{pattern.name}", kwargs={**kwargs, "criterion_pk": criterion.pk}
                )
            response = client.get(url, {"page": 1})
            body = b"".join(response.streaming_content) if response.streaming else response.content
            bodies[url] = (response.status_code, body)
    return bodies


@pytest.mark.parametrize("second_is_admin", [False, True])
def test_blind_marking_holds_on_every_url_of_the_app(db, login, second_is_admin):
    second = admin_assessor() if second_is_admin else AssessorFactory()
    stage = in_assessment(second=second)
    for criterion in stage.criteria:
        save(
            stage,
            stage.lead,
            criterion,
            "not_met",
            f"{LEAD_SECRET} for {criterion.code}",
            strengths=f"{LEAD_SECRET}-strengths",
            improvements=f"{LEAD_SECRET}-improve",
        )
    scoring_complete(assignment=stage.lead, user=stage.lead.assessor)
    save(stage, stage.second, stage.criteria[0], "met", "My own rationale, visible to me.")
    bodies = _walk(login(second), stage, _submitted_revision(stage).pk)
    reached = [url for url, (status, _body) in bodies.items() if status == 200]
    assert any("/scoring/" in url for url in reached)  # the walk did reach the scoring pages
    for url, (_status, body) in bodies.items():
        assert LEAD_SECRET.encode() not in body, url
    overview = bodies[reverse("accreditation:scoring_overview", args=[stage.application.pk])][1]
    assert b"Not met" not in overview  # the lead's level is nowhere on the second's overview
    own = bodies[
        reverse(
            "accreditation:scoring_criterion",
            args=[stage.application.pk, stage.criteria[0].pk],
        )
    ][1]
    assert b"My own rationale, visible to me." in own


def test_cache_keys_of_scores_include_the_viewer(db):
    from accreditation.selectors.scoring import score_cache_key

    stage = in_assessment()
    one = score_cache_key(user=stage.lead.assessor, application_id=stage.application.pk, part="x")
    two = score_cache_key(user=stage.second.assessor, application_id=stage.application.pk, part="x")
    assert one != two and str(stage.lead.assessor.pk) in one


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("per_theme", [1, 10])
def test_the_overview_is_flat_in_criteria(db, login, per_theme, django_assert_max_num_queries):
    stage = in_assessment(criteria_per_theme=per_theme)
    scores_give(stage, stage.lead, complete=False)
    client = login(stage.lead.assessor)
    url = reverse("accreditation:scoring_overview", args=[stage.application.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("per_theme,files", [(1, 2), (10, 200)])
def test_the_criterion_page_is_flat_in_criteria_and_files(
    db, login, per_theme, files, django_assert_max_num_queries
):
    from accreditation.models import Response

    from .factories import started_application
    from .test_applications import complete, evidence_add, submit

    application = started_application(criteria_per_theme=per_theme)
    complete(application)
    first = (
        Response.objects.filter(application=application)
        .order_by("criterion__theme__number", "criterion__order")
        .select_related("criterion", "application")[0]
    )
    for _ in range(files - 1):
        evidence_add(first, application.started_by)
    stage = submitted_application.__globals__["Stage"](
        application=submit(application), administrator=AdministratorFactory()
    )
    stage = in_assessment(stage)
    save(stage, stage.lead, first.criterion, "not_met", "Too little.")
    client = login(stage.lead.assessor)
    url = reverse(
        "accreditation:scoring_criterion", args=[stage.application.pk, first.criterion_id]
    )
    assert client.get(url).content.count(b"SHA-256") >= files
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_the_assessor_home_is_flat_in_assignments(db, login, count, django_assert_max_num_queries):
    assessor = AssessorFactory()
    for _ in range(count):
        in_assessment(lead=assessor)
    client = login(assessor)
    client.get("/")
    with django_assert_max_num_queries(10):
        assert client.get("/").status_code == 200


def test_a_remembered_answer_is_read_once_and_never_outlives_a_new_submission(db, login):
    """The latest record's answer is kept per process once read (records never change): the
    page reads it from the database once, and a re-submission, which makes a new record, is
    shown at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accreditation.models import Response

    from .test_applications import submit

    stage = in_assessment()
    criterion = stage.criteria[0]
    client = login(stage.lead.assessor)
    url = reverse("accreditation:scoring_criterion", args=[stage.application.pk, criterion.pk])
    with CaptureQueriesContext(connection) as first:
        assert b"We do this; see the policy." in client.get(url).content
    with CaptureQueriesContext(connection) as again:
        assert b"We do this; see the policy." in client.get(url).content

    def record_reads(queries):
        tables = ('"accreditation_submittedanswer"', '"accreditation_submissionrecord"')
        return [q for q in queries if any(f"FROM {table}" in q["sql"] for table in tables)]

    assert record_reads(first.captured_queries), "the first request reads the answer"
    assert not record_reads(again.captured_queries)
    assert len(again.captured_queries) < len(first.captured_queries)

    # A file's content warnings can change after it was stored (evidence_inspect checks stored
    # files again): they are never taken from what was remembered.
    from accreditation.models import EvidenceRevision, SubmittedEvidence

    named = SubmittedEvidence.objects.filter(
        answer__record__application=stage.application, answer__criterion=criterion
    ).values_list("revision_id", flat=True)
    assert named, "the seeded answer names a file"
    EvidenceRevision.objects.filter(pk__in=list(named)).update(
        content_warnings=["It contains JavaScript, which could run when the file is opened."]
    )
    assert b"It contains JavaScript" in client.get(url).content

    application_transition(
        application=stage.application, transition="request_information", actor=None
    )
    Response.objects.filter(application=stage.application, criterion=criterion).update(
        narrative="Now with a policy, see page 3."
    )
    submit(stage.refresh().application)
    page = client.get(url)
    assert b"Now with a policy, see page 3." in page.content
    assert b"We do this; see the policy." not in page.content
    assert b"From submission 2" in page.content
