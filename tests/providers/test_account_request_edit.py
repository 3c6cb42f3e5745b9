"""Administrators correct a waiting request's details before approving it; each change is kept."""

import pytest
from django.core import mail
from django.urls import reverse

from providers import services
from providers.models import AccountRequestEdit, Organisation
from qismet_portal.exceptions import DomainError
from tests.factories import OrganisationFactory

from .factories import AccountRequestFactory

pytestmark = pytest.mark.django_db


def _details(account_request, **changes) -> dict:
    fields = [
        "organisation_name",
        "address",
        "postcode",
        "region",
        "charity_number",
        "company_number",
        "nhs_ods_code",
        "contact_name",
        "contact_job_title",
        "contact_email",
        "contact_phone",
        "programmes_description",
    ]
    return {**{name: getattr(account_request, name) for name in fields}, **changes}


@pytest.fixture
def waiting():
    return AccountRequestFactory(
        organisation_name="Harbur Diabetes Edukation",
        contact_name="Hari Harbour",
        contact_email="hari.personal@example.com",
        region="south_west",
    )


def _edit_url(account_request) -> str:
    return reverse("providers:account_request_edit", kwargs={"pk": account_request.pk})


def _detail_url(account_request) -> str:
    return reverse("providers:account_request_detail", kwargs={"pk": account_request.pk})


def test_the_detail_page_links_to_the_correction_form(login, administrator, waiting):
    page = login(administrator).get(_detail_url(waiting)).content.decode()
    assert f'href="{_edit_url(waiting)}">Correct the details</a>' in page


def test_the_form_shows_the_request_as_it_is(login, administrator, waiting):
    response = login(administrator).get(_edit_url(waiting))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="h2">Correct the request\'s details</h1>' in html
    assert 'value="Harbur Diabetes Edukation"' in html
    assert 'value="hari.personal@example.com"' in html
    assert "Contact&#x27;s email address" in html
    assert "Your email address" not in html  # worded for staff, not the requester


