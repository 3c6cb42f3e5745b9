"""A new organisation asks for an account in public; an administrator approves or rejects."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from providers import services
from providers.models import AccountRequest, Membership, MembershipRole, Organisation
from qismet_portal.exceptions import DomainError
from tests.factories import OrganisationFactory

from .factories import AccountRequestFactory

pytestmark = pytest.mark.django_db

FORM = {
    "organisation_name": "Harbour Diabetes Education",
    "address": "3 Quay Street\nPlymouth",
    "postcode": "PL1 2AB",
    "region": "south_west",
    "charity_number": "1100001",
    "company_number": "",
    "nhs_ods_code": "",
    "contact_name": "Hari Harbour",
    "contact_job_title": "Programme manager",
    "contact_email": "Hari@Harbour.example.org",
    "contact_phone": "01752 000000",
    "programmes_description": "Structured education for adults with type 2 diabetes.",
}


def _send(client, **changes):
    return client.post(reverse("providers:account_request"), {**FORM, **changes})


# the public form ---------------------------------------------------------------------------


def test_anyone_can_ask_for_an_account_without_signing_in(client):
    page = client.get(reverse("providers:account_request"))
    assert page.status_code == 200
    assert b"Ask for an account for your organisation" in page.content
    response = _send(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:account_request_sent")
    request = AccountRequest.objects.get()
    assert request.organisation_name == "Harbour Diabetes Education"
    assert request.contact_email == "hari@harbour.example.org"
    assert request.status == "pending"
    assert not User.objects.filter(email__iexact=FORM["contact_email"]).exists()
    assert not Organisation.objects.filter(name=FORM["organisation_name"]).exists()
    assert b"we have your request" in client.get(response["Location"]).content


def test_form_errors_keep_what_was_typed(client):
    response = _send(client, contact_email="not-an-email", programmes_description="")
    assert response.status_code == 200
    assert b"in the correct format, like name@example.com" in response.content
    assert b'value="Harbour Diabetes Education"' in response.content
    assert b'value="Hari Harbour"' in response.content
    assert not AccountRequest.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"contact_email": "other@example.org"},
            b"We already have a request for HARBOUR DIABETES EDUCATION",
        ),
        ({"organisation_name": "Another Name"}, b"We already have a request from this email"),
    ],
)
def test_duplicate_pending_requests_are_refused(client, changes, message):
    _send(client)
    response = _send(
        client,
        **{
            **changes,
            "organisation_name": changes.get(
                "organisation_name", FORM["organisation_name"].upper()
            ),
        },
    )
    assert response.status_code == 200
    assert message in response.content
    assert AccountRequest.objects.count() == 1


def test_an_already_registered_organisation_is_told_to_ask_its_lead(client):
    OrganisationFactory(name="Harbour Diabetes Education")
    response = _send(client)
    assert b"already has an account on the portal" in response.content
    assert not AccountRequest.objects.exists()


def test_a_rejected_request_does_not_block_a_new_one(client, administrator):
    first = AccountRequestFactory(
        organisation_name=FORM["organisation_name"], contact_email="hari@harbour.example.org"
    )
    services.account_request_reject(
        account_request=first, decided_by=administrator, reason="Not a provider yet."
    )
    assert _send(client).status_code == 302
    assert AccountRequest.objects.count() == 2


def test_service_refuses_duplicates_whatever_the_caller():
    AccountRequestFactory(organisation_name="Dupe Org")
    with pytest.raises(DomainError, match="already have a request"):
        services.account_request_submit(
            **{**FORM, "organisation_name": "dupe org", "contact_email": "x@example.org"}
        )


def test_the_form_is_throttled_per_client_address(client, settings):
    settings.PROVIDER_ACCOUNT_REQUESTS_PER_HOUR = 3
    for n in range(3):
        response = _send(client, organisation_name=f"Org {n}", contact_email=f"p{n}@example.org")
        assert response.status_code == 302
    response = _send(client, organisation_name="Org 4", contact_email="p4@example.org")
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert AccountRequest.objects.count() == 3
    # another address is not affected
    other = client.post(
        reverse("providers:account_request"),
        {**FORM, "organisation_name": "Org 5", "contact_email": "p5@example.org"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 302


def test_invalid_attempts_count_towards_the_limit(client, settings):
    settings.PROVIDER_ACCOUNT_REQUESTS_PER_HOUR = 2
    _send(client, contact_email="bad")
    _send(client, contact_email="bad")
    assert _send(client).status_code == 429
    assert not AccountRequest.objects.exists()


def test_signed_in_people_are_not_shown_the_form(login, assessor):
    response = login(assessor).get(reverse("providers:account_request"))
    assert b"You already have an account" in response.content
    assert b"Send request" not in response.content


# administrators decide ---------------------------------------------------------------------


def test_administrator_approves_a_request(login, administrator, django_capture_on_commit_callbacks):
    account_request = AccountRequestFactory(
        organisation_name="Harbour Diabetes Education",
        contact_name="Hari Harbour",
        contact_email="hari@harbour.example.org",
        charity_number="1100001",
    )
    client = login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers:account_request_approve", kwargs={"pk": account_request.pk}),
            follow=True,
        )
    organisation = Organisation.objects.get(name="Harbour Diabetes Education")
    assert response.redirect_chain[-1][0] == reverse(
        "providers:organisation_detail", kwargs={"pk": organisation.pk}
    )
    assert b"has been registered" in response.content
    assert organisation.charity_number == "1100001"
    assert organisation.created_by == administrator
    lead = Membership.objects.get(organisation=organisation)
    assert lead.role == MembershipRole.LEAD
    assert lead.user.email == "hari@harbour.example.org"
    assert lead.user.role == Role.PROVIDER
    assert not lead.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hari@harbour.example.org"]
    assert "for Harbour Diabetes Education" in mail.outbox[0].body
    account_request.refresh_from_db()
    assert account_request.status == "approved"
    assert account_request.decided_by == administrator
    assert account_request.organisation == organisation


def test_approval_refused_when_the_email_now_has_an_account(login, administrator, assessor):
    account_request = AccountRequestFactory(contact_email=assessor.email)
    response = login(administrator).post(
        reverse("providers:account_request_approve", kwargs={"pk": account_request.pk}),
        follow=True,
    )
    assert b"There is already an account for" in response.content
    account_request.refresh_from_db()
    assert account_request.status == "pending"
    assert not Organisation.objects.filter(name=account_request.organisation_name).exists()


def test_approval_refused_when_the_name_was_registered_meanwhile(administrator):
    account_request = AccountRequestFactory(organisation_name="Meanwhile Ltd")
    OrganisationFactory(name="MEANWHILE LTD")
    with pytest.raises(DomainError, match="already registered"):
        services.account_request_approve(account_request=account_request, decided_by=administrator)


def test_a_request_is_decided_once(administrator):
    account_request = AccountRequestFactory()
    services.account_request_approve(account_request=account_request, decided_by=administrator)
    with pytest.raises(DomainError, match="already been approved"):
        services.account_request_reject(
            account_request=account_request, decided_by=administrator, reason="Oops"
        )
    with pytest.raises(DomainError, match="already been approved"):
        services.account_request_approve(account_request=account_request, decided_by=administrator)


def test_administrator_rejects_with_a_reason_that_is_emailed(
    login, administrator, django_capture_on_commit_callbacks
):
    account_request = AccountRequestFactory(contact_email="ask@example.org", contact_name="Asa")
    client = login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers:account_request_reject", kwargs={"pk": account_request.pk}),
            {"reason": "We accredit self-management education only, not clinical services."},
            follow=True,
        )
    assert b"has been rejected" in response.content
    account_request.refresh_from_db()
    assert account_request.status == "rejected"
    assert account_request.decided_by == administrator
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ask@example.org"]
    assert "Dear Asa" in mail.outbox[0].body
    assert "We accredit self-management education only" in mail.outbox[0].body
    assert not Organisation.objects.filter(name=account_request.organisation_name).exists()


def test_rejection_needs_a_reason(login, administrator):
    account_request = AccountRequestFactory()
    response = login(administrator).post(
        reverse("providers:account_request_reject", kwargs={"pk": account_request.pk}),
        {"reason": "   "},
    )
    assert response.status_code == 200
    assert b"Enter the reason the request is turned down" in response.content
    account_request.refresh_from_db()
    assert account_request.status == "pending"
    assert mail.outbox == []
    with pytest.raises(DomainError, match="Give a reason"):
        services.account_request_reject(
            account_request=account_request, decided_by=administrator, reason=""
        )


def test_administrators_see_pending_requests_and_a_count_on_their_home(login, administrator):
    AccountRequestFactory(organisation_name="Waiting One")
    AccountRequestFactory(organisation_name="Waiting Two")
    decided = AccountRequestFactory(organisation_name="Turned Away")
    services.account_request_reject(
        account_request=decided, decided_by=administrator, reason="Outside the UK."
    )
    client = login(administrator)
    listing = client.get(reverse("providers:account_request_list"))
    assert b"Waiting One" in listing.content
    assert b"Waiting Two" in listing.content
    assert b"Turned Away" in listing.content
    home = client.get(reverse("home"))
    assert reverse("providers:account_request_list").encode() in home.content
    assert b"2 waiting" in home.content


def test_request_detail_shows_everything_the_administrator_needs(login, administrator):
    account_request = AccountRequestFactory(
        programmes_description="Peer-led chronic pain course.", contact_job_title="Director"
    )
    page = login(administrator).get(
        reverse("providers:account_request_detail", kwargs={"pk": account_request.pk})
    )
    assert b"Peer-led chronic pain course." in page.content
    assert b"Director" in page.content
    assert b"Approve and invite" in page.content
    assert b"Reject and email the reason" in page.content


def test_decisions_need_post(login, administrator):
    account_request = AccountRequestFactory()
    client = login(administrator)
    for name in ("providers:account_request_approve", "providers:account_request_reject"):
        assert client.get(reverse(name, kwargs={"pk": account_request.pk})).status_code == 405
    account_request.refresh_from_db()
    assert account_request.status == "pending"


def test_rejection_email_task_sends_only_for_rejected_requests(administrator):
    from providers.tasks import send_account_request_rejection

    pending = AccountRequestFactory()
    assert send_account_request_rejection(pending.pk) is False
    assert send_account_request_rejection(987654) is False
    services.account_request_approve(account_request=pending, decided_by=administrator)
    mail.outbox.clear()
    assert send_account_request_rejection(pending.pk) is False
    assert mail.outbox == []
