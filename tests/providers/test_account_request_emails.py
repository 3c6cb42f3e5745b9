"""A request for an account is acknowledged to the requester and announced to administrators."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from providers import services
from providers.models import AccountRequest
from providers.tasks import (
    notify_administrators_of_account_request,
    send_account_request_acknowledgement,
)
from tests.factories import AdministratorFactory

from .factories import AccountRequestFactory
from .test_account_requests import FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrators(administrator):
    second = AdministratorFactory(full_name="Bea Backup", email="bea@qismet.example.org")
    AdministratorFactory(full_name="Gone Away", email="gone@qismet.example.org", is_active=False)
    return [administrator, second]


def test_a_request_queues_an_acknowledgement_and_a_notice_to_each_active_administrator(
    client, administrators, assessor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("providers:account_request"), FORM)
    assert response.status_code == 302
    assert mail.outbox == []  # nothing is sent until the request is committed
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    account_request = AccountRequest.objects.get()

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {
        ("hari@harbour.example.org",),
        *((admin.email,) for admin in administrators),
    }
    assert len(mail.outbox) == 3  # one each: no administrator sees another's address

    acknowledgement = by_recipient[("hari@harbour.example.org",)]
    assert acknowledgement.subject == "[QISMET] We have your request for an account"
    # nothing typed into the public form is echoed to the address it names
    assert "Harbour" not in acknowledgement.body
    assert "You do not have an account yet" in acknowledgement.body
    assert "If we approve the request, we will email you a link to set a password" in (
        acknowledgement.body
    )
    assert settings.PORTAL_BASE_URL.rstrip("/") + reverse("standards:about") in (
        acknowledgement.body
    )

    for admin in administrators:
        notice = by_recipient[(admin.email,)]
        assert notice.subject == "[QISMET] New request for an account: Harbour Diabetes Education"
        assert '\n    "Harbour Diabetes Education"\n' in notice.body
        assert '\n    "Hari Harbour"\n    hari@harbour.example.org\n' in notice.body
        assert "Region: South West" in notice.body
        detail = reverse("providers:account_request_detail", kwargs={"pk": account_request.pk})
        assert settings.PORTAL_BASE_URL.rstrip("/") + detail in notice.body
    assert not any("gone@qismet.example.org" in message.to for message in mail.outbox)
    assert not any(assessor.email in message.to for message in mail.outbox)


def test_a_refused_request_sends_nothing(
    client, administrators, django_capture_on_commit_callbacks
):
    AccountRequestFactory(organisation_name=FORM["organisation_name"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("providers:account_request"), FORM)
    assert response.status_code == 200
    assert mail.outbox == []


def test_subjects_stay_on_one_line_and_names_stay_data(administrators):
    account_request = AccountRequestFactory(
        organisation_name="Evil Org\nBcc: everyone@example.org",
        contact_name="Mallory <b>",
    )
    assert notify_administrators_of_account_request(account_request.pk) == 2
    assert send_account_request_acknowledgement(account_request.pk) is True
    notice = mail.outbox[0]
    assert notice.subject == (
        "[QISMET] New request for an account: Evil Org Bcc: everyone@example.org"
    )
    assert "\n" not in notice.subject
    # plain text: quoted as typed, not escaped into HTML entities
    assert '"Mallory <b>"' in notice.body
    assert notice.recipients() == [administrators[0].email]


def test_the_emails_are_sent_only_while_the_request_waits(administrators):
    account_request = AccountRequestFactory()
    services.account_request_reject(
        account_request=account_request, decided_by=administrators[0], reason="Not in the UK."
    )
    mail.outbox.clear()
    assert send_account_request_acknowledgement(account_request.pk) is False
    assert notify_administrators_of_account_request(account_request.pk) == 0
    assert send_account_request_acknowledgement(987654) is False
    assert mail.outbox == []


def test_no_active_administrator_means_no_notice(db):
    AdministratorFactory(is_active=False)
    account_request = AccountRequestFactory()
    assert notify_administrators_of_account_request(account_request.pk) == 0
    assert mail.outbox == []
