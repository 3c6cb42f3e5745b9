"""Renewal: a new application against the current version, started from the last accreditation's
submission; answers followed by key, files copied, ratings reset, each answer checked before
submission; the last cycle's record untouched."""

import pytest

from accreditation.models import (
    ApplicationEvent,
    EvidenceLink,
    Response,
    SubmittedEvidence,
)
from accreditation.selectors.applications import application_workspace
from accreditation.services.applications import response_save
from accreditation.services.renewals import renewal_start
from qismet_portal.exceptions import DomainError
from standards.models import Criterion
from standards.services import (
    criteria_merge,
    criterion_create,
    criterion_update,
    version_copy_as_draft,
    version_publish,
)

from .journey import decided, submitted_application

pytestmark = pytest.mark.django_db


def _revised(version):
    """The next version: 1.1 reworded, 2.1 and 2.2 merged (2.1 kept), a new 4.3."""
    draft = version_copy_as_draft(version=version, number="2027.1", user=None)
    criteria = {c.code: c for c in Criterion.objects.filter(theme__version=draft)}
    first = criteria["1.1"]
    criterion_update(
        criterion=first,
        code=first.code,
        title=first.title,
        requirement=first.requirement + " It is reviewed every year.",
        guidance=first.guidance,
    )
    criteria_merge(criterion=criteria["2.1"], merged=[criteria["2.2"]], reason="Overlap.")
    criterion_create(
        theme=criteria["4.1"].theme, code="4.3", title="Informed consent", requirement="Ask."
    )
    return version_publish(version=draft, user=None)


@pytest.fixture
def accredited(private_storage):
    return decided(outcome="accredited")


def test_a_renewal_carries_answers_and_files_over(accredited):
    old = accredited.application
    record = accredited.record
    version = _revised(old.version)
    lead = old.started_by
    renewal = renewal_start(application=old, version=version, user=lead)
    assert renewal.pk != old.pk and renewal.renewal_of == old
    assert renewal.version == version and renewal.status == "draft"
    responses = {r.criterion.code: r for r in renewal.responses.select_related("criterion")}
    submitted = {a.criterion.code: a for a in record.answers.select_related("criterion")}
    # Same key, reworded: the answer follows.
    assert responses["1.1"].narrative == submitted["1.1"].narrative
    assert responses["1.1"].carried_over and responses["1.1"].rating == ""
    # Merged: both old answers, each under its old code.
    merged = responses["2.1"].narrative
    assert "[From criterion 2.1 of the last accreditation]" in merged
    assert "[From criterion 2.2 of the last accreditation]" in merged
    assert submitted["2.2"].narrative in merged
    # New: nothing to carry.
    assert responses["4.3"].narrative == "" and not responses["4.3"].carried_over
    assert all(not r.rating for r in responses.values())


def test_files_are_copied_not_shared(accredited):
    old = accredited.application
    version = _revised(old.version)
    renewal = renewal_start(application=old, version=version, user=old.started_by)
    old_items = SubmittedEvidence.objects.filter(answer__record=accredited.record).select_related(
        "revision"
    )
    copies = {
        link.document.current.sha256: link.document.current
        for link in EvidenceLink.objects.filter(response__application=renewal).select_related(
            "document__current"
        )
    }
    assert len(copies) == old_items.count() > 0
    for item in old_items:
        copy = copies[item.sha256]
        assert copy.original_name == item.original_name and copy.size == item.size
        assert copy.file.name != item.revision.file.name
        with copy.file.open("rb") as a, item.revision.file.open("rb") as b:
            assert a.read() == b.read()
    assert all(d.application_id == renewal.pk for d in (c.document for c in copies.values()))
    event = ApplicationEvent.objects.get(application=renewal, kind="renewal_started")
    assert old.reference in event.detail and f"{len(copies)} file(s)" in event.detail


def test_each_carried_answer_is_checked_before_submission(accredited):
    old = accredited.application
    renewal = renewal_start(application=old, version=_revised(old.version), user=old.started_by)
    workspace = application_workspace(renewal)
    carried = [g for g in workspace.gaps if "Carried over" in " ".join(g.problems)]
    assert carried, workspace.gaps
    response = Response.objects.get(application=renewal, criterion__code="1.1")
    # Autosaving the narrative alone does not count as checking it.
    from accreditation.services.applications import response_save_narrative

    response_save_narrative(
        response=response, user=old.started_by, narrative=response.narrative + " More."
    )
    response.refresh_from_db()
    assert response.carried_over
    response_save(
        response=response,
        user=old.started_by,
        narrative=response.narrative,
        rating="met",
        na_justification="",
    )
    response.refresh_from_db()
    assert not response.carried_over
    still = [
        g for g in application_workspace(renewal).gaps if "Carried over" in " ".join(g.problems)
    ]
    assert len(still) == len(carried) - 1


def test_renewal_refusals(private_storage):
    not_yet = submitted_application()
    with pytest.raises(DomainError, match="Only an accredited programme can be renewed"):
        renewal_start(
            application=not_yet.application,
            version=not_yet.application.version,
            user=not_yet.application.started_by,
        )
    stage = decided(outcome="accredited")
    version = _revised(stage.application.version)
    renewal_start(application=stage.application, version=version, user=stage.application.started_by)
    with pytest.raises(DomainError, match="already been started"):
        renewal_start(
            application=stage.application, version=version, user=stage.application.started_by
        )


