"""Two people on the same criterion: a save from an older page is refused, not lost, and every
change to an answer shows in the application's history (one line per stretch of editing).

Each answer carries a revision. The page sends back the revision it was loaded at; the service
compares it, under the row locks, with the answer as saved. A stale save that would change
something is refused (``AnswerConflict``) and the page shows what was typed next to what was
saved meanwhile; a save with the current revision goes through and moves the revision on.
"""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accreditation.models import ApplicationEvent, Response
from accreditation.services import applications as services
from accreditation.services.applications import AnswerConflict
from providers.models import MembershipRole
from tests.conftest import require_service

from .factories import started_application
from .test_applications import member, responses_of, version_allowing_na

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """A draft with one criterion that allows N/A; its lead and a contributor."""
    application = started_application(version=version_allowing_na("1.1"))
    lead = application.started_by
    lead.full_name = "Hannah Okafor"
    lead.save(update_fields=["full_name"])
    contributor = member(application, MembershipRole.CONTRIBUTOR)
    contributor.full_name = "Sam Patel"
    contributor.save(update_fields=["full_name"])
    response = next(r for r in responses_of(application) if r.criterion.code == "1.1")
    return application, lead, contributor, response


def _fresh(response) -> Response:
    return Response.objects.get(pk=response.pk)


def _save(response, user, revision, narrative="", rating="", na_justification=""):
    return services.response_save(
        response=_fresh_for_page(response),
        user=user,
        narrative=narrative,
        rating=rating,
        na_justification=na_justification,
        revision=revision,
    )


def _fresh_for_page(response) -> Response:
    """The response as a page loads it: with its criterion and application."""
    return Response.objects.select_related("criterion", "application__version").get(pk=response.pk)


def _answer_events(application):
    return list(
        application.events.filter(kind=ApplicationEvent.Kind.ANSWER_CHANGED).order_by("at", "pk")
    )


# --- the service ----------------------------------------------------------------------------


def test_a_save_with_the_current_revision_goes_through_and_moves_it_on(team):
    _application, lead, _contributor, response = team
    assert response.revision == 0
    saved = _save(response, lead, 0, narrative="First draft", rating="met")
    assert saved.revision == 1
    stored = _fresh(response)
    assert (stored.narrative, stored.rating, stored.revision) == ("First draft", "met", 1)
    assert stored.updated_by == lead
    saved = _save(response, lead, 1, narrative="Second draft", rating="met")
    assert _fresh(response).revision == 2


def test_a_stale_save_is_refused_and_keeps_the_other_persons_answer(team):
    application, lead, contributor, response = team
    page_revision = response.revision  # both open the page
    _save(response, contributor, page_revision, narrative="Sam's narrative", rating="met")

    with pytest.raises(AnswerConflict) as refused:
        _save(response, lead, page_revision, narrative="Hannah's narrative", rating="not_met")

    stored = _fresh(response)
    assert (stored.narrative, stored.rating) == ("Sam's narrative", "met")
    assert stored.updated_by == contributor and stored.revision == page_revision + 1
    # the refusal carries the answer as saved, with who saved it, for the page to show
    current = refused.value.response
    assert (current.narrative, current.rating) == ("Sam's narrative", "met")
    assert current.updated_by == contributor and current.revision == stored.revision
    assert _answer_events(application)[-1].actor == contributor

    # with the revision the conflict page carries, the combined answer goes through
    _save(response, lead, current.revision, narrative="Both narratives", rating="met")
    assert _fresh(response).narrative == "Both narratives"


def test_a_stale_save_that_changes_nothing_is_accepted_without_a_new_revision(team):
    application, lead, contributor, response = team
    _save(response, contributor, 0, narrative="Same words", rating="met")
    saved = _save(response, lead, 0, narrative="  Same words ", rating="met")
    assert saved.revision == 1 and _fresh(response).updated_by == contributor
    assert len(_answer_events(application)) == 1


