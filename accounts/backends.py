"""Authentication backends that load the signed-in person with their unread notification count.

Every page's header shows that count. Reading it as a correlated subquery of the query that
loads the user for the request (which runs anyway) makes it cost no query of its own: it is
always fresh, needs no cache to invalidate, and touches only the (user, read_at) index.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


class _WithUnreadCount:
    def get_user(self, user_id):
        from .models import Notification, User

        unread = (
            Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values("n")
        )
        try:
            user = User._default_manager.annotate(
                unread_notification_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0)
            ).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_WithUnreadCount, DjangoModelBackend):
    """Django's backend (password sign-in in tests and the shell), loading the unread count."""


class AuthenticationBackend(_WithUnreadCount, AllauthBackend):
    """allauth's backend (the portal's sign-in pages), loading the unread count."""
