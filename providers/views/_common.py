"""What every provider view shares: which organisation a page acts on."""

from django.http import HttpRequest

from ..models import Organisation
from ..selectors import organisation_for_user


def own_organisation(request: HttpRequest, *args, **kwargs) -> Organisation | None:
    """The organisation a provider page acts on: always the signed-in person's own.

    Provider pages never take an organisation from the URL, so there is no ID to guess. Used as
    the object of the permission check; the view reads it again at no cost (the membership is
    cached on the user for the request).
    """
    return organisation_for_user(request.user)
