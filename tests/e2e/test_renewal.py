"""Renewal in a browser: the lead of a certified programme whose certificate nears its expiry
starts the renewal from the application page, lands on the new workspace (said to be a renewal),
opens a criterion changed in the new version (the change shown word by word, the carried answer
to check), chooses a rating and saves; the criterion is then checked. axe-core clean at desktop
and phone widths, no console errors, screenshots."""

import datetime

import pytest
from django.utils import timezone

from accreditation.models import Certificate, Response
from tests.accreditation.certified import issued
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.test_renewals import _revised

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_lead_renews_a_certificate(
    page, live_server, sign_in, screenshot, assert_accessible, console_errors, settings, tmp_path
):
    use_private_storage(settings, tmp_path)
    certificate = issued()
    Certificate.objects.filter(pk=certificate.pk).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=45)
    )
    application = certificate.application
    newer = _revised(application.version)
    lead = application.started_by
    sign_in(lead)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    assert_accessible("certified application with the renewal offered")
    screenshot("renewal-offered-desktop")
    page.get_by_role("button", name="Start the renewal").click()
    page.wait_for_load_state()
    renewal = application.renewals.get()
    assert page.url.endswith(f"/applications/{renewal.pk}/")
    body = page.locator("main").inner_text()
    assert f"A renewal of {application.reference}" in body
    assert f"Renewal {renewal.reference} started against version {newer.number}" in page.content()
    assert "Carried over from the last accreditation" in body  # in the gap list
    assert_accessible("renewal workspace")
    screenshot("renewal-workspace-desktop")

    changed = Response.objects.get(application=renewal, criterion__code="1.1")
    page.goto(f"{live_server.url}/applications/{renewal.pk}/criteria/{changed.criterion_id}/")
    assert "Changed since version" in page.locator("main").inner_text()
    page.get_by_text("What changed").click()
    assert "It is reviewed every year." in page.locator("ins.diff-ins").first.inner_text()
    assert page.get_by_label("Your narrative").input_value() == changed.narrative
    assert_accessible("renewal criterion, changed")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible("renewal criterion, phone")
    screenshot("renewal-criterion-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("radio", name="Met", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    changed.refresh_from_db()
    assert not changed.carried_over and changed.rating == "met"
    page.goto(f"{live_server.url}/applications/{renewal.pk}/criteria/{changed.criterion_id}/")
    assert "Carried over from your last accreditation" not in page.locator("main").inner_text()
    screenshot("renewal-criterion-checked-desktop")
    assert not console_errors