def test_the_last_cycle_is_left_as_it_was(accredited):
    old = accredited.application
    before = list(
        SubmittedEvidence.objects.filter(answer__record=accredited.record).values_list(
            "revision__file", "sha256"
        )
    )
    renewal = renewal_start(application=old, version=_revised(old.version), user=old.started_by)
    Response.objects.filter(application=renewal).update(narrative="Rewritten for the renewal.")
    after = list(
        SubmittedEvidence.objects.filter(answer__record=accredited.record).values_list(
            "revision__file", "sha256"
        )
    )
    assert before == after
    assert "Rewritten" not in " ".join(
        accredited.record.answers.values_list("narrative", flat=True)
    )


def test_the_pages_say_what_changed_and_what_to_check(client, accredited):
    from django.urls import reverse

    from tests.factories import sign_in

    old = accredited.application
    renewal = renewal_start(application=old, version=_revised(old.version), user=old.started_by)
    sign_in(client, old.started_by)
    page = client.get(reverse("accreditation:application_detail", args=[renewal.pk])).content
    text = page.decode()
    assert f"A renewal of {old.reference}" in text
    assert "1 criterion is new and" in text
    criterion = {c.code: c for c in Criterion.objects.filter(theme__version=renewal.version)}
    changed = client.get(
        reverse("accreditation:response_edit", args=[renewal.pk, criterion["1.1"].pk])
    ).content.decode()
    assert "Changed since version" in changed and "It is reviewed every year." in changed
    assert "Carried over from your last accreditation" in changed
    new = client.get(
        reverse("accreditation:response_edit", args=[renewal.pk, criterion["4.3"].pk])
    ).content.decode()
    assert "New in version 2027.1" in new and "Carried over" not in new
    merged = client.get(
        reverse("accreditation:response_edit", args=[renewal.pk, criterion["2.1"].pk])
    ).content.decode()
    assert "also covers what criterion 2.2 asked" in merged


# --- starting a renewal from a certificate nearing expiry ---------------------------------------


def _certificate_expiring_in(days: int):
    import datetime

    from django.utils import timezone

    from accreditation.models import Certificate

    from .certified import issued

    certificate = issued()
    Certificate.objects.filter(pk=certificate.pk).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=days)
    )
    certificate.refresh_from_db()
    return certificate


def test_the_lead_starts_a_renewal_from_a_certificate_nearing_expiry(client, private_storage):
    from django.urls import reverse

    from tests.factories import sign_in

    certificate = _certificate_expiring_in(60)
    application = certificate.application
    newer = _revised(application.version)
    sign_in(client, application.started_by)
    page = client.get(reverse("accreditation:application_detail", args=[application.pk]))
    text = page.content.decode()
    assert "Start the renewal" in text and "version 2027.1" in text
    response = client.post(reverse("accreditation:renewal_start", args=[application.pk]))
    renewal = application.renewals.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accreditation:application_detail", args=[renewal.pk])
    assert renewal.version == newer and renewal.programme == application.programme
    # Once started, the certificate's page links to it instead of offering a second one.
    text = client.get(
        reverse("accreditation:application_detail", args=[application.pk])
    ).content.decode()
    assert renewal.reference in text and "Start the renewal" not in text
    again = client.post(reverse("accreditation:renewal_start", args=[application.pk]), follow=True)
    assert "already been started" in again.content.decode()
    assert application.renewals.count() == 1


def test_a_renewal_waits_for_the_window_and_an_active_certificate(
    client, private_storage, settings
):
    from django.urls import reverse

    from accreditation.services.renewals import renewal_start_from_certificate
    from tests.factories import sign_in

    certificate = _certificate_expiring_in(settings.RENEWAL_OPENS_DAYS_BEFORE_EXPIRY + 30)
    lead = certificate.application.started_by
    with pytest.raises(DomainError, match="can be started from"):
        renewal_start_from_certificate(certificate=certificate, user=lead)
    sign_in(client, lead)
    text = client.get(
        reverse("accreditation:application_detail", args=[certificate.application.pk])
    ).content.decode()
    assert "You can start the renewal from" in text and "Start the renewal</button>" not in text
    from .certified import with_status

    suspended = with_status(_certificate_expiring_in(10), "suspended")
    with pytest.raises(DomainError, match="only an active certificate can be renewed"):
        renewal_start_from_certificate(certificate=suspended, user=suspended.application.started_by)


def test_only_the_lead_may_start_a_renewal(client, private_storage, other_provider_user):
    from django.urls import reverse

    from tests.factories import AssessorFactory, MembershipFactory, sign_in

    certificate = _certificate_expiring_in(30)
    application = certificate.application
    url = reverse("accreditation:renewal_start", args=[application.pk])
    assert client.post(url).status_code == 302 and "login" in client.post(url)["Location"]
    contributor = MembershipFactory(
        organisation=application.programme.organisation, role="contributor"
    ).user
    for user, status in (
        (contributor, 403),
        (other_provider_user, 404),
        (AssessorFactory(), 404),
    ):
        sign_in(client, user)
        assert client.post(url).status_code == status, user
    assert client.get(url).status_code == 405
    assert not application.renewals.exists()
