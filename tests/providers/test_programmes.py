"""The lead adds, edits and deletes programmes; other members read them."""

import pytest
from django.urls import reverse

from accreditation.models import Application
from providers import services
from providers.models import DeliveryMode, Programme
from qismet_portal.exceptions import DomainError
from tests.standards.factories import published_version

from .factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Breathe Easy",
    "conditions": "COPD; asthma",
    "delivery_mode": "blended",
    "description": "Eight sessions, half online.",
}


def _with_application(programme: Programme, user) -> Application:
    return Application.objects.create(
        reference=f"APP-TEST-{programme.pk}",
        programme=programme,
        version=published_version(),
        started_by=user,
    )


# services ----------------------------------------------------------------------------------


def test_create_programme(org_a):
    programme = services.programme_create(organisation=org_a.organisation, **NEW)
    assert programme.organisation == org_a.organisation
    assert programme.delivery_mode == DeliveryMode.BLENDED


def test_programme_names_are_unique_within_an_organisation_only(org_a, org_b):
    with pytest.raises(DomainError, match="already has a programme called"):
        services.programme_create(
            organisation=org_a.organisation, **{**NEW, "name": org_a.programme.name.upper()}
        )
    other = services.programme_create(
        organisation=org_b.organisation, **{**NEW, "name": org_a.programme.name}
    )
    assert other.organisation == org_b.organisation


def test_unknown_delivery_mode_is_refused(org_a):
    with pytest.raises(DomainError, match="delivered"):
        services.programme_create(
            organisation=org_a.organisation, **{**NEW, "delivery_mode": "carrier pigeon"}
        )


def test_update_cannot_move_a_programme_to_another_organisation(org_a, org_b):
    with pytest.raises(DomainError):
        services.programme_update(programme=org_a.programme, organisation=org_b.organisation)
    org_a.programme.refresh_from_db()
    assert org_a.programme.organisation == org_a.organisation


def test_delete_refused_when_the_programme_has_an_application(org_a):
    _with_application(org_a.programme, org_a.lead)
    with pytest.raises(DomainError, match="has an application"):
        services.programme_delete(programme=org_a.programme, deleted_by=org_a.lead)
    assert Programme.objects.filter(pk=org_a.programme.pk).exists()


def test_delete_a_programme_without_applications(org_a):
    services.programme_delete(programme=org_a.programme, deleted_by=org_a.lead)
    assert not Programme.objects.filter(pk=org_a.programme.pk).exists()


# views -------------------------------------------------------------------------------------


def test_lead_adds_a_programme(login, org_a):
    response = login(org_a.lead).post(reverse("providers:programme_create"), NEW, follow=True)
    assert b"Breathe Easy has been added to your programmes." in response.content
    programme = Programme.objects.get(name="Breathe Easy")
    assert programme.organisation == org_a.organisation
    assert b"COPD; asthma" in response.content


def test_programme_form_keeps_what_was_typed(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:programme_create"),
        {**NEW, "name": org_a.programme.name, "delivery_mode": ""},
    )
    assert response.status_code == 200
    assert b"Your organisation already has a programme with this name." in response.content
    assert b'value="COPD; asthma"' in response.content
    assert b"Eight sessions, half online." in response.content
    assert Programme.objects.filter(organisation=org_a.organisation).count() == 1


def test_lead_edits_a_programme(login, org_a):
    url = reverse("providers:programme_edit", kwargs={"pk": org_a.programme.pk})
    client = login(org_a.lead)
    assert b"Alpha Pain Course" in client.get(url).content
    response = client.post(url, {**NEW, "name": "Alpha Pain Course (2026)"}, follow=True)
    assert b"The details of Alpha Pain Course (2026) have been saved." in response.content
    org_a.programme.refresh_from_db()
    assert org_a.programme.conditions == "COPD; asthma"


def test_edit_errors_keep_the_saved_name_in_the_heading(login, org_a):
    ProgrammeFactory(organisation=org_a.organisation, name="Taken")
    response = login(org_a.lead).post(
        reverse("providers:programme_edit", kwargs={"pk": org_a.programme.pk}),
        {**NEW, "name": "Taken"},
    )
    assert b'<h1 class="h2">Edit Alpha Pain Course</h1>' in response.content
    assert b'value="Taken"' in response.content


@pytest.mark.parametrize("who", ["contributor", "signatory"])
def test_other_members_read_programmes_without_actions(login, org_a, who):
    client = login(getattr(org_a, who))
    listing = client.get(reverse("providers:programme_list"))
    assert org_a.programme.name.encode() in listing.content
    assert b"Add a programme" not in listing.content
    detail = client.get(reverse("providers:programme_detail", kwargs={"pk": org_a.programme.pk}))
    assert detail.status_code == 200
    assert b"Edit details" not in detail.content
    assert b"Delete" not in detail.content


def test_delete_offered_only_when_safe(login, org_a):
    client = login(org_a.lead)
    url = reverse("providers:programme_detail", kwargs={"pk": org_a.programme.pk})
    delete_url = reverse("providers:programme_delete", kwargs={"pk": org_a.programme.pk})
    assert delete_url.encode() in client.get(url).content
    _with_application(org_a.programme, org_a.lead)
    page = client.get(url)
    assert delete_url.encode() not in page.content
    assert b"cannot be deleted because it has an application" in page.content
    confirm = client.get(delete_url)
    assert b"This programme cannot be deleted" in confirm.content
    assert b"Delete Alpha Pain Course</button>" not in confirm.content


def test_delete_of_a_programme_with_applications_is_refused_with_a_message(login, org_a):
    _with_application(org_a.programme, org_a.lead)
    response = login(org_a.lead).post(
        reverse("providers:programme_delete", kwargs={"pk": org_a.programme.pk}), follow=True
    )
    assert b"cannot be deleted because it has an application" in response.content
    assert Programme.objects.filter(pk=org_a.programme.pk).exists()


def test_lead_deletes_a_programme_after_confirming(login, org_a):
    client = login(org_a.lead)
    url = reverse("providers:programme_delete", kwargs={"pk": org_a.programme.pk})
    assert b"Delete this programme?" in client.get(url).content
    response = client.post(url, follow=True)
    assert b"Alpha Pain Course has been deleted." in response.content
    assert not Programme.objects.filter(pk=org_a.programme.pk).exists()


def test_a_programme_under_assessment_cannot_be_changed(settings, tmp_path):
    from accreditation.models import ApplicationStatus
    from providers.services.programmes import programme_update
    from qismet_portal.exceptions import DomainError
    from tests.accreditation.factories import started_application
    from tests.accreditation.hostile import use_private_storage
    from tests.accreditation.test_applications import complete, submit

    use_private_storage(settings, tmp_path)
    application = submit(complete(started_application()))
    assert application.status == ApplicationStatus.SUBMITTED
    programme = application.programme
    with pytest.raises(DomainError, match="has an application with QISMET"):
        programme_update(programme=programme, name="A new name after signing")
    programme.refresh_from_db()
    assert programme.name != "A new name after signing"
