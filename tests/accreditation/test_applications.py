"""Starting an application, the workspace, answering criteria, submitting and withdrawing.

Also holds the small helpers the other application tests import: evidence is created as rows
(a document, its first revision with a tiny file in a temporary private storage, and a link),
exactly as the evidence service leaves them.
"""

import hashlib
import itertools
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accreditation.models import (
    NOT_APPLICABLE,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
    Response,
)
from accreditation.selectors.applications import application_list_for_user, application_workspace
from accreditation.services import applications as services
from accreditation.services.history import event_record
from accreditation.tasks import notify_application_submitted
from providers.models import MembershipRole
from qismet_portal.exceptions import DomainError
from standards import services as standard_services
from standards.models import Criterion
from tests.factories import AdministratorFactory, MembershipFactory
from tests.standards.factories import StandardFactory, draft_version, published_version

from .factories import ProgrammeFactory, started_application

pytestmark = pytest.mark.django_db

_names = itertools.count(1)


# --- helpers shared by the application tests ------------------------------------------------


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Evidence files go to a throw-away folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def document_add(application, user, name: str | None = None) -> EvidenceDocument:
    """A file in the application's library (a tiny PDF), with its first revision."""
    name = name or f"evidence-{next(_names)}.pdf"
    content = b"%PDF-1.4\n" + name.encode() + b"\n%%EOF\n"
    document = EvidenceDocument.objects.create(application=application)
    revision = EvidenceRevision.objects.create(
        document=document,
        number=1,
        file=ContentFile(content, name="upload"),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    document.current = revision
    document.save(update_fields=["current"])
    return document


def evidence_add(response, user, name: str | None = None, document=None) -> EvidenceLink:
    """Link a file (a new one unless ``document`` is given) to one criterion's response."""
    document = document or document_add(response.application, user, name)
    return EvidenceLink.objects.create(
        response=response, document=document, added_by=user, pointer="page 1"
    )


def responses_of(application) -> list[Response]:
    return list(
        Response.objects.filter(application=application)
        .select_related("criterion", "application__version")
        .order_by("criterion__theme__number", "criterion__order")
    )


def answer(response, user, rating: str = "met", narrative: str = "We do this; see the policy."):
    return services.response_save(
        response=response, user=user, narrative=narrative, rating=rating, na_justification=""
    )


def complete(application, user=None) -> Application:
    """Answer every criterion and give every mandatory one evidence (as its lead by default)."""
    user = user or application.started_by
    for response in responses_of(application):
        answer(response, user)
        if response.criterion.mandatory:
            evidence_add(response, user)
    return application


def member(application, role: str):
    """A member of the application's organisation; "signatory" is a contributor who can sign."""
    if role == "signatory":
        return MembershipFactory(
            signatory=True, organisation=application.programme.organisation
        ).user
    return MembershipFactory(role=role, organisation=application.programme.organisation).user


def version_allowing_na(*codes: str, criteria_per_theme: int = 1):
    """A published version whose criteria ``codes`` allow "not applicable"."""
    version = draft_version(criteria_per_theme=criteria_per_theme)
    Criterion.objects.filter(theme__version=version, code__in=codes).update(na_allowed=True)
    return standard_services.version_publish(version=version, user=None)


def _lead():
    return MembershipFactory(role=MembershipRole.LEAD).user


def signatory_of(application):
    return member(application, "signatory")


def submit(application, signatory=None) -> Application:
    signatory = signatory or signatory_of(application)
    return services.application_submit(
        application=application,
        user=signatory,
        full_name=signatory.full_name,
        role="Chief Executive",
        confirmed=True,
    )


# --- starting -------------------------------------------------------------------------------


def test_a_lead_starts_an_application_for_a_programme(login, provider_user):
    version = published_version(criteria_per_theme=2)
    programme = ProgrammeFactory(organisation=provider_user.membership.organisation)
    client = login(provider_user)
    page = client.get(reverse("accreditation:application_start"))
    assert page.status_code == 200
    assert programme.name.encode() in page.content
    assert f"version {version.number}".encode() in page.content

    response = client.post(
        reverse("accreditation:application_start"),
        {"programme": programme.pk, "version": version.pk},
        follow=True,
    )
    application = Application.objects.get(programme=programme)
    assert response.redirect_chain[-1][0] == reverse(
        "accreditation:application_detail", args=[application.pk]
    )
    assert application.version == version
    assert application.status == ApplicationStatus.DRAFT
    assert application.responses.count() == 8
    assert application.events.get().kind == ApplicationEvent.Kind.STARTED
    assert f"Application {application.reference} started".encode() in response.content


def test_the_lead_chooses_the_standard_when_several_are_published(login, provider_user):
    first = published_version(criteria_per_theme=1)
    second = published_version(criteria_per_theme=2, standard=StandardFactory())
    programme = ProgrammeFactory(organisation=provider_user.membership.organisation)
    client = login(provider_user)
    page = client.get(reverse("accreditation:application_start"))
    assert page.content.count(b'name="version"') == 2
    missing = client.post(reverse("accreditation:application_start"), {"programme": programme.pk})
    assert b"Choose the standard to apply against." in missing.content
    client.post(
        reverse("accreditation:application_start"),
        {"programme": programme.pk, "version": second.pk},
    )
    application = Application.objects.get(programme=programme)
    assert application.version == second != first
    assert application.responses.count() == 8


def test_a_programme_with_an_open_application_is_refused(login):
    application = started_application()
    lead = application.started_by
    version = application.version
    client = login(lead)
    page = client.get(reverse("accreditation:application_start"))
    assert b"already has an application in progress" in page.content
    response = client.post(
        reverse("accreditation:application_start"),
        {"programme": application.programme.pk, "version": version.pk},
    )
    assert response.status_code == 200
    assert b"already has an application in progress" in response.content
    assert Application.objects.filter(programme=application.programme).count() == 1


def test_a_withdrawn_application_frees_the_programme(login):
    application = started_application()
    services.application_withdraw(application=application, user=application.started_by, reason="x")
    login(application.started_by).post(
        reverse("accreditation:application_start"),
        {"programme": application.programme.pk, "version": application.version.pk},
    )
    assert Application.objects.filter(programme=application.programme).count() == 2


def test_a_lead_cannot_start_for_another_organisations_programme(login, provider_user):
    version = published_version()
    ProgrammeFactory(organisation=provider_user.membership.organisation)
    elsewhere = ProgrammeFactory()
    response = login(provider_user).post(
        reverse("accreditation:application_start"),
        {"programme": elsewhere.pk, "version": version.pk},
    )
    assert response.status_code == 200
    assert b"from the options shown" in response.content
    assert not Application.objects.exists()


def test_only_published_versions_are_offered(login, provider_user):
    draft = draft_version()
    programme = ProgrammeFactory(organisation=provider_user.membership.organisation)
    client = login(provider_user)
    page = client.get(reverse("accreditation:application_start"))
    assert b"No version of the standard is published" in page.content
    client.post(
        reverse("accreditation:application_start"), {"programme": programme.pk, "version": draft.pk}
    )
    assert not Application.objects.exists()
    with pytest.raises(DomainError):
        services.application_start(programme=programme, version=draft, user=provider_user)


def test_the_application_stays_pinned_to_its_version(login):
    application = started_application()
    old = application.version
    new = standard_services.version_copy_as_draft(version=old, number="next", user=None)
    standard_services.version_publish(version=new, user=None)
    application.refresh_from_db()
    assert application.version == old
    page = login(application.started_by).get(
        reverse("accreditation:application_detail", args=[application.pk])
    )
    assert f"version {old.number}".encode() in page.content


# --- the workspace --------------------------------------------------------------------------


def test_the_workspace_shows_progress_per_theme_and_overall(login):
    application = started_application(criteria_per_theme=2)
    lead = application.started_by
    first, second, *_rest = responses_of(application)
    answer(first, lead)
    evidence_add(first, lead)
    answer(second, lead, narrative="")  # rated, no narrative: started, not answered

    workspace = application_workspace(application)
    assert (workspace.answered, workspace.evidenced, workspace.total) == (1, 1, 8)
    theme_one = workspace.themes[0]
    assert (theme_one.answered, theme_one.evidenced, theme_one.total) == (1, 1, 2)
    assert [t.theme.number for t in workspace.themes] == [1, 2, 3, 4]

    page = login(lead).get(reverse("accreditation:application_detail", args=[application.pk]))
    content = page.content.decode()
    assert '<progress class="w-100" id="progress-answered" value="1" max="8"' in content
    assert 'id="progress-1-answered" value="1" max="2"' in content
    assert 'id="progress-1-evidenced" value="1" max="2"' in content
    assert "Theme 1: Leadership, management and organisation" in content
    assert reverse("accreditation:evidence_library", args=[application.pk]) in content
    assert reverse("accreditation:application_history", args=[application.pk]) in content
    assert f"version {application.version.number}" in content
    assert "Draft" in content


def test_the_gap_list_names_each_missing_thing_and_links_to_it(login):
    version = version_allowing_na("2.2", criteria_per_theme=2)
    lead = MembershipFactory(role=MembershipRole.LEAD).user
    application = started_application(version=version, lead=lead)
    by_code = {r.criterion.code: r for r in responses_of(application)}
    answer(by_code["1.1"], lead)  # mandatory, answered, no evidence
    answer(by_code["1.2"], lead)  # complete
    answer(by_code["2.1"], lead, narrative="")  # no narrative
    Response.objects.filter(pk=by_code["2.2"].pk).update(rating=NOT_APPLICABLE)  # no reason
    answer(by_code["3.2"], lead, rating="")  # no rating

    gaps = {gap.criterion.code: gap.problems for gap in application_workspace(application).gaps}
    assert gaps == {
        "1.1": ("Mandatory: no evidence linked yet.",),
        "2.1": ("No narrative written.", "Mandatory: no evidence linked yet."),
        "2.2": ("Marked not applicable without saying why.",),
        "3.1": ("Not answered yet.", "Mandatory: no evidence linked yet."),
        "3.2": ("No self-rating chosen.",),
        "4.1": ("Not answered yet.", "Mandatory: no evidence linked yet."),
        "4.2": ("Not answered yet.",),
    }
    page = login(lead).get(reverse("accreditation:application_detail", args=[application.pk]))
    content = page.content.decode()
    assert "7 criteria need attention" in content
    assert "Marked not applicable without saying why." in content
    link = reverse(
        "accreditation:response_edit", args=[application.pk, by_code["2.2"].criterion_id]
    )
    assert f'href="{link}"' in content


def test_a_justified_not_applicable_mandatory_criterion_needs_no_evidence():
    version = version_allowing_na("1.1")
    lead = MembershipFactory(role=MembershipRole.LEAD).user
    application = started_application(version=version, lead=lead)
    response = responses_of(application)[0]
    services.response_save(
        response=response,
        user=lead,
        narrative="",
        rating=NOT_APPLICABLE,
        na_justification="We deliver only online.",
    )
    codes = [gap.criterion.code for gap in application_workspace(application).gaps]
    assert "1.1" not in codes


def test_the_workspace_says_who_can_submit_when_it_is_ready(login):
    application = complete(started_application(criteria_per_theme=1))
    lead = application.started_by
    signatory = signatory_of(application)
    page = login(lead).get(reverse("accreditation:application_detail", args=[application.pk]))
    assert b"Ready to submit" in page.content
    assert escape(signatory.full_name).encode() in page.content
    assert reverse("accreditation:application_submit", args=[application.pk]).encode() not in (
        page.content
    )
    as_signatory = login(signatory).get(
        reverse("accreditation:application_detail", args=[application.pk])
    )
    assert reverse("accreditation:application_submit", args=[application.pk]).encode() in (
        as_signatory.content
    )


# --- answering a criterion ------------------------------------------------------------------


def _criterion_url(application, response) -> str:
    return reverse("accreditation:response_edit", args=[application.pk, response.criterion_id])


def test_the_criterion_page_shows_the_criterion_beside_the_answer(login):
    application = started_application(criteria_per_theme=2)
    response = responses_of(application)[1]
    page = login(application.started_by).get(_criterion_url(application, response))
    content = page.content.decode()
    criterion = response.criterion
    assert page.status_code == 200
    assert criterion.requirement in content
    assert criterion.guidance in content
    assert criterion.evidence_examples[0] in content
    assert "data-warn-unsaved" in content
    for level in application.version.scale:
        assert f'value="{level["code"]}"' in content
        assert level["label"] in content
    assert 'value="na"' not in content  # N/A not allowed for this criterion
    assert "criterion 2 of 8" in content
    assert "Previous: 1.1" in content and "Next: 2.1" in content
    assert "Save and go to next criterion" in content
    assert 'hx-post="' in content and "hx-on" not in content and "<script>" not in content


def test_saving_keeps_the_answer_and_says_when(login):
    application = started_application(criteria_per_theme=1)
    response = responses_of(application)[0]
    client = login(application.started_by)
    result = client.post(
        _criterion_url(application, response),
        {"narrative": "  Our board meets monthly.  ", "rating": "partially_met", "save": ""},
        follow=True,
    )
    response.refresh_from_db()
    assert (response.narrative, response.rating) == ("Our board meets monthly.", "partially_met")
    assert response.updated_by == application.started_by
    saved_at = timezone.localtime(response.updated_at).strftime("%H:%M")
    assert f"Saved at {saved_at}.".encode() in result.content
    assert result.redirect_chain[-1][0] == _criterion_url(application, response)
    assert b"Our board meets monthly." in result.content


def test_save_and_next_goes_to_the_next_criterion_then_back_to_the_overview(login):
    application = started_application(criteria_per_theme=1)
    first, second, *_middle, last = responses_of(application)
    client = login(application.started_by)
    result = client.post(
        _criterion_url(application, first), {"narrative": "Text", "rating": "met", "save_next": ""}
    )
    assert result["Location"] == _criterion_url(application, second)
    result = client.post(
        _criterion_url(application, last), {"narrative": "Text", "rating": "met", "save_next": ""}
    )
    assert result["Location"] == reverse("accreditation:application_detail", args=[application.pk])


def test_not_applicable_needs_a_justification_and_keeps_what_was_typed(login):
    version = version_allowing_na("2.1")
    lead = _lead()
    application = started_application(version=version, lead=lead)
    response = next(r for r in responses_of(application) if r.criterion.code == "2.1")
    client = login(lead)
    page = client.get(_criterion_url(application, response))
    assert b'value="na"' in page.content and b"Not applicable" in page.content

    typed = "We run it online only, so there is no venue <b>at all</b>."
    result = client.post(
        _criterion_url(application, response),
        {"narrative": typed, "rating": "na", "na_justification": "   "},
    )
    assert result.status_code == 200
    content = result.content.decode()
    assert "say why this criterion does not apply to your programme" in content
    assert "We run it online only, so there is no venue &lt;b&gt;at all&lt;/b&gt;." in content
    assert 'value="na" checked' in content
    response.refresh_from_db()
    assert (response.narrative, response.rating) == ("", "")

    client.post(
        _criterion_url(application, response),
        {"narrative": "", "rating": "na", "na_justification": "Online only."},
    )
    response.refresh_from_db()
    assert (response.rating, response.na_justification) == ("na", "Online only.")
    assert response.is_answered


def test_not_applicable_is_refused_where_the_criterion_does_not_allow_it(login):
    application = started_application(criteria_per_theme=1)
    response = responses_of(application)[0]
    result = login(application.started_by).post(
        _criterion_url(application, response),
        {"narrative": "Kept text", "rating": "na", "na_justification": "Because"},
    )
    assert b"Choose one of the ratings offered for this criterion." in result.content
    assert b"Kept text" in result.content
    response.refresh_from_db()
    assert response.rating == ""
    with pytest.raises(DomainError):
        services.response_save(
            response=response,
            user=application.started_by,
            narrative="",
            rating="na",
            na_justification="Because",
        )
    with pytest.raises(DomainError):
        services.response_save(
            response=response, user=application.started_by, narrative="", rating="excellent"
        )


def test_a_rating_clears_an_old_justification():
    version = version_allowing_na("1.1")
    lead = _lead()
    application = started_application(version=version, lead=lead)
    response = responses_of(application)[0]
    services.response_save(
        response=response, user=lead, narrative="", rating="na", na_justification="Why"
    )
    services.response_save(response=response, user=lead, narrative="Now it applies", rating="met")
    response.refresh_from_db()
    assert (response.rating, response.na_justification) == ("met", "")


def test_an_overlong_narrative_is_refused_and_kept(login):
    application = started_application(criteria_per_theme=1)
    response = responses_of(application)[0]
    text = "x" * 20_001
    result = login(application.started_by).post(
        _criterion_url(application, response), {"narrative": text, "rating": "met"}
    )
    assert b"Keep the narrative under 20000 characters" in result.content
    assert text.encode() in result.content


def test_autosave_saves_the_narrative_and_answers_with_a_status_line(login):
    application = started_application(criteria_per_theme=1)
    response = responses_of(application)[0]
    answer(response, application.started_by, rating="met", narrative="Old")
    result = login(application.started_by).post(
        _criterion_url(application, response),
        {"narrative": "Typed so far", "autosave": "1", "revision": response.revision},
        headers={"HX-Request": "true"},
    )
    assert result.status_code == 200
    assert b"Draft saved at" in result.content
    assert b"<html" not in result.content
    response.refresh_from_db()
    assert (response.narrative, response.rating) == ("Typed so far", "met")


def test_the_page_is_read_only_once_submitted_and_a_late_save_keeps_the_text(login):
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    complete(application, lead)
    submit(application)
    response = responses_of(application)[0]

    page = login(lead).get(_criterion_url(application, response))
    assert page.status_code == 200
    assert b"data-warn-unsaved" not in page.content
    assert b"can no longer be changed" in page.content
    assert b"We do this; see the policy." in page.content

    late = login(lead).post(
        _criterion_url(application, response), {"narrative": "A late edit", "rating": "not_met"}
    )
    assert late.status_code == 409
    assert b"A late edit" in late.content
    assert b"Not saved" in late.content
    autosave = login(lead).post(
        _criterion_url(application, response),
        {"narrative": "A late edit", "autosave": "1"},
        headers={"HX-Request": "true"},
    )
    assert b"Not saved" in autosave.content
    response.refresh_from_db()
    assert (response.narrative, response.rating) == ("We do this; see the policy.", "met")
    with pytest.raises(DomainError):
        answer(response, lead, narrative="Through the service")


def test_an_administrator_reads_the_answer_without_a_form(login, administrator):
    application = started_application(criteria_per_theme=1)
    response = responses_of(application)[0]
    answer(response, application.started_by, narrative="Visible to QISMET")
    page = login(administrator).get(_criterion_url(application, response))
    assert page.status_code == 200
    assert b"Visible to QISMET" in page.content
    assert b"data-warn-unsaved" not in page.content


# --- submitting -----------------------------------------------------------------------------


def _submit_url(application) -> str:
    return reverse("accreditation:application_submit", args=[application.pk])


def _sign(client, application, **data):
    payload = {"full_name": "Dr Ruth Adeyemi", "role": "Chief Executive", "confirm": "on"}
    payload.update(data)
    return client.post(_submit_url(application), payload)


def test_submission_is_blocked_with_the_gap_list(login):
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    signatory = signatory_of(application)
    first = responses_of(application)[0]
    answer(first, lead)  # mandatory without evidence
    client = login(signatory)
    page = client.get(_submit_url(application))
    assert page.status_code == 200
    assert b"cannot be submitted yet" in page.content
    assert b"Mandatory: no evidence linked yet." in page.content
    assert b"Not answered yet." in page.content
    assert b'name="confirm"' not in page.content

    result = _sign(client, application)
    assert b"cannot be submitted yet" in result.content
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT
    with pytest.raises(services.SubmissionIncomplete) as refusal:
        submit(application, signatory)
    assert len(refusal.value.gaps) == 4


def test_submission_records_the_declaration_locks_editing_and_tells_people(
    login, django_capture_on_commit_callbacks
):
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    complete(application, lead)
    signatory = signatory_of(application)
    signatory.job_title = "Director of Services"
    signatory.save()
    administrators = [AdministratorFactory(), AdministratorFactory()]
    AdministratorFactory(is_active=False)
    client = login(signatory)
    page = client.get(_submit_url(application))
    content = page.content.decode()
    assert "true and complete to the best of my knowledge" in content
    assert "authority" in content and "withdraw accreditation" in content
    assert f'value="{escape(signatory.full_name)}"' in content
    assert 'value="Director of Services"' in content

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = _sign(client, application, role="Director of Services")
    assert result.status_code == 302
    assert len(callbacks) == 2

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declaration_signed_by == signatory
    assert application.declaration_name == "Dr Ruth Adeyemi"
    assert application.declaration_role == "Director of Services"
    assert application.declaration_signed_at == application.submitted_at
    assert application.declaration_text == services.declaration_text(application)
    assert "true and complete to the best of my knowledge" in application.declaration_text
    assert application.declaration_text in content.replace("&quot;", '"').replace("&#x27;", "'")
    event = application.events.get(kind=ApplicationEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", signatory)
    assert not application.is_editable

    to_admins, to_provider = mail.outbox
    assert sorted(to_admins.to) == sorted(a.email for a in administrators)
    assert application.reference in to_admins.subject
    assert application.programme.organisation.name in to_admins.body
    assert reverse("accreditation:application_detail", args=[application.pk]) in to_admins.body
    assert set(to_provider.to) == {lead.email, signatory.email}
    assert "What happens next" in to_provider.body

    detail = login(lead).get(reverse("accreditation:application_detail", args=[application.pk]))
    assert b"What happens next" in detail.content
    again = client.get(_submit_url(application))
    assert again.status_code == 302


def test_no_email_when_the_submission_rolls_back(django_capture_on_commit_callbacks):
    application = complete(started_application(criteria_per_theme=1))
    AdministratorFactory()
    signatory = signatory_of(application)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(application, signatory)
        raise RuntimeError("something after the submission failed")
    assert callbacks == []
    assert mail.outbox == []
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT
    assert not application.events.filter(kind=ApplicationEvent.Kind.STATUS).exists()


def test_the_declaration_needs_every_field(login):
    application = complete(started_application(criteria_per_theme=1))
    client = login(signatory_of(application))
    result = _sign(client, application, full_name="", role="", confirm="")
    content = result.content.decode()
    assert "Enter your full name." in content
    assert "Enter your role or job title." in content
    assert "Tick the box to confirm the declaration." in content
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_only_a_signatory_of_the_organisation_can_submit_through_the_service():
    application = complete(started_application(criteria_per_theme=1))
    with pytest.raises(DomainError, match="with the right to sign declarations"):
        submit(application, application.started_by)
    other_signatory = MembershipFactory(signatory=True).user
    with pytest.raises(DomainError, match="with the right to sign declarations"):
        submit(application, other_signatory)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_the_email_task_guards_on_status():
    application = complete(started_application(criteria_per_theme=1))
    AdministratorFactory()
    assert notify_application_submitted(application.pk) == 0  # still a draft: nothing to say
    assert notify_application_submitted(987654) == 0
    services.application_withdraw(application=application, user=application.started_by, reason="x")
    assert notify_application_submitted(application.pk) == 0
    assert mail.outbox == []


def test_the_email_task_retries_after_an_smtp_error_and_sends_once():
    application = complete(started_application(criteria_per_theme=1))
    AdministratorFactory()
    submit(application)
    mail.outbox.clear()
    from django.core.mail import send_mail as real_send_mail

    attempts = []

    def flaky(**kwargs):
        attempts.append(kwargs["recipient_list"])
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send_mail(**kwargs)

    with mock.patch("accreditation.tasks.send_mail", side_effect=flaky):
        # Celery runs the retry at once when a task is applied eagerly.
        result = notify_application_submitted.apply(args=[application.pk], throw=False)
    assert result.successful() and result.result == 1
    assert len(attempts) == 2
    assert len(mail.outbox) == 1
    assert notify_application_submitted.autoretry_for == (OSError,)  # SMTP errors are OSErrors
    assert notify_application_submitted.max_retries <= 10
    assert notify_application_submitted.retry_backoff_max <= 3600


# --- withdrawing ----------------------------------------------------------------------------


def _withdraw_url(application) -> str:
    return reverse("accreditation:application_withdraw", args=[application.pk])


@pytest.mark.parametrize("submitted", [False, True])
def test_the_lead_withdraws_with_a_reason(login, submitted):
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    if submitted:
        complete(application, lead)
        submit(application)
    client = login(lead)
    page = client.get(_withdraw_url(application))
    assert page.status_code == 200
    assert b"This cannot be undone." in page.content
    assert Application.objects.get(pk=application.pk).status != ApplicationStatus.WITHDRAWN

    refused = client.post(_withdraw_url(application), {"reason": "  "})
    assert b"Say why the application is being withdrawn." in refused.content
    assert Application.objects.get(pk=application.pk).status != ApplicationStatus.WITHDRAWN

    done = client.post(_withdraw_url(application), {"reason": "The programme is closing."})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    event = application.events.filter(kind=ApplicationEvent.Kind.STATUS).last()
    assert event.to_status == ApplicationStatus.WITHDRAWN
    assert event.reason == "The programme is closing."
    assert event.actor == lead

    again = client.post(_withdraw_url(application), {"reason": "Twice"}, follow=True)
    assert b"has already been withdrawn" in again.content
    assert application.events.filter(kind=ApplicationEvent.Kind.STATUS).count() == (
        2 if submitted else 1
    )


# --- history and lists ----------------------------------------------------------------------


def test_the_history_shows_every_event_readably(login):
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    complete(application, lead)
    signatory = signatory_of(application)
    submit(application, signatory)
    services.application_withdraw(application=application, user=lead, reason="Funding ended.")
    page = login(lead).get(reverse("accreditation:application_history", args=[application.pk]))
    content = page.content.decode()
    assert "Application started" in content
    assert (
        "Draft → Waiting for screening" in content
        and "Waiting for screening → Withdrawn" in content
    )
    assert "Reason: Funding ended." in content
    assert escape(signatory.full_name) in content and escape(lead.full_name) in content
    assert content.index("Waiting for screening → Withdrawn") < content.index("Application started")


def test_a_long_history_comes_in_pages_newest_first(login):
    application = started_application(criteria_per_theme=1)
    lead = application.started_by
    response = responses_of(application)[0]
    for number in range(1, 61):
        event_record(
            application=application,
            kind=ApplicationEvent.Kind.EVIDENCE_UPLOADED,
            actor=lead,
            criterion=response.criterion,
            detail=f"file-{number:02}.pdf",
        )
    url = reverse("accreditation:application_history", args=[application.pk])
    first = login(lead).get(url).content.decode()
    assert "file-60.pdf" in first and "file-11.pdf" in first and "file-10.pdf" not in first
    assert "Page 1 of 2" in first and "Application started" not in first
    second = login(lead).get(url, {"page": 2}).content.decode()
    assert "file-10.pdf" in second and "Application started" in second
    assert "file-11.pdf" not in second


def test_the_list_shows_applications_newest_first_with_progress(login):
    lead = _lead()
    older = started_application(lead=lead, criteria_per_theme=1)
    newer = started_application(lead=lead, version=older.version)
    answer(responses_of(newer)[0], lead)
    page = login(lead).get(reverse("accreditation:application_list"))
    content = page.content.decode()
    assert content.index(newer.reference) < content.index(older.reference)
    assert "1 of 4" in content
    assert "Start an application" in content


def test_the_answered_count_in_sql_matches_the_rule():
    version = version_allowing_na("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", criteria_per_theme=2)
    lead = _lead()
    application = started_application(version=version, lead=lead)
    rows = responses_of(application)
    Response.objects.filter(pk=rows[0].pk).update(rating="met", narrative="Text")
    Response.objects.filter(pk=rows[1].pk).update(rating="met", narrative="   ")
    Response.objects.filter(pk=rows[2].pk).update(rating="", narrative="Text")
    Response.objects.filter(pk=rows[3].pk).update(rating="na", na_justification="Why")
    Response.objects.filter(pk=rows[4].pk).update(rating="na", na_justification=" \n")
    Response.objects.filter(pk=rows[5].pk).update(rating="na", narrative="Text")
    listed = application_list_for_user(lead).get(pk=application.pk)
    assert (listed.answered_criteria, listed.total_criteria) == (2, 8)
    assert application_workspace(application).answered == 2


def test_administrators_filter_the_list_by_status(login, administrator):
    draft = started_application(criteria_per_theme=1)
    submitted = complete(started_application(version=draft.version))
    submit(submitted)
    client = login(administrator)
    everything = client.get(reverse("accreditation:application_list")).content.decode()
    assert draft.reference in everything and submitted.reference in everything
    assert draft.programme.organisation.name in everything
    only = client.get(reverse("accreditation:application_list"), {"status": "submitted"})
    assert submitted.reference.encode() in only.content
    assert draft.reference.encode() not in only.content
    assert b"Start an application" not in only.content


def test_home_pages_show_applications(login, administrator):
    application = started_application(criteria_per_theme=1)
    lead_home = login(application.started_by).get(reverse("home")).content.decode()
    assert application.reference in lead_home
    assert "Start an application" in lead_home
    contributor = member(application, MembershipRole.CONTRIBUTOR)
    contributor_home = login(contributor).get(reverse("home")).content.decode()
    assert application.reference in contributor_home
    assert reverse("accreditation:application_start") not in contributor_home
    admin_home = login(administrator).get(reverse("home")).content.decode()
    assert "0 waiting for screening; 0 needing assessors; 1 in draft" in admin_home
    assert reverse("accreditation:application_list") in admin_home
