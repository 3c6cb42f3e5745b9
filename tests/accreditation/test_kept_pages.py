"""Application pages kept while nothing on them changes (accreditation/kept_pages.py), and the
change counts that decide it (accreditation migration 0012).

Every other test of these pages runs with keeping on too: a page read after a change in any
test is drawn afresh only because the count moved, so the whole suite checks that no change is
missed. These tests check the rules themselves."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accreditation.kept_pages import change_count
from accreditation.models import Application, ApplicationChanges, EvidenceLink, Response
from providers.models import Membership
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import responses_of
from tests.accreditation.journey import in_assessment, scores_give
from tests.factories import MembershipFactory, sign_in

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def criterion_url(application, response) -> str:
    return reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])


def warmed(client: Client, url: str):
    """Two visits: the first sets the CSRF cookie (no page is kept without one), the second
    draws the page and keeps it. Returns that page."""
    assert client.get(url).status_code == 200
    page = client.get(url)
    assert page.status_code == 200
    return page


def queries_of(client: Client, url: str, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **kwargs).status_code == 200
    return len(queries)


# --- the counts -----------------------------------------------------------------------------


def _tables_shown_with_applications() -> set[str]:
    """Every table of a model that points to an application, directly or through another such
    model, and the many-to-many tables of those models: what an application's pages can show."""
    shown = {Application}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in shown or model is ApplicationChanges:
                continue
            if any(
                field.is_relation and field.many_to_one and field.related_model in shown
                for field in model._meta.concrete_fields
            ):
                shown.add(model)
                grew = True
    tables = {model._meta.db_table for model in shown}
    for model in shown:
        for field in model._meta.local_many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    return tables


def _tables_with_count_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'accreditation\\_changes\\_%' ESCAPE '\\'"
            )
        else:
            cursor.execute(
                "SELECT tgrelid::regclass::text FROM pg_trigger "
                "WHERE tgname LIKE 'accreditation\\_changes\\_%'"
            )
        return {table for (table,) in cursor.fetchall()}


def test_every_table_an_application_page_can_show_raises_its_count(db):
    """A new model belonging to applications needs its triggers (a new migration), or its
    changes would be missed by kept pages: this test names it."""
    missing = _tables_shown_with_applications() - _tables_with_count_triggers()
    assert not missing, f"no change-count triggers on {sorted(missing)}"
    # And what is shown with applications from outside: programmes, organisations, members,
    # people's names.
    assert {
        "providers_programme",
        "providers_organisation",
        "providers_membership",
        "accounts_user",
        "standards_standard",
        "standards_standardversion",
    } <= _tables_with_count_triggers()


def test_writes_of_every_kind_raise_the_count_of_their_application_only(db, provider_user):
    draft = started_application(lead=provider_user)
    other = started_application()
    response = responses_of(draft)[0]

    def raised(write) -> bool:
        before, other_before = change_count(draft.pk), change_count(other.pk)
        write()
        assert change_count(other.pk) == other_before, "another application's count moved"
        return change_count(draft.pk) > before

    # Through the ORM, through a queryset update and in plain SQL: the database counts.
    assert raised(lambda: Response.objects.filter(pk=response.pk).update(narrative="Updated"))
    with connection.cursor() as cursor:
        assert raised(
            lambda: cursor.execute(
                "UPDATE accreditation_response SET narrative = 'Raw' WHERE id = %s", [response.pk]
            )
        )
    assert raised(lambda: Application.objects.filter(pk=draft.pk).update(reference="Q-RENAMED"))
    programme = draft.programme
    assert raised(lambda: type(programme).objects.filter(pk=programme.pk).update(name="New"))
    organisation = programme.organisation
    assert raised(
        lambda: type(organisation).objects.filter(pk=organisation.pk).update(name="Renamed Ltd")
    )
    assert raised(
        lambda: MembershipFactory(organisation=organisation, user__full_name="New Colleague")
    )
    colleague = Membership.objects.filter(organisation=organisation).last().user
    assert raised(lambda: type(colleague).objects.filter(pk=colleague.pk).update(full_name="X"))
    # Signing in changes nothing any page shows of a person.
    assert not raised(
        lambda: type(colleague).objects.filter(pk=colleague.pk).update(last_login=draft.created_at)
    )


