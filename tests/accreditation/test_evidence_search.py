"""The criterion page's "use a file already in this application": a search by name (htmx, or a
plain GET form on the page without JavaScript) and the few most recent files as quick picks,
so the page never lists every file of the application."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accreditation.models import (
    Application,
    ApplicationStatus,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
)
from accreditation.selectors.evidence import QUICK_PICKS, SEARCH_LIMIT
from providers.models import MembershipRole
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import responses_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def add_files(application, user, names: list[str]) -> list[EvidenceDocument]:
    """One document a name, uploaded a minute apart in the order given (the last is newest)."""
    start = timezone.now() - datetime.timedelta(days=1)
    documents = []
    for n, name in enumerate(names):
        document = EvidenceDocument.objects.create(application=application)
        revision = EvidenceRevision.objects.create(
            document=document,
            number=1,
            file=f"evidence/{application.pk}/{document.pk}",
            original_name=name,
            content_type="application/pdf",
            size=2048,
            sha256="0" * 64,
            uploaded_by=user,
        )
        EvidenceRevision.objects.filter(pk=revision.pk).update(
            uploaded_at=start + datetime.timedelta(minutes=n)
        )
        document.current = revision
        document.save()
        documents.append(document)
    return documents


def link(document, response, user) -> EvidenceLink:
    return EvidenceLink.objects.create(response=response, document=document, added_by=user)


def search_url(application, response) -> str:
    return reverse("accreditation:evidence_search", args=[application.pk, response.criterion_id])


def criterion_url(application, response) -> str:
    return reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])


def offered(html: str) -> list[int]:
    """The files offered by "Use for this criterion" buttons, in page order."""
    return [int(pk) for pk in re.findall(r'name="document" value="(\d+)"', html)]


@pytest.fixture
def client(login, provider_user):
    return login(provider_user)


# --- the search endpoint (htmx) ---------------------------------------------------------------


def test_the_search_matches_names_containing_the_text_in_any_case(
    client, provider_user, draft, responses
):
    policy, log, _budget = add_files(
        draft,
        provider_user,
        ["Safeguarding policy.pdf", "staff SAFEGUARDING log.docx", "Budget 2025.xlsx"],
    )
    answer = client.get(search_url(draft, responses[0]), {"q": "safeGuard"}, **HTMX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert offered(html) == [policy.pk, log.pk]  # by name
    assert "Budget 2025.xlsx" not in html
    assert html.count("Use for this criterion") == 2
    assert "2 files not yet used for this criterion" in html
    assert "<html" not in html  # a fragment, not a page

    nothing = client.get(search_url(draft, responses[0]), {"q": "minutes"}, **HTMX)
    assert offered(nothing.content.decode()) == []
    assert "No file whose name contains “minutes”" in nothing.content.decode()
    # An empty search shows nothing (the quick picks stay on the page).
    empty = client.get(search_url(draft, responses[0]), {"q": "  "}, **HTMX)
    assert empty.status_code == 200 and offered(empty.content.decode()) == []


def test_the_search_treats_wildcards_as_text(client, provider_user, draft, responses):
    add_files(draft, provider_user, ["plan.pdf", "100% attendance.pdf"])
    html = client.get(search_url(draft, responses[0]), {"q": "%"}, **HTMX).content.decode()
    assert "100% attendance.pdf" in html and "plan.pdf" not in html


def test_the_search_shows_at_most_twenty_and_says_when_there_are_more(
    client, provider_user, draft, responses
):
    documents = add_files(draft, provider_user, [f"minutes {n:02}.pdf" for n in range(25)])
    html = client.get(search_url(draft, responses[0]), {"q": "minutes"}, **HTMX).content.decode()
    assert offered(html) == [d.pk for d in documents[:SEARCH_LIMIT]] and SEARCH_LIMIT == 20
    assert "The first 20 matches" in html and "type more of the name" in html

    narrower = client.get(search_url(draft, responses[0]), {"q": "minutes 2"}, **HTMX)
    assert offered(narrower.content.decode()) == [d.pk for d in documents[20:25]]
    assert "The first" not in narrower.content.decode()


def test_the_search_leaves_out_files_already_used_for_this_criterion(
    client, provider_user, draft, responses
):
    here, elsewhere, unused = add_files(
        draft, provider_user, ["policy here.pdf", "policy elsewhere.pdf", "policy unused.pdf"]
    )
    link(here, responses[0], provider_user)
    link(elsewhere, responses[1], provider_user)
    html = client.get(search_url(draft, responses[0]), {"q": "policy"}, **HTMX).content.decode()
    assert offered(html) == [elsewhere.pk, unused.pk]


def test_the_search_never_finds_another_applications_files(client, provider_user, draft, responses):
    other = started_application(lead=provider_user)  # the same organisation, another programme
    add_files(other, provider_user, ["policy of the other application.pdf"])
    html = client.get(search_url(draft, responses[0]), {"q": "policy"}, **HTMX).content.decode()
    assert offered(html) == []


def test_who_may_search(login, provider_user, other_provider_user, assessor, administrator, draft):
    responses = responses_of(draft)
    add_files(draft, provider_user, ["secret plan.pdf"])
    url = search_url(draft, responses[0])
    contributor = MembershipFactory(
        role=MembershipRole.CONTRIBUTOR, organisation=provider_user.membership.organisation
    ).user

    anonymous = login(None).get(url, {"q": "plan"}, **HTMX)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for outsider in (other_provider_user, assessor):
        answer = login(outsider).get(url, {"q": "plan"}, **HTMX)
        assert answer.status_code == 404
        assert b"secret plan" not in answer.content
    assert login(administrator).get(url, {"q": "plan"}, **HTMX).status_code == 403
    allowed = login(contributor).get(url, {"q": "plan"}, **HTMX)
    assert allowed.status_code == 200 and b"secret plan.pdf" in allowed.content
    # A criterion of another application, under this one's address: 404.
    foreign = responses_of(started_application())[0]
    wrong = reverse("accreditation:evidence_search", args=[draft.pk, foreign.criterion_id])
    assert login(provider_user).get(wrong, {"q": "plan"}, **HTMX).status_code == 404


def test_a_locked_application_refuses_the_search(client, provider_user, draft, responses):
    add_files(draft, provider_user, ["plan.pdf"])
    now = timezone.now()
    Application.objects.filter(pk=draft.pk).update(
        status=ApplicationStatus.SUBMITTED, submitted_at=now, declaration_signed_at=now
    )
    answer = client.get(search_url(draft, responses[0]), {"q": "plan"}, **HTMX)
    assert answer.status_code == 403
    assert b"plan.pdf" not in answer.content
    page = client.get(criterion_url(draft, responses[0]), {"q": "plan"}).content.decode()
    assert "Find a file already in this application" not in page
    assert offered(page) == []


def test_the_search_address_without_htmx_goes_to_the_criterion_page(client, draft, responses):
    answer = client.get(search_url(draft, responses[0]), {"q": "plan & budget"})
    assert answer.status_code == 302
    assert answer["Location"] == (
        f"{criterion_url(draft, responses[0])}?q=plan+%26+budget#evidence-reuse-{responses[0].pk}"
    )


# --- on the criterion page ---------------------------------------------------------------------


def test_the_page_offers_a_search_box_and_the_five_newest_files(
    client, provider_user, draft, responses
):
    documents = add_files(draft, provider_user, [f"report {n:02}.pdf" for n in range(12)])
    linked = documents[-1]  # the newest, already used here: not a quick pick
    link(linked, responses[0], provider_user)
    html = client.get(criterion_url(draft, responses[0])).content.decode()

    assert '<label class="form-label fw-semibold" for="evidence-search-' in html
    assert "Find a file already in this application</label>" in html
    assert f'data-hx-get="{search_url(draft, responses[0])}"' in html
    newest = [d.pk for d in reversed(documents[-1 - QUICK_PICKS : -1])]
    assert offered(html) == newest and QUICK_PICKS == 5


def test_the_page_does_not_list_the_other_files(client, provider_user, draft, responses):
    """Only the quick picks and this criterion's own files are named on the page."""
    names = [f"unlinked document {n:03}.pdf" for n in range(40)]
    documents = add_files(draft, provider_user, [*names, "linked here.pdf"])
    link(documents[-1], responses[0], provider_user)
    html = client.get(criterion_url(draft, responses[0])).content.decode()
    assert "linked here.pdf" in html
    shown = [name for name in names if name in html]
    assert shown == names[-QUICK_PICKS:]


