"""Template tags for pages outside this app that show a little provider information.

The administrators' home page belongs to the accounts app; it shows the number of account
requests waiting through this tag, so that page's view need not know about account requests.
"""

from django import template

from ..selectors import account_request_pending_count

register = template.Library()


@register.simple_tag
def pending_account_request_count() -> int:
    return account_request_pending_count()