def test_evidence_links_and_revisions_raise_the_count(db, provider_user, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accreditation.services.evidence import evidence_upload

    draft = started_application(lead=provider_user)
    response = responses_of(draft)[0]
    before = change_count(draft.pk)
    evidence_upload(
        application=draft,
        response=response,
        files=[SimpleUploadedFile("policy.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
        pointer="p. 2",
        user=provider_user,
    )
    uploaded = change_count(draft.pk)
    assert uploaded > before
    EvidenceLink.objects.filter(response=response).delete()
    assert change_count(draft.pk) > uploaded


def test_a_renewal_counts_the_changes_of_the_application_it_renews(db, provider_user):
    renewed = started_application(lead=provider_user)
    renewal = started_application(lead=provider_user)
    Application.objects.filter(pk=renewal.pk).update(renewal_of=renewed)
    before = change_count(renewal.pk)
    Application.objects.filter(pk=renewed.pk).update(reference="Q-OLD")
    assert change_count(renewal.pk) > before


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_count_moves_when_the_change_commits():
    """Deferred triggers: the count's row is locked only at commit, and a page read in between
    is drawn from the data as it was, under the count as it was."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's triggers run with each statement")
    draft = started_application()
    response = responses_of(draft)[0]
    before = change_count(draft.pk)
    with transaction.atomic():
        Response.objects.filter(pk=response.pk).update(narrative="Inside the transaction")
        assert change_count(draft.pk) == before
    assert change_count(draft.pk) == before + 1


# --- the pages ------------------------------------------------------------------------------


def test_a_kept_criterion_page_is_served_with_one_query_of_its_own(
    db, provider_user, login, django_assert_max_num_queries
):
    draft = started_application(lead=provider_user)
    url = criterion_url(draft, responses_of(draft)[0])
    client = login(provider_user)
    drawn = warmed(client, url)
    # The user (with the unread count) and the change count; the session is in the cache.
    with django_assert_max_num_queries(2):
        kept = client.get(url)
    assert kept.status_code == 200
    assert kept.content == drawn.content
    assert kept["Content-Type"] == drawn["Content-Type"]
    assert "no-store" in kept["Cache-Control"]  # still never kept by the browser


def test_a_change_by_anyone_shows_at_once(db, provider_user, login):
    draft = started_application(lead=provider_user)
    response = responses_of(draft)[0]
    url = criterion_url(draft, response)
    client = login(provider_user)
    assert b"Written by a colleague" not in warmed(client, url).content
    Response.objects.filter(pk=response.pk).update(narrative="Written by a colleague")
    assert b"Written by a colleague" in client.get(url).content
    # The organisation's new name, in the breadcrumbs and heading.
    organisation = draft.programme.organisation
    type(organisation).objects.filter(pk=organisation.pk).update(name="Renamed Health Trust")
    assert (
        b"Renamed Health Trust"
        in client.get(reverse("accreditation:application_detail", args=[draft.pk])).content
    )


def test_saving_shows_the_message_once_and_the_saved_answer(db, provider_user, login):
    draft = started_application(lead=provider_user)
    response = responses_of(draft)[0]
    url = criterion_url(draft, response)
    client = login(provider_user)
    warmed(client, url)
    saved = client.post(
        url,
        {"narrative": "Our board reviews the programme.", "rating": "met", "revision": 0},
        follow=True,
    )
    assert saved.status_code == 200
    assert b"Saved at" in saved.content and b"Our board reviews the programme." in saved.content
    again = client.get(url)
    assert b"Saved at" not in again.content
    assert b"Our board reviews the programme." in again.content


def test_the_forms_of_a_kept_page_carry_a_token_valid_for_that_browser(
    db, provider_user, django_assert_max_num_queries
):
    draft = started_application(lead=provider_user)
    response = responses_of(draft)[0]
    url = criterion_url(draft, response)
    browsers = []
    for _ in range(2):  # the same person in two browsers: each has its own CSRF cookie
        browser = Client(enforce_csrf_checks=True)
        sign_in(browser, provider_user)
        warmed(browser, url)
        browsers.append(browser)
    tokens = []
    for browser in browsers:
        with django_assert_max_num_queries(2):
            page = browser.get(url)
        tokens.append(CSRF_INPUT.search(page.content).group(1).decode())
    for number, (browser, token) in enumerate(zip(browsers, tokens, strict=True)):
        posted = browser.post(
            url,
            {
                "narrative": f"Saved from browser {number}",
                "rating": "met",
                "revision": Response.objects.get(pk=response.pk).revision,
                "csrfmiddlewaretoken": token,
            },
        )
        assert posted.status_code == 302, posted.status_code
    assert Response.objects.get(pk=response.pk).narrative == "Saved from browser 1"


def test_blind_marking_each_assessor_is_served_only_their_own_page(db, login):
    stage = in_assessment()
    scores_give(stage, stage.lead, "met", complete=False)
    scores_give(stage, stage.second, "not_met", complete=False)
    criterion = stage.criteria[0]
    url = reverse("accreditation:scoring_criterion", args=[stage.application.pk, criterion.pk])
    lead, second = login(stage.lead.assessor), login(stage.second.assessor)
    for _ in range(3):  # drawn, kept, then served kept: in any order, never the other's
        lead_page, second_page = lead.get(url).content, second.get(url).content
        assert stage.lead.assessor.full_name.encode() in lead_page
        assert stage.second.assessor.full_name.encode() not in lead_page
        assert stage.second.assessor.full_name.encode() in second_page
        assert stage.lead.assessor.full_name.encode() not in second_page


def test_administrators_pages_are_always_drawn(db, login):
    stage = in_assessment()
    url = reverse("accreditation:application_detail", args=[stage.application.pk])
    client = login(stage.administrator)
    warmed(client, url)
    assert queries_of(client, url) > 2, "an administrator's page was served from the cache"


def test_htmx_requests_and_refusals_are_never_kept(db, provider_user, other_provider_user, login):
    draft = started_application(lead=provider_user)
    url = criterion_url(draft, responses_of(draft)[0])
    outsider = login(other_provider_user)
    for _ in range(3):
        assert outsider.get(url).status_code == 404
    client = login(provider_user)
    warmed(client, url)
    assert queries_of(client, url) <= 2
    assert queries_of(client, url, headers={"HX-Request": "true"}) > 2
    # Removed from the organisation: refused at once, though a page was kept for them.
    Membership.objects.filter(user=provider_user).delete()
    assert client.get(url).status_code in (302, 403, 404)


def test_keeping_can_be_turned_off(db, provider_user, login, settings):
    settings.KEPT_PAGE_SECONDS = 0
    draft = started_application(lead=provider_user)
    url = criterion_url(draft, responses_of(draft)[0])
    client = login(provider_user)
    warmed(client, url)
    assert queries_of(client, url) > 2


def test_a_changed_setting_is_shown_at_once(db, provider_user, login, settings):
    """Pages show settings (here the largest upload); overriding one drops every kept page."""
    draft = started_application(lead=provider_user)
    url = criterion_url(draft, responses_of(draft)[0])
    client = login(provider_user)
    settings.EVIDENCE_MAX_FILE_BYTES = 20 * 1024 * 1024
    assert b"20.0\xc2\xa0MB" in warmed(client, url).content
    settings.EVIDENCE_MAX_FILE_BYTES = 2048
    page = client.get(url).content
    assert b"2.0\xc2\xa0KB" in page and b"20.0\xc2\xa0MB" not in page


def test_without_the_pages_cache_pages_are_drawn(db, provider_user, login, settings):
    """A ``CACHES`` without "pages" (a deployment's or a test's own) keeps nothing, and fails
    nothing."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "immutable": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    draft = started_application(lead=provider_user)
    url = criterion_url(draft, responses_of(draft)[0])
    client = login(provider_user)
    assert warmed(client, url).status_code == 200
    assert queries_of(client, url) > 2


def test_a_new_version_of_the_standard_shows_in_the_renewal_offer_at_once(
    db, client, private_storage
):
    """The workspace offers a renewal against the standard's current version: publishing a new
    one raises the count of every application of that standard."""
    from tests.accreditation.test_renewals import _certificate_expiring_in, _revised

    certificate = _certificate_expiring_in(60)
    application = certificate.application
    sign_in(client, application.started_by)
    url = reverse("accreditation:application_detail", args=[application.pk])
    kept = warmed(client, url).content.decode()
    assert f"against version {application.version.number} of the standard" in kept
    _revised(application.version)
    assert "against version 2027.1 of the standard" in client.get(url).content.decode()


def test_a_renamed_administrator_shows_at_once_where_they_acted(db, private_storage, login):
    """An administrator who returned the application is named on its workspace, though they
    neither belong to the provider nor assess it."""
    from accounts.models import User
    from accreditation.services.screening import application_return
    from tests.accreditation.journey import submitted_application

    state = submitted_application()
    application_return(
        application=state.application, user=state.administrator, reasons="Missing policy."
    )
    client = login(state.application.started_by)
    url = reverse("accreditation:application_detail", args=[state.application.pk])
    assert state.administrator.full_name in warmed(client, url).content.decode()
    User.objects.filter(pk=state.administrator.pk).update(full_name="Morgan Renamed")
    assert "Morgan Renamed" in client.get(url).content.decode()
