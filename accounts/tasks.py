from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from qismet_portal.links import absolute_reverse, absolute_url
from qismet_portal.outbox.tasks import OutboxTask


@shared_task(base=OutboxTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_invitation(user_id: int, invited_by_id: int | None) -> bool:
    """Email a new account holder a single-use link to choose their password."""
    from .models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False  # deactivated, or already set up: nothing to send
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "invited_by": invited_by,
        "link": absolute_url(path),
        "login_link": absolute_reverse("account_login"),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    send_mail(
        subject="[QISMET] Your account on the QISMET accreditation portal",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@shared_task(base=OutboxTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_signin_unlock_link(user_id: int) -> bool:
    """Email an account's owner a time-limited link that lets them sign in again after guessing
    from many addresses paused sign-in to their account."""
    from .models import User
    from .throttle import unlock_token

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    path = reverse("signin_unlock", kwargs={"token": unlock_token(user)})
    context = {
        "user": user,
        "link": absolute_url(path),
        "reset_link": absolute_reverse("account_reset_password"),
        "valid_minutes": max(1, settings.SIGNIN_UNLOCK_LINK_MAX_AGE // 60),
    }
    send_mail(
        subject="[QISMET] Signing in to your account has been paused",
        message=render_to_string("accounts/email/signin_unlock.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return True
