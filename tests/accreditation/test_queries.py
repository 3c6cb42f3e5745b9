"""N+1 guards: the application pages read a fixed number of queries, whether the standard has 4
criteria and the application 2 files, or 40 criteria and 200 files.

The bounds include the session and user look-ups every signed-in page makes, the provider's
membership (for the rules) and, on the criterion page, the evidence panel.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accreditation.models import ApplicationEvent
from accreditation.services import applications as services
from accreditation.services.history import event_record
from tests.factories import AdministratorFactory

from .factories import started_application
from .test_applications import (
    answer,
    document_add,
    evidence_add,
    member,
    private_storage,  # noqa: F401  (fixture: evidence files in a temporary folder)
    responses_of,
)

pytestmark = pytest.mark.django_db

SMALL = {"criteria_per_theme": 1, "files": 2}  # 4 criteria, 2 files
LARGE = {"criteria_per_theme": 10, "files": 200}  # 40 criteria, 200 files

# The page itself, plus one read per part of the assessment that has something to show on it
# (screening, an open information request, the decision, an appeal): flat in criteria and files.
WORKSPACE_QUERIES = 8
CRITERION_QUERIES = 8
LIST_QUERIES = 7
HISTORY_QUERIES = 6


def _application(criteria_per_theme: int, files: int):
    """A draft with every criterion answered, ``files`` files spread over the criteria (the
    first criterion gets half of them) and a history line per upload."""
    application = started_application(criteria_per_theme=criteria_per_theme)
    lead = application.started_by
    responses = responses_of(application)
    for response in responses:
        answer(response, lead)
    documents = [document_add(application, lead) for _ in range(files)]
    for index, document in enumerate(documents):
        target = responses[0] if index % 2 == 0 else responses[index % len(responses)]
        evidence_add(target, lead, document=document)
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.EVIDENCE_UPLOADED,
            actor=lead,
            criterion=target.criterion,
            document=document,
            detail=f"{document.current.original_name} (1 KB)",
        )
    assert application.documents.count() == files
    return application, responses[0]


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _viewers(application) -> dict:
    return {
        "lead": application.started_by,
        "signatory": member(application, "signatory"),
        "administrator": AdministratorFactory(),
    }


@pytest.mark.parametrize("role", ["lead", "signatory", "administrator"])
def test_the_workspace_does_not_grow_with_criteria_or_files(login, role):
    counts = []
    for size in (SMALL, LARGE):
        application, _first = _application(**size)
        client = login(_viewers(application)[role])
        counts.append(
            _count(client, reverse("accreditation:application_detail", args=[application.pk]))
        )
    assert counts[0] == counts[1] <= WORKSPACE_QUERIES, counts


@pytest.mark.parametrize("role", ["lead", "administrator"])
def test_the_criterion_page_does_not_grow_with_criteria_or_files(login, role):
    counts = []
    for size in (SMALL, LARGE):
        application, first = _application(**size)
        client = login(_viewers(application)[role])
        url = reverse("accreditation:response_edit", args=[application.pk, first.criterion_id])
        counts.append(_count(client, url))
    assert counts[0] == counts[1] <= CRITERION_QUERIES, counts


def test_a_refused_stale_save_does_not_grow_with_criteria_or_files(login):
    """The conflict page (typed text kept, the saved answer beside it) reads as flat as the
    criterion page itself, plus the locks and the fresh read of the answer."""
    counts = []
    for size in (SMALL, LARGE):
        application, first = _application(**size)
        lead = application.started_by
        stale = first.revision
        answer(first, member(application, "contributor"), narrative="Theirs")
        url = reverse("accreditation:response_edit", args=[application.pk, first.criterion_id])
        client = login(lead)
        with CaptureQueriesContext(connection) as queries:
            result = client.post(url, {"narrative": "Mine", "rating": "met", "revision": stale})
        assert result.status_code == 409
        counts.append(len(queries))
    # the page, plus: the transaction, the application's lock, the standard version (for the
    # ratings), the answer under its lock, and the evidence allowance left
    assert counts[0] == counts[1] <= CRITERION_QUERIES + 6, counts


def test_the_submit_page_does_not_grow(login):
    counts = []
    for size in (SMALL, LARGE):
        application, _first = _application(**size)
        client = login(_viewers(application)["signatory"])
        counts.append(
            _count(client, reverse("accreditation:application_submit", args=[application.pk]))
        )
    assert counts[0] == counts[1] <= WORKSPACE_QUERIES, counts


@pytest.mark.parametrize("role", ["lead", "administrator"])
def test_the_list_does_not_grow_with_applications(login, role):
    counts = []
    for applications in (1, 12):
        lead = None
        for _ in range(applications):
            application = started_application(criteria_per_theme=2, lead=lead)
            lead = application.started_by
        person = lead if role == "lead" else AdministratorFactory()
        counts.append(_count(login(person), reverse("accreditation:application_list")))
    assert counts[0] == counts[1] <= LIST_QUERIES, counts


def test_the_history_does_not_grow_with_events(login):
    counts = []
    for size in (SMALL, LARGE):
        application, _first = _application(**size)
        lead = application.started_by
        services.application_withdraw(application=application, user=lead, reason="Done")
        url = reverse("accreditation:application_history", args=[application.pk])
        counts.append(_count(login(lead), url))
        counts.append(_count(login(lead), url + "?page=2"))
    # 200 uploads, one answer per criterion (40), started and withdrawn
    assert application.events.count() == 242
    assert application.events.filter(kind=ApplicationEvent.Kind.ANSWER_CHANGED).count() == 40
    assert len(set(counts)) == 1 and counts[0] <= HISTORY_QUERIES, counts


@pytest.mark.parametrize("role", ["provider", "administrator"])
def test_home_pages_do_not_grow_with_applications(login, role):
    counts = []
    for applications in (1, 8):
        lead = None
        for _ in range(applications):
            application = started_application(criteria_per_theme=1, lead=lead)
            lead = application.started_by
        person = lead if role == "provider" else AdministratorFactory()
        counts.append(_count(login(person), reverse("home")))
    assert counts[0] == counts[1], counts
