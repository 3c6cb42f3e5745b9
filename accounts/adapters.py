from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by public sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_password_change_redirect_url(self, request) -> str:
        """After changing a password, go back to the profile rather than an empty form."""
        from django.urls import reverse

        return reverse("profile")
