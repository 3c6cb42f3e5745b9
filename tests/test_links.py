"""The cheap per-row helpers give exactly what ``reverse`` and the ``date`` filter give."""

import datetime

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from qismet_portal.links import saved_at_label, url_for_each


def test_url_for_each_matches_reverse():
    url = url_for_each("accreditation:scoring_criterion", 12, placeholder="criterion_pk")
    for pk in (1, 7, 99, 123456):
        assert url(pk) == reverse("accreditation:scoring_criterion", args=[12, pk])


def test_saved_at_label_matches_the_date_filter():
    for moment in (
        datetime.datetime(2026, 12, 5, 14, 5, tzinfo=datetime.UTC),
        datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC),  # summer time: next day
        datetime.datetime(2027, 3, 9, 0, 0, tzinfo=datetime.UTC),
    ):
        local = timezone.localtime(moment)
        assert saved_at_label(moment) == date_filter(local, "j M Y, H:i")
