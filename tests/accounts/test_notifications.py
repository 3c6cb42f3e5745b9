"""Portal notifications: each person sees only their own; opening one marks it read; the header
counts the unread ones in one query."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.services import notify
from tests.factories import AdministratorFactory, AssessorFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_anonymous_people_sign_in_first(client):
    for name in ("notifications",):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    note = Notification.objects.create(user=AssessorFactory(), message="Hello", url="/")
    for url in (reverse("notification_open", args=[note.pk]), reverse("notifications_mark_read")):
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("factory", [AdministratorFactory, AssessorFactory])
def test_everyone_sees_only_their_own_newest_first(login, factory):
    me, someone = factory(), MembershipFactory().user
    notify(users=[me], message="First for me", url="/applications/1/")
    notify(users=[me], message="Second for me", url="/applications/2/")
    notify(users=[someone], message="Not for me", url="/applications/3/")
    page = login(me).get(reverse("notifications"))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("Second for me") < text.index("First for me")
    assert "Not for me" not in text


def test_the_header_counts_unread_for_screen_readers_too(login):
    me = AssessorFactory()
    notify(users=[me], message="One", url="/")
    notify(users=[me, AdministratorFactory()], message="Two", url="/")
    notify(users=[me], message="Three", url="/")
    Notification.objects.create(user=me, message="Old", url="/", read_at="2024-01-01T00:00Z")
    page = login(me).get(reverse("profile"))
    assert '<span class="visually-hidden">(3 unread)</span>' in page.content.decode()


def test_with_nothing_unread_the_header_shows_no_count(login):
    me = AssessorFactory()
    page = login(me).get(reverse("profile"))
    assert b"Notifications" in page.content and b"unread)" not in page.content


def test_opening_one_marks_it_read_and_follows_its_link(login):
    me = AssessorFactory()
    notify(users=[me], message="Look", url="/applications/7/")
    note = Notification.objects.get(user=me)
    client = login(me)
    assert client.get(reverse("notifications")).status_code == 200
    note.refresh_from_db()
    assert note.read_at is None  # looking at the list does not mark it read
    response = client.post(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/applications/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_cannot_be_opened(login):
    mine = Notification.objects.create(user=AssessorFactory(), message="Mine", url="/")
    response = login(AdministratorFactory()).post(reverse("notification_open", args=[mine.pk]))
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_link_off_the_portal_is_not_followed(login):
    me = AssessorFactory()
    note = Notification.objects.create(user=me, message="Odd", url="https://evil.example/")
    response = login(me).post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("notifications")


def test_opening_by_get_changes_nothing(login):
    me = AssessorFactory()
    note = Notification.objects.create(user=me, message="Look", url="/")
    assert login(me).get(reverse("notification_open", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_as_read_marks_only_mine(login):
    me, other = AssessorFactory(), AssessorFactory()
    notify(users=[me, other], message="Both", url="/")
    notify(users=[me], message="Mine", url="/")
    client = login(me)
    response = client.post(reverse("notifications_mark_read"), follow=True)
    assert b"2 notifications marked as read" in response.content
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert b"unread)" not in client.get(reverse("notifications")).content


def test_the_list_is_paginated(login):
    me = AssessorFactory()
    for n in range(30):
        notify(users=[me], message=f"Message {n:02d}", url="/")
    client = login(me)
    first = client.get(reverse("notifications")).content.decode()
    assert "Message 29" in first and "Message 04" not in first and "Page 1 of 2" in first
    second = client.get(reverse("notifications"), {"page": 2}).content.decode()
    assert "Message 04" in second and "Message 29" not in second


@pytest.mark.parametrize("count", [1, 60])
def test_the_page_reads_a_fixed_number_of_queries(login, django_assert_max_num_queries, count):
    me = AssessorFactory()
    for _ in range(count):
        notify(users=[me], message="Something happened", url="/")
    client = login(me)
    # session, user (with the unread count for the header), count and page of notifications
    with django_assert_max_num_queries(4):
        assert client.get(reverse("notifications")).status_code == 200


def test_the_header_count_comes_with_the_user_at_no_extra_query(login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse as url

    me = AssessorFactory()
    notify(users=[me], message="One", url="/")
    client = login(me)
    client.get(url("profile"))  # warm up
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url("profile"))
    assert "(1 unread)" in page.content.decode()
    # The count is part of the query that loads the user, never a query of its own.
    counted = [q["sql"] for q in queries if "accounts_notification" in q["sql"]]
    assert len(counted) == 1
    assert 'FROM "accounts_user"' in counted[0]


def test_a_user_loaded_otherwise_costs_one_query(rf, django_assert_num_queries):
    from accounts.context_processors import notifications

    me = AssessorFactory()
    notify(users=[me], message="One", url="/")
    request = rf.get("/")
    request.user = me
    context = notifications(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notification_count"]) == "1"
        assert bool(context["unread_notification_count"])