def test_administrator_corrects_details_and_the_change_is_recorded(login, administrator, waiting):
    client = login(administrator)
    response = client.post(
        _edit_url(waiting),
        _details(
            waiting,
            organisation_name="Harbour Diabetes Education",
            contact_email="Hari@Harbour.example.org",
            region="london",
        ),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _detail_url(waiting)
    assert b"The request&#x27;s details have been corrected." in response.content
    waiting.refresh_from_db()
    assert waiting.organisation_name == "Harbour Diabetes Education"
    assert waiting.contact_email == "hari@harbour.example.org"
    assert waiting.region == "london"
    assert waiting.status == "pending"
    edit = AccountRequestEdit.objects.get()
    assert edit.account_request == waiting
    assert edit.changed_by == administrator
    assert edit.changes == {
        "organisation_name": ["Harbur Diabetes Edukation", "Harbour Diabetes Education"],
        "region": ["south_west", "london"],
        "contact_email": ["hari.personal@example.com", "hari@harbour.example.org"],
    }
    # the record is shown on the request, in words
    html = response.content.decode()
    assert "Corrections by QISMET" in html
    assert "by Ada Administrator" in html
    assert (
        "Organisation name: changed from “Harbur Diabetes Edukation” to "
        "“Harbour Diabetes Education”" in html
    )
    assert "Region: changed from “South West” to “London”" in html


def test_saving_without_a_change_records_nothing(login, administrator, waiting):
    response = login(administrator).post(_edit_url(waiting), _details(waiting), follow=True)
    assert b"Nothing was changed." in response.content
    assert not AccountRequestEdit.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"contact_email": "not-an-email"}, "contact_email", "correct format, like name@"),
        ({"organisation_name": ""}, "organisation_name", "Enter the organisation"),
        ({"region": "atlantis"}, "region", "from the options shown"),
    ],
)
def test_invalid_corrections_are_explained_and_nothing_changes(
    login, administrator, waiting, changes, field, message
):
    response = login(administrator).post(_edit_url(waiting), _details(waiting, **changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    waiting.refresh_from_db()
    assert waiting.organisation_name == "Harbur Diabetes Edukation"
    assert not AccountRequestEdit.objects.exists()


def test_the_service_validates_whatever_the_caller(administrator, waiting):
    with pytest.raises(DomainError, match="Organisation name: This field cannot be blank"):
        services.account_request_update(
            account_request=waiting, changed_by=administrator, organisation_name="  "
        )
    with pytest.raises(DomainError, match="Region: Value 'atlantis' is not a valid choice"):
        services.account_request_update(
            account_request=waiting, changed_by=administrator, region="atlantis"
        )
    with pytest.raises(DomainError, match="Unexpected details: status"):
        services.account_request_update(
            account_request=waiting, changed_by=administrator, status="approved"
        )
    waiting.refresh_from_db()
    assert waiting.organisation_name == "Harbur Diabetes Edukation"
    assert waiting.region == "south_west"
    assert not AccountRequestEdit.objects.exists()


def test_a_correction_may_not_clash_with_another_organisation_or_request(
    login, administrator, waiting
):
    OrganisationFactory(name="Registered Already")
    AccountRequestFactory(contact_email="taken@example.org")
    client = login(administrator)
    response = client.post(
        _edit_url(waiting), _details(waiting, organisation_name="registered already")
    )
    assert "already registered" in response.context["form"].errors["organisation_name"][0]
    response = client.post(_edit_url(waiting), _details(waiting, contact_email="TAKEN@example.org"))
    assert "Another request from that email" in response.context["form"].errors["contact_email"][0]
    assert not AccountRequestEdit.objects.exists()
    # the service refuses too, whatever the caller
    with pytest.raises(DomainError, match="already registered"):
        services.account_request_update(
            account_request=waiting,
            changed_by=administrator,
            organisation_name="Registered already",
        )
    # keeping its own name and address is no clash
    response = client.post(_edit_url(waiting), _details(waiting, contact_phone="0117 000 0000"))
    assert response.status_code == 302
    assert AccountRequestEdit.objects.get().changes == {
        "contact_phone": [waiting.contact_phone, "0117 000 0000"]
    }


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decided_request_cannot_be_corrected(login, administrator, waiting, decision):
    if decision == "approve":
        services.account_request_approve(account_request=waiting, decided_by=administrator)
    else:
        services.account_request_reject(
            account_request=waiting, decided_by=administrator, reason="Outside the UK."
        )
    client = login(administrator)
    assert f'href="{_edit_url(waiting)}"' not in client.get(_detail_url(waiting)).content.decode()
    for response in (
        client.get(_edit_url(waiting), follow=True),
        client.post(_edit_url(waiting), _details(waiting, organisation_name="New"), follow=True),
    ):
        assert response.redirect_chain[-1][0] == _detail_url(waiting)
        assert b"so its details can no longer be changed" in response.content
    waiting.refresh_from_db()
    assert waiting.organisation_name == "Harbur Diabetes Edukation"
    with pytest.raises(DomainError, match="already been"):
        services.account_request_update(
            account_request=waiting, changed_by=administrator, organisation_name="New"
        )
    assert not AccountRequestEdit.objects.exists()


@pytest.mark.parametrize("role", ["provider_user", "assessor"])
def test_only_administrators_may_correct_a_request(login, user_of_role, role, waiting):
    client = login(user_of_role(role))
    assert client.get(_edit_url(waiting)).status_code == 403
    response = client.post(_edit_url(waiting), _details(waiting, organisation_name="Mine now"))
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.organisation_name == "Harbur Diabetes Edukation"


def test_anonymous_visitors_are_sent_to_sign_in(client, waiting):
    response = client.post(_edit_url(waiting), _details(waiting, organisation_name="Mine now"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    waiting.refresh_from_db()
    assert waiting.organisation_name == "Harbur Diabetes Edukation"


def test_an_unknown_request_is_not_found(login, administrator):
    assert (
        login(administrator).get(reverse("providers:account_request_edit", args=[9999])).status_code
        == 404
    )


def test_approval_uses_the_corrected_details(
    login, administrator, waiting, django_capture_on_commit_callbacks
):
    services.account_request_update(
        account_request=waiting,
        changed_by=administrator,
        organisation_name="Harbour Diabetes Education",
        contact_email="hari@harbour.example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(administrator).post(
            reverse("providers:account_request_approve", kwargs={"pk": waiting.pk}), follow=True
        )
    organisation = Organisation.objects.get()
    assert organisation.name == "Harbour Diabetes Education"
    assert organisation.contact_email == "hari@harbour.example.org"
    assert organisation.memberships.get().user.email == "hari@harbour.example.org"
    assert [message.to for message in mail.outbox] == [["hari@harbour.example.org"]]
    assert b"Harbour Diabetes Education has been registered" in response.content
    # the corrections stay on the decided request
    page = login(administrator).get(_detail_url(waiting)).content.decode()
    assert "Corrections by QISMET" in page


@pytest.mark.parametrize("edits", [1, 15])
def test_the_detail_page_query_count_does_not_grow_with_corrections(
    login, administrator, waiting, edits, django_assert_max_num_queries
):
    for n in range(edits):
        services.account_request_update(
            account_request=waiting, changed_by=administrator, contact_phone=f"0100 {n:06d}"
        )
    client = login(administrator)
    with django_assert_max_num_queries(5):
        response = client.get(_detail_url(waiting))
    assert response.content.decode().count("Contact&#x27;s phone number: changed") == edits
    with django_assert_max_num_queries(4):
        assert client.get(_edit_url(waiting)).status_code == 200
