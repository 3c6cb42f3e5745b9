"""A lead invites colleagues; the link is single-use, expires, can be withdrawn or sent again."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from providers import services
from providers.models import Invitation, Membership, MembershipRole
from providers.selectors import token_hash
from providers.tasks import send_invitation
from qismet_portal.exceptions import DomainError
from tests.factories import AssessorFactory

from .factories import make_invitation

pytestmark = pytest.mark.django_db

STRONG = "meadow-lantern-copper-41"


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/providers/join/\S+/)", message.body)
    assert match, f"no invitation link in: {message.body}"
    return match.group(1)


def _accept_data(name="Cara Colleague", password=STRONG):
    return {"full_name": name, "password1": password, "password2": password}


# services ----------------------------------------------------------------------------------


def test_invitation_stores_only_a_hash_of_the_emailed_token(
    org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            organisation=org_a.organisation,
            email="  Cara@Example.ORG ",
            role=MembershipRole.CONTRIBUTOR,
            can_sign=True,
            invited_by=org_a.lead,
        )
    assert invitation.email == "cara@example.org"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cara@example.org"]
    assert "Alpha Lead has invited you to join Alpha Self-Management" in message.body
    assert "as a contributor" in message.body
    assert "You can also sign the declaration and submit applications" in message.body
    token = _link(message).rstrip("/").rsplit("/", 1)[1]
    invitation.refresh_from_db()
    assert invitation.token_hash == token_hash(token)
    assert token not in invitation.token_hash
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert all(token not in str(value) for value in stored.values())


def test_invitation_expires_after_the_configured_days(org_a, settings):
    settings.PROVIDER_INVITATION_EXPIRY_DAYS = 3
    invitation = services.invitation_create(
        organisation=org_a.organisation,
        email="d@example.org",
        role="contributor",
        invited_by=org_a.lead,
    )
    assert invitation.expires_at - invitation.sent_at == timedelta(days=3)


def test_cannot_invite_an_email_that_already_has_an_account(org_a, org_b):
    for email in (org_b.contributor.email, org_a.contributor.email.upper()):
        with pytest.raises(DomainError, match="already an account"):
            services.invitation_create(
                organisation=org_a.organisation,
                email=email,
                role="contributor",
                invited_by=org_a.lead,
            )
    assert not Invitation.objects.filter(email=org_b.contributor.email).exists()


def test_cannot_invite_the_same_email_twice_while_open(org_a):
    with pytest.raises(DomainError, match="already been invited"):
        services.invitation_create(
            organisation=org_a.organisation,
            email=org_a.invitation.email.upper(),
            role="lead",
            invited_by=org_a.lead,
        )


def test_a_withdrawn_invitation_does_not_block_a_new_one(org_a):
    services.invitation_revoke(invitation=org_a.invitation, revoked_by=org_a.lead)
    again = services.invitation_create(
        organisation=org_a.organisation,
        email=org_a.invitation.email,
        role="lead",
        invited_by=org_a.lead,
    )
    assert again.pk != org_a.invitation.pk


def test_accept_creates_user_and_membership_atomically(org_a):
    user = services.invitation_accept(
        invitation=org_a.invitation, full_name="  Ian Invitee ", password=STRONG
    )
    assert user.email == org_a.invitation.email
    assert user.full_name == "Ian Invitee"
    assert user.role == Role.PROVIDER
    assert user.check_password(STRONG)
    assert user.membership.organisation == org_a.organisation
    assert user.membership.role == MembershipRole.CONTRIBUTOR
    org_a.invitation.refresh_from_db()
    assert org_a.invitation.accepted_by == user
    assert org_a.invitation.status == "accepted"


def test_accept_is_single_use(org_a):
    services.invitation_accept(invitation=org_a.invitation, full_name="Ian", password=STRONG)
    with pytest.raises(DomainError, match="accepted"):
        services.invitation_accept(invitation=org_a.invitation, full_name="Eve", password=STRONG)
    assert User.objects.filter(email=org_a.invitation.email).count() == 1


def test_accept_refused_when_expired_or_withdrawn(org_a):
    expired, _ = make_invitation(
        organisation=org_a.organisation, expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DomainError, match="expired"):
        services.invitation_accept(invitation=expired, full_name="Late", password=STRONG)
    services.invitation_revoke(invitation=org_a.invitation, revoked_by=org_a.lead)
    with pytest.raises(DomainError, match="withdrawn"):
        services.invitation_accept(invitation=org_a.invitation, full_name="X", password=STRONG)
    assert not User.objects.filter(email__in=[expired.email, org_a.invitation.email]).exists()


def test_accept_refused_if_the_email_got_an_account_meanwhile(org_a):
    AssessorFactory(email=org_a.invitation.email)
    with pytest.raises(DomainError, match="already an account"):
        services.invitation_accept(invitation=org_a.invitation, full_name="X", password=STRONG)
    assert not Membership.objects.filter(user__email=org_a.invitation.email).exists()
    org_a.invitation.refresh_from_db()
    assert org_a.invitation.accepted_at is None


def test_resend_replaces_the_token_and_extends_an_expired_invitation(
    org_a, django_capture_on_commit_callbacks
):
    invitation, old_token = make_invitation(
        organisation=org_a.organisation, expires_at=timezone.now() - timedelta(days=1)
    )
    assert invitation.status == "expired"
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, sent_by=org_a.lead)
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert invitation.send_count == 2
    assert invitation.token_hash != token_hash(old_token)
    new_link = _link(mail.outbox[-1])
    assert token_hash(new_link.rstrip("/").rsplit("/", 1)[1]) == invitation.token_hash


def test_resend_or_withdraw_refused_once_accepted_or_withdrawn(org_a):
    services.invitation_revoke(invitation=org_a.invitation, revoked_by=org_a.lead)
    with pytest.raises(DomainError, match="withdrawn"):
        services.invitation_resend(invitation=org_a.invitation, sent_by=org_a.lead)
    with pytest.raises(DomainError, match="withdrawn"):
        services.invitation_revoke(invitation=org_a.invitation, revoked_by=org_a.lead)
    other, _ = make_invitation(organisation=org_a.organisation)
    services.invitation_accept(invitation=other, full_name="Acc Epted", password=STRONG)
    with pytest.raises(DomainError, match="accepted"):
        services.invitation_resend(invitation=other, sent_by=org_a.lead)


def test_an_older_queued_email_is_not_sent_after_a_resend(org_a):
    invitation, old_token = make_invitation(organisation=org_a.organisation)
    services.invitation_resend(invitation=invitation, sent_by=org_a.lead)
    assert send_invitation(invitation.pk, old_token) is False
    services.invitation_revoke(invitation=invitation, revoked_by=org_a.lead)
    assert send_invitation(invitation.pk, "anything") is False
    assert mail.outbox == []


def test_a_rolled_back_invitation_sends_nothing(org_a, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.invitation_create(
            organisation=org_a.organisation,
            email="ghost@example.org",
            role="contributor",
            invited_by=org_a.lead,
        )
        raise RuntimeError("later step failed")
    assert callbacks == []
    assert mail.outbox == []


# views -------------------------------------------------------------------------------------


def test_lead_invites_and_colleague_accepts_through_the_emailed_link(
    login, org_a, django_capture_on_commit_callbacks
):
    lead = login(org_a.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            reverse("providers:member_invite"),
            {"email": "new.colleague@example.org", "role": "contributor"},
            follow=True,
        )
    assert b"We have emailed an invitation to new.colleague@example.org" in response.content
    assert b"new.colleague@example.org" in lead.get(reverse("providers:member_list")).content

    newcomer = login(None)
    link = _link(mail.outbox[0])
    page = newcomer.get(link)
    assert page.status_code == 200
    assert b"Join Alpha Self-Management" in page.content
    assert b"new.colleague@example.org" in page.content
    response = newcomer.post(link, _accept_data("Nia Newcomer"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Welcome, Nia Newcomer" in response.content
    user = User.objects.get(email="new.colleague@example.org")
    assert int(newcomer.session["_auth_user_id"]) == user.pk
    assert user.membership.organisation == org_a.organisation
    # the same link a second time
    again = login(None).get(link)
    assert again.status_code == 410
    assert b"already been used" in again.content


def test_accept_form_errors_keep_the_typed_name(login, org_a):
    url = reverse("providers:invitation_accept", kwargs={"token": org_a.token})
    response = login(None).post(
        url, {"full_name": "Typed Name", "password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    assert b'value="Typed Name"' in response.content
    assert b"too short" in response.content
    response = login(None).post(
        url, {"full_name": "Typed Name", "password1": STRONG, "password2": STRONG + "x"}
    )
    assert b"The two passwords are not the same." in response.content
    assert not User.objects.filter(email=org_a.invitation.email).exists()


@pytest.mark.parametrize(
    ("state", "status", "text"),
    [
        ("wrong", 404, b"This invitation link is not valid"),
        ("expired", 410, b"This invitation has expired"),
        ("revoked", 410, b"This invitation has been withdrawn"),
        ("accepted", 410, b"This invitation has already been used"),
    ],
)
def test_unusable_links_get_a_clear_page(login, org_a, state, status, text):
    token = org_a.token
    if state == "wrong":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif state == "expired":
        Invitation.objects.filter(pk=org_a.invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    elif state == "revoked":
        services.invitation_revoke(invitation=org_a.invitation, revoked_by=org_a.lead)
    else:
        services.invitation_accept(invitation=org_a.invitation, full_name="Ann", password=STRONG)
    client = login(None)
    url = reverse("providers:invitation_accept", kwargs={"token": token})
    assert client.get(url).status_code == status
    response = client.post(url, _accept_data("Mallory"))
    assert response.status_code == status
    assert text in response.content
    assert not User.objects.filter(full_name="Mallory").exists()


def test_expired_link_names_who_can_send_it_again(login, org_a):
    Invitation.objects.filter(pk=org_a.invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    response = login(None).get(
        reverse("providers:invitation_accept", kwargs={"token": org_a.token})
    )
    assert b"Ask Alpha Lead to send you the invitation again" in response.content


def test_signed_in_person_is_asked_to_sign_out_first(login, org_a, org_b):
    response = login(org_b.contributor).post(
        reverse("providers:invitation_accept", kwargs={"token": org_a.token}),
        _accept_data(),
    )
    assert response.status_code == 200
    assert b"Sign out to accept this invitation" in response.content
    assert not User.objects.filter(email=org_a.invitation.email).exists()


def test_invite_form_refuses_existing_account_and_keeps_input(login, org_a, org_b):
    response = login(org_a.lead).post(
        reverse("providers:member_invite"),
        {"email": org_b.lead.email, "role": "lead", "can_sign": "on"},
    )
    assert response.status_code == 200
    assert b"There is already an account with this email address" in response.content
    assert f'value="{org_b.lead.email}"'.encode() in response.content
    assert re.search(rb'value="lead"[^>]*checked', response.content)
    assert re.search(rb'name="can_sign"[^>]*checked', response.content)
    assert mail.outbox == []


def test_invite_form_refuses_a_second_open_invitation(login, org_a):
    response = login(org_a.lead).post(
        reverse("providers:member_invite"),
        {"email": org_a.invitation.email, "role": "contributor"},
    )
    assert b"has already been invited" in response.content
    assert Invitation.objects.filter(email=org_a.invitation.email).count() == 1


def test_lead_resends_and_withdraws_from_the_users_page(
    login, org_a, django_capture_on_commit_callbacks
):
    client = login(org_a.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers:invitation_resend", kwargs={"pk": org_a.invitation.pk}),
            follow=True,
        )
    assert b"We have emailed a new link" in response.content
    assert len(mail.outbox) == 1
    old = client.get(reverse("providers:invitation_accept", kwargs={"token": org_a.token}))
    assert old.status_code == 404  # the old link was replaced
    response = client.post(
        reverse("providers:invitation_revoke", kwargs={"pk": org_a.invitation.pk}), follow=True
    )
    assert b"has been withdrawn" in response.content
    org_a.invitation.refresh_from_db()
    assert org_a.invitation.revoked_by == org_a.lead
    assert (
        org_a.invitation.email.encode() not in client.get(reverse("providers:member_list")).content
    )


def test_resend_and_withdraw_need_post(login, org_a):
    client = login(org_a.lead)
    for name in ("providers:invitation_resend", "providers:invitation_revoke"):
        assert client.get(reverse(name, kwargs={"pk": org_a.invitation.pk})).status_code == 405


def test_invitation_email_subject_stays_on_one_line(org_a):
    from providers.models import Organisation

    Organisation.objects.filter(pk=org_a.organisation.pk).update(
        name="Alpha\r\nBcc: x@evil.example"
    )
    assert send_invitation(org_a.invitation.pk, org_a.token) is True
    assert mail.outbox[0].subject == (
        "[QISMET] Join Alpha Bcc: x@evil.example on the QISMET accreditation portal"
    )
    assert mail.outbox[0].to == [org_a.invitation.email]
