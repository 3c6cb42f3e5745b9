"""The administrators' dashboard and the applications export: figures that match the data,
refusals for everyone else, a flat query count, and spreadsheet-safe CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import Condition, InformationRequest, Report
from qismet_portal.dashboard import overdue, pipeline, turnaround
from qismet_portal.working_days import working_days_between
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import (
    awaiting_decision,
    decided,
    in_assessment,
    in_moderation,
    submitted_application,
)
from tests.factories import AssessorFactory, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


def test_pipeline_counts_every_status_in_journey_order(private_storage):
    submitted_application()
    submitted_application()
    in_moderation()
    rows = {row.status: row.count for row in pipeline()}
    assert rows["submitted"] == 2 and rows["moderation"] == 1
    assert sum(rows.values()) == 3
    order = [row.status for row in pipeline()]
    assert order.index("submitted") < order.index("moderation") < order.index("accredited")
    widest = max(pipeline(), key=lambda row: row.width)
    assert widest.status == "submitted"


def test_turnaround_is_the_median_in_working_days(monkeypatch):
    real_now = timezone.now()
    start = real_now - datetime.timedelta(days=90)
    waits = (5, 10, 30)
    for days in waits:
        monkeypatch.setattr(timezone, "now", lambda: start)
        stage = submitted_application()
        monkeypatch.setattr(
            timezone, "now", lambda days=days: start + datetime.timedelta(days=days)
        )
        decided(awaiting_decision(in_moderation(in_assessment(stage))), outcome="accredited")
    monkeypatch.setattr(timezone, "now", lambda: real_now)
    expected = sorted(
        working_days_between(
            timezone.localdate(start), timezone.localdate(start + datetime.timedelta(days=d))
        )
        for d in waits
    )
    figures = turnaround()
    assert figures["decisions"] == 3
    assert figures["median"] == expected[1]
    assert figures["slowest"] == expected[2]
    assert expected[0] < expected[1] < expected[2]
    # A decision older than the window is left out.
    monkeypatch.setattr(timezone, "now", lambda: real_now + datetime.timedelta(days=400))
    assert turnaround()["decisions"] == 0


def test_overdue_counts(private_storage):
    stage = decided(outcome="conditional", conditions=2)
    assert next(o for o in overdue() if "Conditions" in o.label).count == 0
    Condition.objects.filter(application=stage.application, number=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    counts = {o.label: o.count for o in overdue()}
    assert counts["Conditions past their deadline, still open"] == 1
    assert counts["Requests for more information past their due date"] == 0
    assert InformationRequest.objects.count() == 0
    assert (
        counts["Reports that could not be made"] == Report.objects.filter(status="failed").count()
    )


def test_only_administrators_reach_the_dashboard_and_the_export(
    client, administrator, provider_user
):
    for name in ("dashboard", "applications_csv"):
        url = reverse(name)
        assert client.get(url).status_code == 302  # anonymous: sign in first
        sign_in(client, provider_user)
        assert client.get(url).status_code == 403
        sign_in(client, AssessorFactory())
        assert client.get(url).status_code == 403
        sign_in(client, administrator)
        assert client.get(url).status_code == 200
        client.logout()


@pytest.mark.parametrize("applications", [1, 6])
def test_the_dashboard_does_not_grow_with_applications(
    client, administrator, private_storage, django_assert_max_num_queries, applications
):
    for _ in range(applications):
        submitted_application()
    sign_in(client, administrator)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("dashboard")).content.decode()
    assert f"Applications by status ({applications})" in page


def test_the_csv_lists_every_application_and_is_safe_in_spreadsheets(
    client, administrator, private_storage
):
    stage = decided(outcome="accredited")
    programme = stage.application.programme
    programme.name = '=HYPERLINK("http://evil")'
    programme.save()
    sign_in(client, administrator)
    response = client.get(reverse("applications_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "Reference" and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == stage.application.reference
    assert row["Programme"].startswith("'=")  # inert in a spreadsheet
    assert row["Outcome"] == "Accredited"
    assert row["Working days to decision"].isdigit()


def test_certificates_in_force_and_expiring(client, administrator):
    from accreditation.models import Certificate
    from qismet_portal.dashboard import certificates_summary
    from tests.accreditation.certified import issued

    soon, later = issued(), issued()
    Certificate.objects.filter(pk=soon.pk).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    summary = certificates_summary()
    assert (summary["live"], summary["expiring"]) == (2, 1)
    Certificate.objects.filter(pk=later.pk).update(
        issued_on=timezone.localdate() - datetime.timedelta(days=400),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert certificates_summary()["live"] == 1
    sign_in(client, administrator)
    page = client.get(reverse("dashboard")).content.decode()
    assert "<strong>1</strong> expires within 90 days" in page