def test_a_stale_autosave_is_refused_even_when_its_narrative_is_as_saved(team):
    """Autosave carries only the narrative: the rating may have changed unseen, so the page must
    not quietly take the newer revision."""
    _application, lead, contributor, response = team
    _save(response, lead, 0, narrative="Shared words", rating="met")
    _save(response, contributor, 1, narrative="Shared words", rating="not_met")
    with pytest.raises(AnswerConflict):
        services.response_save_narrative(
            response=_fresh_for_page(response), user=lead, narrative="Shared words", revision=1
        )
    assert _fresh(response).rating == "not_met"


def test_line_breaks_from_a_form_and_from_autosave_compare_equal(team):
    _application, lead, contributor, response = team
    services.response_save_narrative(
        response=_fresh_for_page(response), user=contributor, narrative="One\nTwo", revision=0
    )
    saved = _save(response, lead, 0, narrative="One\r\nTwo\r\n")  # the same words, posted
    assert saved.revision == 1 and _fresh(response).narrative == "One\nTwo"


def test_rating_and_not_applicable_are_covered_by_the_same_revision(team):
    _application, lead, contributor, response = team
    _save(response, contributor, 0, narrative="Text", rating="met")
    with pytest.raises(AnswerConflict):  # only the rating differs
        _save(response, lead, 0, narrative="Text", rating="na", na_justification="Online only")
    _save(response, contributor, 1, rating="na", na_justification="Online only")
    with pytest.raises(AnswerConflict):  # only the justification differs
        _save(response, lead, 1, rating="na", na_justification="We have no venue")
    stored = _fresh(response)
    assert (stored.rating, stored.na_justification) == ("na", "Online only")


def test_autosave_checks_the_revision_too(team):
    _application, lead, contributor, response = team
    saved = services.response_save_narrative(
        response=_fresh_for_page(response), user=lead, narrative="Typing", revision=0
    )
    assert saved.revision == 1
    _save(response, contributor, 1, narrative="Sam's", rating="met")
    with pytest.raises(AnswerConflict):
        services.response_save_narrative(
            response=_fresh_for_page(response), user=lead, narrative="Typing more", revision=1
        )
    assert _fresh(response).narrative == "Sam's"