def test_without_javascript_the_search_is_a_form_on_the_criterion_page(
    client, provider_user, draft, responses
):
    policy, budget_2024, budget = add_files(
        draft, provider_user, ["Safeguarding policy.pdf", "Budget 2024.xlsx", "Budget 2025.xlsx"]
    )
    page = criterion_url(draft, responses[0])
    html = client.get(page).content.decode()
    form = re.search(r'<form[^>]*role="search"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert f'action="{page}#evidence-reuse-{responses[0].pk}"' in form
    assert re.search(r'<input[^>]*type="search" name="q"', html)

    results = client.get(page, {"q": "budget"}).content.decode()
    assert "Files whose name contains “budget”" in results
    assert 'value="budget"' in results  # the box keeps what was typed
    matches = re.search(r"Files whose name contains “budget”(.*?)Recently uploaded", results, re.S)
    assert "Safeguarding policy.pdf" not in matches.group(1)
    assert offered(matches.group(1)) == [budget_2024.pk, budget.pk]

    # Choosing one posts the existing link form, with what was typed in "where to look".
    answer = client.post(
        reverse("accreditation:evidence_link", args=[draft.pk, responses[0].criterion_id]),
        {"document": budget.pk, "pointer": "row 12"},
    )
    assert answer.status_code == 302
    assert EvidenceLink.objects.get(response=responses[0]).document == budget
    assert EvidenceLink.objects.get(response=responses[0]).pointer == "row 12"
    again = client.get(page, {"q": "budget"}).content.decode()
    matches = re.search(r"Files whose name contains “budget”(.*?)Recently uploaded", again, re.S)
    assert budget.pk not in offered(matches.group(1))
    assert policy.pk in offered(again)  # still a quick pick


def test_people_who_may_only_read_see_no_search(login, administrator, provider_user, draft):
    responses = responses_of(draft)
    add_files(draft, provider_user, ["plan.pdf"])
    html = login(administrator).get(criterion_url(draft, responses[0]), {"q": "plan"})
    assert html.status_code == 200
    assert "Find a file already in this application" not in html.content.decode()
    assert offered(html.content.decode()) == []


def count_queries(client, url, data=None, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}, **headers).status_code == 200
    return len(queries)


def test_the_criterion_page_costs_the_same_with_2_or_200_files(login):
    costs = []
    for size in (2, 200):
        application = started_application()
        user = application.started_by
        responses = responses_of(application)
        documents = add_files(application, user, [f"file {n:03}.pdf" for n in range(size)])
        for document in documents[::2]:
            link(document, responses[0], user)
        client = login(user)
        url = criterion_url(application, responses[0])
        costs.append(
            (
                count_queries(client, url),
                count_queries(client, url, {"q": "file"}),
                count_queries(client, search_url(application, responses[0]), {"q": "file"}, **HTMX),
            )
        )
    assert costs[0] == costs[1]
