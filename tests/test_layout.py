"""The header and footer are kept per process once drawn (qismet_portal/templatetags/
portal_layout.py): whatever they show must follow the person, the page and the unread count on
the very next request, never an earlier person's or page's copy."""

import re

import pytest
from django.urls import reverse

from accounts.services import notify
from providers.models import MembershipRole
from qismet_portal.templatetags import portal_layout
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _header(response) -> str:
    return re.search(r"<header>.*</header>", response.content.decode(), re.S).group(0)


def _active(header: str) -> list[str]:
    return re.findall(r'class="nav-link active" aria-current="page" href="([^"]+)"', header)


def test_the_kept_header_follows_the_person_their_rights_and_their_unread_count(login):
    member = MembershipFactory(role=MembershipRole.CONTRIBUTOR, user__full_name="Ada Member")
    client = login(member.user)
    first = _header(client.get(reverse("profile")))
    assert "Ada Member" in first and "Contributor<" in first and "unread)" not in first

    member.can_sign = True
    member.save()
    notify(users=[member.user], message="Hello", url="/")
    second = _header(client.get(reverse("profile")))
    assert "Contributor · can sign" in second and "(1 unread)" in second

    other = _header(login(AssessorFactory(full_name="Bea Assessor")).get(reverse("profile")))
    assert "Bea Assessor" in other and "Ada Member" not in other
    assert ">Assessor</span>" in other and reverse("providers:organisation_home") not in other


def test_the_kept_header_marks_the_section_being_viewed(login):
    client = login(AdministratorFactory())
    on_providers = _header(client.get(reverse("providers:organisation_list")))
    on_standard = _header(client.get(reverse("standards:index")))
    assert _active(on_providers) == [reverse("providers:organisation_list")]
    assert _active(on_standard) == [reverse("standards:index")]


def test_signed_out_pages_get_the_signed_out_header_and_footer(client, login):
    login(AdministratorFactory()).get(reverse("profile"))  # a signed-in copy is kept first
    page = client.get(reverse("register:register")).content.decode()
    assert reverse("account_logout") not in page
    assert page.count(f'href="{reverse("account_login")}"') == 2  # header and footer


def test_each_distinct_header_is_drawn_once(login):
    portal_layout._render_kept.cache_clear()
    client = login(AssessorFactory())
    for _ in range(3):
        client.get(reverse("profile"))
    client.get(reverse("notifications"))
    info = portal_layout._render_kept.cache_info()
    # profile and notifications: two headers (different active link), one footer.
    assert (info.misses, info.hits) == (3, 5)


def test_a_lazily_counted_unread_number_is_shown_too(rf):
    """A user loaded without the annotated count (another backend) gets a lazy count."""
    from django.template.loader import render_to_string

    from accounts.context_processors import notifications

    me = AssessorFactory()
    notify(users=[me], message="Hello", url="/")
    request = rf.get("/")
    request.user = me  # loaded plainly: no unread_notification_count attribute
    context = notifications(request)
    assert type(context["unread_notification_count"]) is not int
    header = render_to_string("base.html", {"user": me, **context}, request)
    assert "(1 unread)" in header
