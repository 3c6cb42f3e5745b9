"""One decorator for every view: anonymous people sign in first, everyone else needs the rule.

Rules live in each app's permissions.py (django-rules) so that views, templates and tests ask the
same question. Objects a person may not see at all are filtered by scoped querysets instead, so
their existence does not leak (404 rather than 403).
"""

from collections.abc import Callable
from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def permission_required(perm: str, fn: Callable | None = None):
    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            obj = fn(request, *args, **kwargs) if fn else None
            # rules.has_perm, not user.has_perm: roles decide, with no superuser shortcut.
            if not rules.has_perm(perm, request.user, obj):
                raise PermissionDenied
            return view_func(request, *args, **kwargs)

        return wrapped

    return decorator
