"""The unread notification count in the header.

One query, on an index (user, read_at), only when a page's header asks for it: the count is
lazy, so pages that do not show it (and anonymous visitors) cost nothing. Not cached: a cached
count would need invalidating on every notify and every read, for a query that already touches
only the index.
"""

from django.utils.functional import SimpleLazyObject


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .models import Notification

        return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()

    return {"unread_notification_count": SimpleLazyObject(count)}
