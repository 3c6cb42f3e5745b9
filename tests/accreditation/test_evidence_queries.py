"""N+1 guards: the evidence panel, library and file pages cost the same with 2 or 200 files."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accreditation.models import EvidenceDocument, EvidenceLink, EvidenceRevision
from accreditation.selectors.evidence import evidence_library, evidence_panel
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import responses_of

pytestmark = pytest.mark.django_db


def fill(application, responses, user, count: int) -> EvidenceDocument:
    """``count`` documents, each with two revisions, linked to the first two criteria."""
    first = None
    for n in range(count):
        document = EvidenceDocument.objects.create(application=application)
        for number in (1, 2):
            revision = EvidenceRevision.objects.create(
                document=document,
                number=number,
                file=f"evidence/{application.pk}/{n}-{number}",
                original_name=f"file {n} v{number}.pdf",
                content_type="application/pdf",
                size=1000 + n,
                sha256="0" * 64,
                uploaded_by=user,
            )
        document.current = revision
        document.save()
        for response in responses[: 1 + n % 2]:
            EvidenceLink.objects.create(
                response=response, document=document, pointer=f"p. {n}", added_by=user
            )
        first = first or document
    return first


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


@pytest.mark.parametrize("size", [2, 200])
def test_the_panel_selector(size, provider_user, django_assert_max_num_queries):
    application = started_application(lead=provider_user)
    responses = responses_of(application)
    fill(application, responses, provider_user, size)
    with django_assert_max_num_queries(3):
        panel = evidence_panel(application=application, response=responses[0])
        names = [link.document.current.original_name for link in panel["links"]]
        names += [document.current.original_name for document in panel["recent"]]
    assert len(panel["links"]) == size
    assert len(names) == size  # every file is linked to the first criterion: no quick picks


@pytest.mark.parametrize("size", [2, 200])
def test_the_library_selector(size, provider_user, django_assert_max_num_queries):
    application = started_application(lead=provider_user)
    fill(application, responses_of(application), provider_user, size)
    with django_assert_max_num_queries(3):
        library = evidence_library(application=application)
        for document in library["documents"]:
            [r.uploaded_by.full_name for r in document.revisions.all()]
            [link.response.criterion.code for link in document.links.all()]
    assert len(library["documents"]) == size


PAGE_BOUND = 14


def page_urls(application, responses, document) -> list[str]:
    criterion = responses[0].criterion_id
    return [
        reverse("accreditation:evidence_library", args=[application.pk]),
        reverse("accreditation:response_edit", args=[application.pk, criterion]),
        reverse("accreditation:evidence_detail", args=[application.pk, document.pk]),
    ]


@pytest.mark.parametrize("size", [2, 200])
def test_the_pages(size, login, provider_user, django_assert_max_num_queries):
    application = started_application(lead=provider_user)
    responses = responses_of(application)
    document = fill(application, responses, provider_user, size)
    client = login(provider_user)
    for url in page_urls(application, responses, document):
        with django_assert_max_num_queries(PAGE_BOUND):
            assert client.get(url).status_code == 200


def test_page_costs_do_not_grow_with_the_files(login):
    """Exact counts, 2 files against 60, including the criterion page that shows the panel."""
    costs = []
    for size in (2, 60):
        application = started_application()
        user = application.started_by
        responses = responses_of(application)
        document = fill(application, responses, user, size)
        client = login(user)
        criterion_page = reverse(
            "accreditation:response_edit", args=[application.pk, responses[0].criterion_id]
        )
        urls = [*page_urls(application, responses, document), criterion_page]
        costs.append([count_queries(lambda url=url, c=client: c.get(url)) for url in urls])
    assert costs[0] == costs[1]
