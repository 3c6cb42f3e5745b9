"""Reads about provider organisations, scoped to who is asking.

A provider user only ever reaches their own organisation: provider pages never take an
organisation from the URL, and everything they name by ID (a programme, a member, an invitation)
is looked up inside their organisation's querysets below, so another organisation's ID is a 404.
"""

import hashlib

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import (
    AccountRequest,
    AccountRequestStatus,
    Invitation,
    Membership,
    Organisation,
    Programme,
)


def token_hash(token: str) -> str:
    """The form in which invitation tokens are stored and looked up (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def membership_for_user(user) -> Membership | None:
    """The provider user's current membership, or None (other roles, removed members).

    Read through ``user.membership`` so Django caches it on the user object: permission rules,
    selectors and templates asking again in the same request cost no further query.
    """
    if user is None or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership if membership is not None and membership.is_current else None


def organisation_for_user(user) -> Organisation | None:
    """The organisation a provider user acts for (None for other roles)."""
    membership = membership_for_user(user)
    return membership.organisation if membership else None


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__removed_at__isnull=True))
    ).order_by("name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    """People who act for the organisation now (removed members are listed separately)."""
    return (
        Membership.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def organisation_removed_members(organisation: Organisation) -> QuerySet[Membership]:
    """Former members, kept so that the organisation can see who removed whom and when."""
    return (
        Membership.objects.removed()
        .filter(organisation=organisation)
        .select_related("user", "removed_by")
        .order_by("-removed_at")
    )


def organisation_memberships_all(organisation: Organisation) -> QuerySet[Membership]:
    """Current and former members in one query, for the administrators' full picture."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "removed_by")
        .order_by("user__full_name", "pk")
    )


def organisation_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not yet accepted or withdrawn, including expired ones the lead may resend."""
    return (
        Invitation.objects.open()
        .filter(organisation=organisation)
        .select_related("invited_by")
        .order_by("email")
    )


def organisation_programmes(organisation: Organisation) -> QuerySet[Programme]:
    """The organisation's programmes with how many applications each has.

    The count decides whether a programme may be deleted: applications keep their programme for
    the record, so one with applications is kept.
    """
    return (
        Programme.objects.filter(organisation=organisation)
        .annotate(application_count=Count("applications"))
        .order_by("name")
    )


def organisation_programmes_with_applications(organisation: Organisation) -> QuerySet[Programme]:
    """The organisation's programmes, each with its applications (newest first) for the
    organisation pages to link to, in two queries whatever the numbers.

    Applications belong to the accreditation app, which builds on this one, so they are reached
    through the relation it declares rather than by importing it.
    """
    application_model = Programme._meta.get_field("applications").related_model
    applications = application_model.objects.only(
        "pk", "reference", "status", "programme_id", "created_at", "submitted_at"
    ).order_by("-created_at", "-pk")
    return organisation_programmes(organisation).prefetch_related(
        Prefetch("applications", queryset=applications, to_attr="application_rows")
    )


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, found by the token's hash."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def account_requests_pending() -> QuerySet[AccountRequest]:
    return AccountRequest.objects.filter(status=AccountRequestStatus.PENDING).order_by("created_at")


def account_requests_decided() -> QuerySet[AccountRequest]:
    return (
        AccountRequest.objects.exclude(status=AccountRequestStatus.PENDING)
        .select_related("decided_by", "organisation")
        .order_by("-decided_at", "-pk")
    )


def account_request_pending_count() -> int:
    return AccountRequest.objects.filter(status=AccountRequestStatus.PENDING).count()


def organisation_count() -> int:
    return Organisation.objects.count()


def account_request_conflicts(
    *, organisation_name: str, contact_email: str, exclude_pk: int | None = None
) -> dict[str, str]:
    """Why a new account request would duplicate what exists, by form field (empty if none).

    Used by the public form to explain each problem beside its field, and by the services to refuse
    duplicates whatever the caller. ``exclude_pk`` leaves out the request being corrected.
    """
    conflicts: dict[str, str] = {}
    name = organisation_name.strip()
    email = contact_email.strip()
    pending = AccountRequest.objects.filter(status=AccountRequestStatus.PENDING)
    if exclude_pk is not None:
        pending = pending.exclude(pk=exclude_pk)
    if name and Organisation.objects.filter(name__iexact=name).exists():
        conflicts["organisation_name"] = (
            f"{name} already has an account on the portal. If you work there, ask your "
            "organisation's lead to invite you."
        )
    elif name and pending.filter(organisation_name__iexact=name).exists():
        conflicts["organisation_name"] = (
            f"We already have a request for {name} waiting for review. We will email the person "
            "who sent it once it has been reviewed."
        )
    if email and pending.filter(contact_email__iexact=email).exists():
        conflicts["contact_email"] = (
            "We already have a request from this email address waiting for review. We will email "
            "you once it has been reviewed."
        )
    return conflicts
