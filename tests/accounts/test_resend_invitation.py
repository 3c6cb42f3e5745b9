"""Invitations that nobody has answered: counted apart from working accounts, and sent again with
a fresh link that makes the old one stop working."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from accounts.templatetags.accounts_tags import email_address, email_link
from qismet_portal.exceptions import DomainError
from tests.factories import AssessorFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def invited(administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create_and_invite(
            email="nia@example.org",
            full_name="Nia Newcomer",
            role=Role.ASSESSOR,
            created_by=administrator,
        )
    mail.outbox.clear()
    return user


def _opens_password_form(client, path: str) -> bool:
    response = client.get(path, follow=True)
    return b"Choose a new password" in response.content and b"has expired" not in response.content


# the administrators' home ------------------------------------------------------------------


def test_home_counts_invited_assessors_apart_from_active_ones(login, administrator, invited):
    AssessorFactory()
    AssessorFactory()
    AssessorFactory(is_active=False)
    content = login(administrator).get(reverse("home")).content.decode()
    assert "2 active assessors; 1 invited who has not set a password yet." in content


def test_home_says_nothing_about_invitations_when_there_are_none(login, administrator):
    AssessorFactory()
    content = login(administrator).get(reverse("home")).content.decode()
    assert "1 active assessor." in content
    assert "invited" not in content


def test_user_queryset_separates_invited_from_set_up(invited):
    set_up = AssessorFactory()
    assert list(User.objects.assessors().invited()) == [invited]
    assert list(User.objects.assessors().set_up()) == [set_up]


# the service -------------------------------------------------------------------------------


def test_resending_issues_a_fresh_link_and_the_old_one_stops_working(
    client, administrator, invited, django_capture_on_commit_callbacks
):
    from accounts.tasks import send_account_invitation

    send_account_invitation(invited.pk, administrator.pk)
    old = _path(mail.outbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        services.user_resend_invitation(user=invited, sent_by=administrator)
    assert len(mail.outbox) == 2
    new = _path(mail.outbox[-1])
    assert new != old
    assert mail.outbox[-1].to == ["nia@example.org"]
    assert "has expired" in client.get(old, follow=True).content.decode()
    assert _opens_password_form(client, new)


def test_resending_is_refused_once_a_password_is_set(administrator):
    assessor = AssessorFactory(full_name="Sam Set")
    with pytest.raises(DomainError, match="already set a password"):
        services.user_resend_invitation(user=assessor, sent_by=administrator)


def test_resending_is_refused_for_a_deactivated_account(administrator, invited):
    invited.is_active = False
    invited.save()
    with pytest.raises(DomainError, match="deactivated"):
        services.user_resend_invitation(user=invited, sent_by=administrator)


# the assessors page ------------------------------------------------------------------------


def test_assessor_list_offers_resend_for_invited_assessors_only(login, administrator, invited):
    set_up = AssessorFactory()
    content = login(administrator).get(reverse("assessor_list")).content.decode()
    assert reverse("assessor_resend_invitation", args=[invited.pk]) in content
    assert reverse("assessor_resend_invitation", args=[set_up.pk]) not in content
    assert "Resend invitation" in content


def test_administrator_resends_from_the_assessor_list(
    login, administrator, invited, django_capture_on_commit_callbacks
):
    before = User.objects.get(pk=invited.pk).password
    with django_capture_on_commit_callbacks(execute=True):
        response = login(administrator).post(
            reverse("assessor_resend_invitation", args=[invited.pk]), follow=True
        )
    assert "We have emailed nia@example.org a new link" in response.content.decode()
    assert len(mail.outbox) == 1
    assert User.objects.get(pk=invited.pk).password != before


def test_resend_refused_for_a_set_up_assessor_through_the_page(login, administrator):
    assessor = AssessorFactory()
    response = login(administrator).post(
        reverse("assessor_resend_invitation", args=[assessor.pk]), follow=True
    )
    assert "already set a password" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["assessor", "provider_user"])
def test_resend_is_refused_to_other_roles(login, request, invited, who):
    before = User.objects.get(pk=invited.pk).password
    response = login(request.getfixturevalue(who)).post(
        reverse("assessor_resend_invitation", args=[invited.pk])
    )
    assert response.status_code == 403
    assert User.objects.get(pk=invited.pk).password == before
    assert mail.outbox == []


def test_resend_sends_anonymous_people_to_sign_in(client, invited):
    response = client.post(reverse("assessor_resend_invitation", args=[invited.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_resend_needs_post_and_an_assessor(login, administrator, invited):
    client = login(administrator)
    assert client.get(reverse("assessor_resend_invitation", args=[invited.pk])).status_code == 405
    provider = MembershipFactory().user
    assert client.post(reverse("assessor_resend_invitation", args=[provider.pk])).status_code == 404


def test_resend_needs_the_csrf_token(administrator, invited):
    from django.test import Client

    from tests.factories import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, administrator)
    response = client.post(reverse("assessor_resend_invitation", args=[invited.pk]))
    assert response.status_code == 403
    assert mail.outbox == []


# email addresses that wrap sensibly --------------------------------------------------------


def test_email_addresses_offer_breaks_only_after_the_at_and_before_dots():
    assert str(email_address("hannah.okafor@brightside.example.org")) == (
        '<span class="text-email">hannah<wbr>.okafor@<wbr>brightside<wbr>.example<wbr>.org</span>'
    )
    link = str(email_link("a&b@example.org"))
    assert link.startswith('<a class="text-email" href="mailto:a&amp;b@example.org">')
    assert "a&amp;b@<wbr>example<wbr>.org</a>" in link
    assert str(email_address("")) == ""


def test_lists_of_people_use_the_wrapping_addresses(login, administrator, invited):
    content = login(administrator).get(reverse("assessor_list")).content.decode()
    assert "nia@<wbr>example<wbr>.org" in content
    assert 'class="text-break"' not in content