def test_the_answer_is_read_under_its_row_lock(team):
    _application, lead, _contributor, response = team
    with CaptureQueriesContext(connection) as queries:
        _save(response, lead, 0, narrative="Text", rating="met")
    reads = [q["sql"] for q in queries if 'FROM "accreditation_response"' in q["sql"]]
    assert reads, "the answer is read afresh inside the save"
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accreditation_response"')]
    assert len(updates) == 1 and '"revision" = 0' in updates[0].replace("%s", "0")
    if connection.vendor == "postgresql":
        assert any("FOR UPDATE" in sql for sql in reads)


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins_the_other_is_refused(team):
    """Real concurrency needs a database with row locks (PostgreSQL, as in CI and production)."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (for real row locks)")
    _application, lead, contributor, response = team
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(user, text):
        try:
            barrier.wait()
            _save(response, user, 0, narrative=text, rating="met")
            outcomes[text] = "saved"
        except AnswerConflict:
            outcomes[text] = "refused"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(lead, "Hannah's")),
        threading.Thread(target=save, args=(contributor, "Sam's")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    winner = next(text for text, outcome in outcomes.items() if outcome == "saved")
    stored = _fresh(response)
    assert stored.narrative == winner and stored.revision == 1


# --- the history ----------------------------------------------------------------------------


def test_changes_are_recorded_with_who_when_and_which_criterion(team):
    application, lead, _contributor, response = team
    before = timezone.now()
    _save(response, lead, 0, narrative="Draft", rating="partially_met")
    (event,) = _answer_events(application)
    assert event.actor == lead and event.criterion_id == response.criterion_id
    assert event.at >= before
    assert event.detail == "Changed: narrative, self-rating. Self-rating now: Partially met."


def test_one_persons_autosaves_within_the_window_collapse_into_one_line(team):
    application, lead, _contributor, response = team
    for revision, text in enumerate(["T", "Ty", "Typ", "Typed"]):
        services.response_save_narrative(
            response=_fresh_for_page(response), user=lead, narrative=text, revision=revision
        )
    (first,) = _answer_events(application)
    # The history is append-only: the line that opened the burst stands for it, unchanged.
    assert first.detail == "Changed: narrative."
    _save(response, lead, 4, narrative="Typed", rating="met")  # then Save, with a rating
    # A self-rating is never folded into the typing: it has a line of its own.
    events = _answer_events(application)
    assert [(e.pk, e.at) for e in events[:1]] == [(first.pk, first.at)]
    assert [e.detail for e in events] == [
        "Changed: narrative.",
        "Changed: self-rating. Self-rating now: Met.",
    ]
    assert _fresh(response).revision == 5


def test_a_burst_lasts_while_changes_keep_coming_within_the_window(team, settings):
    """Measured from the person's previous change, not from the line that opened the burst:
    typing steadily for longer than the window still makes one line."""
    settings.ANSWER_HISTORY_MERGE_MINUTES = 5
    application, lead, _contributor, response = team
    start = timezone.now()
    _save(response, lead, 0, narrative="Start", rating="met")
    Response.objects.filter(pk=response.pk).update(updated_at=start + timedelta(minutes=4))
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=8)):
        _save(response, lead, 1, narrative="Start, and more", rating="met")
    (event,) = _answer_events(application)
    assert event.detail == "Changed: narrative, self-rating. Self-rating now: Met."
    assert _fresh(response).narrative == "Start, and more"


def test_a_new_line_after_a_pause_longer_than_the_window(team, settings):
    settings.ANSWER_HISTORY_MERGE_MINUTES = 5
    application, lead, _contributor, response = team
    _save(response, lead, 0, narrative="Morning", rating="met")
    Response.objects.filter(pk=response.pk).update(
        updated_at=F("updated_at") - timedelta(minutes=6)
    )
    _save(response, lead, 1, narrative="Afternoon", rating="met")
    events = _answer_events(application)
    assert len(events) == 2
    assert events[1].detail == "Changed: narrative."


def test_a_new_line_when_someone_else_changes_the_answer(team):
    application, lead, contributor, response = team
    _save(response, lead, 0, narrative="Hannah's", rating="met")
    _save(response, contributor, 1, narrative="Sam's", rating="met")
    _save(response, lead, 2, narrative="Hannah's again", rating="met")
    assert [e.actor for e in _answer_events(application)] == [lead, contributor, lead]


def test_changes_to_another_criterion_have_their_own_line(team):
    application, lead, _contributor, response = team
    other = next(r for r in responses_of(application) if r.pk != response.pk)
    _save(response, lead, 0, narrative="One", rating="met")
    _save(other, lead, 0, narrative="Two", rating="met")
    assert {e.criterion_id for e in _answer_events(application)} == {
        response.criterion_id,
        other.criterion_id,
    }


def test_the_history_page_lists_answer_changes(login, team):
    application, lead, contributor, response = team
    _save(response, contributor, 0, narrative="Text", rating="na", na_justification="Online")
    page = login(lead).get(reverse("accreditation:application_history", args=[application.pk]))
    content = page.content.decode()
    assert "Answer changed" in content
    assert escape(contributor.full_name) in content
    assert f'Criterion <a href="{_url(application, response)}">1.1' in content
    assert "Changed: narrative, self-rating, reason it does not apply." in content


# --- the criterion page ---------------------------------------------------------------------


def _url(application, response) -> str:
    return reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])


def test_a_stale_save_shows_both_answers_and_keeps_what_was_typed(login, team):
    application, lead, contributor, response = team
    url = _url(application, response)
    hannah, sam = login(lead), login(contributor)
    assert b'name="revision" id="answer-revision" value="0"' in hannah.get(url).content
    sam.post(url, {"narrative": "Sam's <narrative>", "rating": "met", "revision": 0})

    typed = "Hannah's narrative, typed on the older page"
    result = hannah.post(url, {"narrative": typed, "rating": "not_met", "revision": 0, "save": ""})

    assert result.status_code == 409
    content = result.content.decode()
    saved_at = timezone.localtime(_fresh(response).updated_at)
    assert "Someone else saved this criterion while you were editing" in content
    assert f"Sam Patel saved this criterion at {saved_at:%H:%M} on " in content
    assert escape(typed) in content  # what Hannah typed, still in her form
    assert 'value="not_met" checked' in content
    assert 'id="saved-narrative"' in content and escape("Sam's <narrative>") in content
    assert "The answer as Sam Patel saved it" in content and "<dd>Met</dd>" in content
    assert 'name="revision" id="answer-revision" value="1"' in content
    assert "hx-post" not in content.split('id="id_narrative"')[1].split(">")[0]
    stored = _fresh(response)
    assert (stored.narrative, stored.updated_by) == ("Sam's <narrative>", contributor)

    # she combines the two and saves again from the conflict page: it goes through
    done = hannah.post(url, {"narrative": "Combined", "rating": "met", "revision": 1, "save": ""})
    assert done.status_code == 302
    stored = _fresh(response)
    assert (stored.narrative, stored.updated_by, stored.revision) == ("Combined", lead, 2)


def test_a_stale_not_applicable_answer_shows_the_saved_reason_and_keeps_the_typed_one(login, team):
    application, lead, contributor, response = team
    url = _url(application, response)
    login(contributor).post(
        url, {"rating": "na", "na_justification": "We run online only.", "revision": 0}
    )
    result = login(lead).post(
        url, {"rating": "na", "na_justification": "There is no venue to inspect.", "revision": 0}
    )
    assert result.status_code == 409
    content = result.content.decode()
    assert "<dt>Why it does not apply</dt>" in content and "We run online only." in content
    assert "There is no venue to inspect." in content  # still in her form
    assert _fresh(response).na_justification == "We run online only."


def test_a_save_from_another_window_of_the_same_person_says_so(login, team):
    application, lead, _contributor, response = team
    url = _url(application, response)
    client = login(lead)
    client.post(url, {"narrative": "From the first window", "rating": "met", "revision": 0})
    result = client.post(url, {"narrative": "From the second window", "revision": 0})
    assert result.status_code == 409
    content = result.content.decode()
    assert "You saved this criterion in another window" in content
    assert "From the first window" in content and "From the second window" in content


def test_a_stale_autosave_is_refused_and_stops_autosaving(login, team):
    application, lead, contributor, response = team
    url = _url(application, response)
    login(contributor).post(url, {"narrative": "Sam's", "rating": "met", "revision": 0})
    result = login(lead).post(
        url,
        {"narrative": "Hannah typing", "autosave": "1", "revision": 0},
        headers={"HX-Request": "true"},
    )
    assert result.status_code == 200
    content = result.content.decode()
    assert "Not saved: Sam Patel saved this criterion at" in content
    assert "Autosave has stopped" in content
    assert "autosave-stopped" in result["HX-Trigger"]
    assert "hx-swap-oob" not in content  # the page keeps its old revision
    assert _fresh(response).narrative == "Sam's"


def test_an_autosave_tells_the_page_its_new_revision(login, team):
    application, lead, _contributor, response = team
    url = _url(application, response)
    client = login(lead)
    for revision in (0, 1):
        result = client.post(
            url,
            {"narrative": f"Typed {revision}", "autosave": "1", "revision": revision},
            headers={"HX-Request": "true"},
        )
        content = result.content.decode()
        assert "Draft saved at" in content
        assert (
            f'<input type="hidden" name="revision" id="answer-revision" value="{revision + 1}" '
            'data-hx-swap-oob="true">'
        ) in content
        assert "HX-Trigger" not in result
    # and the explicit save from the same page, with the revision it learnt, goes through
    saved = client.post(url, {"narrative": "Typed 1", "rating": "met", "revision": 2})
    assert saved.status_code == 302
    assert _fresh(response).rating == "met"


def test_an_autosave_with_a_broken_revision_saves_nothing_and_says_so(login, team):
    application, lead, _contributor, response = team
    result = login(lead).post(
        _url(application, response),
        {"narrative": "Typed", "autosave": "1", "revision": "-1"},
        headers={"HX-Request": "true"},
    )
    assert result.status_code == 200
    assert b"Not saved: this page is out of date." in result.content
    assert _fresh(response).narrative == ""
