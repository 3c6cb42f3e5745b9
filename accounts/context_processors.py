"""The unread notification count in the header.

The authentication backends (accounts/backends.py) load the signed-in user with the count
already annotated, so the header costs no query of its own. A user loaded some other way (a
session from another backend) gets one lazy, indexed count, only if the header asks for it. Not
cached: a cached count would need invalidating on every notify and every read.
"""

from django.utils.functional import SimpleLazyObject


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    annotated = getattr(user, "unread_notification_count", None)
    if annotated is not None:
        return {"unread_notification_count": annotated}

    def count() -> int:
        from .models import Notification

        return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()

    return {"unread_notification_count": SimpleLazyObject(count)}
