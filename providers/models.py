"""Provider organisations, the people who act for them, and how people join.

A provider user belongs to exactly one organisation (``Membership`` is one-to-one with the user).
People join either by an invitation from their organisation's lead (``Invitation``) or, for a
new organisation, through a public ``AccountRequest`` that an administrator approves.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from qismet_portal.models import TimeStampedModel


class Region(models.TextChoices):
    NORTH_EAST = "north_east", "North East"
    NORTH_WEST = "north_west", "North West"
    YORKSHIRE = "yorkshire", "Yorkshire and the Humber"
    EAST_MIDLANDS = "east_midlands", "East Midlands"
    WEST_MIDLANDS = "west_midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
    UK_WIDE = "uk_wide", "UK-wide"


class Organisation(TimeStampedModel):
    name = models.CharField(max_length=200, unique=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    region = models.CharField(max_length=30, choices=Region.choices)
    contact_name = models.CharField("main contact", max_length=150)
    contact_email = models.EmailField("main contact email")
    contact_phone = models.CharField("main contact phone", max_length=40, blank=True)
    charity_number = models.CharField("registered charity number", max_length=20, blank=True)
    company_number = models.CharField("Companies House number", max_length=20, blank=True)
    nhs_ods_code = models.CharField("NHS ODS code", max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    """What a member does in the organisation. Signing declarations is a separate right
    (``can_sign``) that either role may hold, so one person can be both lead and signatory."""

    LEAD = "lead", "Lead"
    CONTRIBUTOR = "contributor", "Contributor"


#: The words for the signing right, wherever a member's roles are shown.
CAN_SIGN_LABEL = "can sign"


class MembershipQuerySet(models.QuerySet):
    def current(self):
        """Members who still act for the organisation (removed members are kept for the record)."""
        return self.filter(removed_at__isnull=True)

    def removed(self):
        return self.filter(removed_at__isnull=False)

    def leads(self):
        return self.current().filter(role=MembershipRole.LEAD)

    def signatories(self):
        """Current members with an active account who may sign declarations and submit."""
        return self.current().filter(can_sign=True, user__is_active=True)


class Membership(TimeStampedModel):
    """A provider user's place in an organisation. A provider user belongs to one organisation.

    Removing a member keeps this row (who removed them and when) and deactivates the account, so
    what they did in applications stays attributed to a real person.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=MembershipRole.choices)
    can_sign = models.BooleanField(
        "can sign declarations",
        default=False,
        help_text="May sign the declaration and submit applications for the organisation.",
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="providers_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.roles_label}, {self.organisation})"

    @property
    def roles_label(self) -> str:
        """The member's role and rights in a few words, e.g. "Lead · can sign"."""
        return roles_label(self.get_role_display(), self.can_sign)

    @property
    def is_current(self) -> bool:
        return self.removed_at is None

    @property
    def is_lead(self) -> bool:
        return self.is_current and self.role == MembershipRole.LEAD


def roles_label(role_label: str, can_sign: bool) -> str:
    return f"{role_label} · {CAN_SIGN_LABEL}" if can_sign else role_label


class DeliveryMode(models.TextChoices):
    GROUP = "group", "Group sessions"
    ONE_TO_ONE = "one_to_one", "One-to-one"
    ONLINE = "online", "Online"
    BLENDED = "blended", "Blended (in person and online)"


class Programme(TimeStampedModel):
    """A self-management education programme a provider runs. Accreditation is per programme."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programmes"
    )
    name = models.CharField(max_length=200)
    conditions = models.CharField(
        "long-term conditions covered",
        max_length=300,
        help_text="For example: type 2 diabetes; chronic pain; COPD.",
    )
    delivery_mode = models.CharField(max_length=20, choices=DeliveryMode.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="providers_programme_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InvitationStatus(models.TextChoices):
    """Derived from the row's dates (see ``Invitation.status``), never stored."""

    PENDING = "pending", "Waiting to be accepted"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Withdrawn"
    EXPIRED = "expired", "Expired"


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Not yet accepted or withdrawn (may have expired: the lead can send it again)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        return self.open().filter(expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """A lead's invitation for a colleague to join their organisation with a chosen role (and,
    if the lead says so, the right to sign declarations).

    Only a SHA-256 hash of the link's random token is stored: someone who reads the database
    cannot use a link. Sending again replaces the token, so older links stop working.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("email address")
    role = models.CharField(max_length=20, choices=MembershipRole.choices)
    can_sign = models.BooleanField("can sign declarations", default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitation",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="providers_one_open_invitation_per_email",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="providers_invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="providers_invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.roles_label}, {self.organisation})"

    @property
    def roles_label(self) -> str:
        return roles_label(self.get_role_display(), self.can_sign)

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class AccountRequest(FSMModelMixin, TimeStampedModel):
    """A new organisation asking, through the public form, for an account on the portal.

    An administrator approves it (which registers the organisation and invites the contact as its
    lead) or rejects it with a reason that is emailed to the contact. The request has one decision
    only, so the decision's who, when and why live on the row itself rather than in a history table.
    """

    organisation_name = models.CharField("organisation name", max_length=200)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    region = models.CharField(max_length=30, choices=Region.choices)
    charity_number = models.CharField("registered charity number", max_length=20, blank=True)
    company_number = models.CharField("Companies House number", max_length=20, blank=True)
    nhs_ods_code = models.CharField("NHS ODS code", max_length=10, blank=True)
    contact_name = models.CharField("your full name", max_length=150)
    contact_email = models.EmailField("your email address")
    contact_phone = models.CharField("your phone number", max_length=40, blank=True)
    contact_job_title = models.CharField("your job title", max_length=150, blank=True)
    programmes_description = models.TextField("your programmes", max_length=3000)

    status = FSMField(
        default=AccountRequestStatus.PENDING, choices=AccountRequestStatus.choices, protected=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    organisation = models.OneToOneField(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_request",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Duplicates are refused by the form with a clear message; these make sure of it.
            models.UniqueConstraint(
                Lower("organisation_name"),
                condition=Q(status=AccountRequestStatus.PENDING),
                name="providers_one_pending_request_per_organisation",
            ),
            models.UniqueConstraint(
                Lower("contact_email"),
                condition=Q(status=AccountRequestStatus.PENDING),
                name="providers_one_pending_request_per_email",
            ),
            models.CheckConstraint(
                condition=~Q(status=AccountRequestStatus.REJECTED) | ~Q(rejection_reason=""),
                name="providers_rejected_request_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_name} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == AccountRequestStatus.PENDING

    # The table of allowed status changes. Side effects live in providers.services.
    @transition(
        field=status, source=AccountRequestStatus.PENDING, target=AccountRequestStatus.APPROVED
    )
    def approve(self) -> None:
        """QISMET accepts the organisation as a provider."""

    @transition(
        field=status, source=AccountRequestStatus.PENDING, target=AccountRequestStatus.REJECTED
    )
    def reject(self) -> None:
        """QISMET declines the request, giving a reason."""


class AccountRequestEdit(models.Model):
    """An administrator's correction of a request's details before it is decided.

    A request is what someone outside QISMET told us; when staff change it (a misspelt name, a
    work email instead of a personal one) the record keeps who changed which detail, from what
    and to what, so the organisation that approval registers can be traced back to both.
    ``changes`` holds ``{field: [before, after]}`` for the fields that changed.
    """

    account_request = models.ForeignKey(
        AccountRequest, on_delete=models.CASCADE, related_name="edits"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField()

    #: How staff pages name each detail (the model's labels speak to the requester).
    LABELS = {
        "organisation_name": "Organisation name",
        "address": "Address",
        "postcode": "Postcode",
        "region": "Region",
        "charity_number": "Registered charity number",
        "company_number": "Companies House number",
        "nhs_ods_code": "NHS ODS code",
        "contact_name": "Contact's full name",
        "contact_job_title": "Contact's job title",
        "contact_email": "Contact's email address",
        "contact_phone": "Contact's phone number",
        "programmes_description": "Their programmes",
    }

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"Edit of {self.account_request_id} at {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def change_lines(self) -> list[tuple[str, str, str]]:
        """(label, before, after) for each changed detail, regions by their names."""

        def shown(field: str, value: str) -> str:
            if field == "region" and value in Region.values:
                return Region(value).label
            return value

        return [
            (self.LABELS.get(field, field), shown(field, before), shown(field, after))
            for field, (before, after) in self.changes.items()
        ]
