"""Factories for people and organisations. Standards factories live in tests/standards/factories.py."""

import factory

from accounts.models import Role, User
from providers.models import Membership, MembershipRole, Organisation, Region

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.PROVIDER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR


class AssessorFactory(UserFactory):
    """An assessor with an active assessor profile (the capability to be assigned)."""

    role = Role.ASSESSOR

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            from accreditation.models import AssessorProfile

            AssessorProfile.objects.get_or_create(user=obj, defaults=kwargs)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Provider organisation {n}")
    region = Region.LONDON
    contact_name = factory.Faker("name", locale="en_GB")
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role=Role.PROVIDER)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.LEAD
    can_sign = False

    class Params:
        # Who used to be a "signatory": a contributor with the right to sign declarations.
        signatory = factory.Trait(role=MembershipRole.CONTRIBUTOR, can_sign=True)


# --- two-step verification ------------------------------------------------------------------

#: The authenticator-app key (base32) test staff are given: codes are computed from it.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_authenticator(user: User, secret: str = TEST_TOTP_SECRET):
    """Give ``user`` an authenticator app (allauth's TOTP) with a known key; the Authenticator."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, secret).instance


def totp_code(secret: str = TEST_TOTP_SECRET, *, at: float | None = None, step: int = 0) -> str:
    """The code an authenticator app shows for ``secret`` at time ``at`` (now), RFC 6238 with
    allauth's own HOTP; ``step`` moves that many 30-second periods on or back."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD + step
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client, user: User) -> None:
    """Sign ``client`` in as ``user`` as the sign-in pages would leave the session.

    Administrators and assessors also get an authenticator app (if they have none) and a session
    that records its use, exactly as allauth's code step records it (``record_authentication``
    with method "mfa"), so the portal's two-step rule lets them through."""
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    from accounts.two_step import two_step_required

    client.force_login(user)
    if not two_step_required(user):
        return
    authenticator = totp_authenticator(user)
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()


# --- passkeys ----------------------------------------------------------------------------------


class SoftPasskey:
    """A passkey held by the test itself: a P-256 key pair that answers WebAuthn challenges as a
    phone or security key would (attestation "none", user present and verified), so the portal's
    passkey pages are exercised with real signatures and allauth's real checks.

    ``origin`` is what a browser would report: https, as the test client's "testserver" host is
    neither https nor localhost (the only origins a passkey may come from)."""

    def __init__(self, *, rp_id: str = "testserver", origin: str = "https://testserver"):
        import os

        from cryptography.hazmat.primitives.asymmetric import ec

        self.rp_id = rp_id
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _rp_id_hash(self) -> bytes:
        import hashlib

        return hashlib.sha256(self.rp_id.encode()).digest()

    def registration(self, challenge: str = "AAAA", *, resident: bool = False) -> dict:
        """The browser's answer to "create a passkey" for ``challenge`` (base64url), as the JSON
        allauth's script posts and allauth stores."""
        from fido2.cose import ES256
        from fido2.webauthn import (
            AttestationObject,
            AttestedCredentialData,
            AuthenticationExtensionsClientOutputs,
            AuthenticatorAttestationResponse,
            AuthenticatorData,
            CollectedClientData,
            RegistrationResponse,
        )

        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
        auth_data = AuthenticatorData.create(
            self._rp_id_hash(),
            flags,
            self.counter,
            AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key),
        )
        response = RegistrationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAttestationResponse(
                client_data=CollectedClientData.create("webauthn.create", challenge, self.origin),
                attestation_object=AttestationObject.create("none", auth_data, {}),
            ),
            client_extension_results=AuthenticationExtensionsClientOutputs(
                {"credProps": {"rk": resident}}
            ),
        )
        return dict(response)

    def assertion(self, request_options: dict, *, user_handle: bytes | None = None) -> dict:
        """The browser's answer to "use a passkey" for the request options a page sent."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from fido2.webauthn import (
            AuthenticationResponse,
            AuthenticatorAssertionResponse,
            AuthenticatorData,
            CollectedClientData,
        )

        challenge = request_options["publicKey"]["challenge"]
        client_data = CollectedClientData.create("webauthn.get", challenge, self.origin)
        self.counter += 1
        auth_data = AuthenticatorData.create(
            self._rp_id_hash(),
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV,
            self.counter,
        )
        signature = self.private_key.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        response = AuthenticationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAssertionResponse(
                client_data=client_data,
                authenticator_data=auth_data,
                signature=signature,
                user_handle=user_handle,
            ),
        )
        return dict(response)


def passkey_authenticator(
    user: User, passkey: SoftPasskey | None = None, *, name: str = "Work laptop", resident=False
):
    """Give ``user`` a passkey (allauth's WebAuthn authenticator), made directly as allauth stores
    one; the Authenticator (its SoftPasskey as ``.passkey``, to answer challenges with)."""
    from allauth.mfa.models import Authenticator

    passkey = passkey or SoftPasskey()
    authenticator = Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": name, "credential": passkey.registration(resident=resident)},
    )
    authenticator.passkey = passkey
    return authenticator
