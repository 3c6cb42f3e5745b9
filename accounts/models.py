"""People who use the portal. Email is the sign-in name; the role decides what a person can do."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    PROVIDER = "provider", "Provider user"
    ASSESSOR = "assessor", "Assessor"
    ADMINISTRATOR = "administrator", "Administrator"


class UserQuerySet(models.QuerySet):
    def assessors(self):
        return self.filter(role=Role.ASSESSOR)

    def administrators(self):
        return self.filter(role=Role.ADMINISTRATOR)

    def active(self):
        return self.filter(is_active=True)

    def invited(self):
        """Active accounts whose owner has not yet chosen a password from their invitation."""
        return self.active().filter(password__startswith=UNUSABLE_PASSWORD_PREFIX)

    def set_up(self):
        """Active accounts whose owner has chosen a password and so can sign in."""
        return self.active().exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("role", Role.ADMINISTRATOR)
        extra.setdefault("full_name", "Portal superuser")
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    phone = models.CharField("phone number", max_length=40, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Technical operators only: may use Django's own admin site."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def has_perm(self, perm: str, obj=None) -> bool:
        """The portal's rules decide, for everyone: being a superuser grants nothing extra.

        Django's default lets an active superuser through every check before any rule is asked;
        here an account's role and organisation are what count (``createsuperuser`` makes an
        administrator, who may read providers' work but never change it).
        """
        import rules

        return self.is_active and rules.has_perm(perm, self, obj)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_assessor(self) -> bool:
        return self.role == Role.ASSESSOR

    @property
    def is_provider_user(self) -> bool:
        return self.role == Role.PROVIDER


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A line in someone's portal notifications: what happened, and where to look. Emails say
    the same; these are for people who live in the portal rather than their inbox."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"])]

    def __str__(self) -> str:
        return self.message
