from django.conf import settings


def portal(request):
    """Names every template needs, plus the signed-in user's role for navigation."""
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "user_role": getattr(user, "role", None) if user and user.is_authenticated else None,
    }
