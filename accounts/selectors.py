from django.db.models import QuerySet

from .models import User


def assessor_list() -> QuerySet[User]:
    return User.objects.assessors().order_by("-is_active", "full_name")
