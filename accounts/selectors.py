from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, Q, QuerySet

from .models import User


def assessor_list() -> QuerySet[User]:
    return User.objects.assessors().order_by("-is_active", "full_name")


def assessor_counts() -> dict[str, int]:
    """Assessors who can work (have set a password) and those invited who have not yet, in one
    query: an invitation nobody has answered is not an assessor QISMET can rely on."""
    invited = Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    return (
        User.objects.assessors()
        .active()
        .aggregate(
            assessor_count=Count("pk", filter=~invited),
            invited_assessor_count=Count("pk", filter=invited),
        )
    )


def notifications_for_user(user):
    """``user``'s own notifications, newest first (one query per page of them)."""
    from .models import Notification

    return Notification.objects.filter(user=user).only(
        "pk", "message", "url", "created_at", "read_at", "user_id"
    )
