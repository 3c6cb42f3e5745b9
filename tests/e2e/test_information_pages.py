"""Requests for more information in the browser: the request form, the provider's view of an
open (overdue) request, the request page and what changed, at 1280 and 390 wide, accessible and
without sideways scrolling."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation.models import InformationRequest, Response
from accreditation.services.applications import application_submit, response_save
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.journey import in_assessment, information_requested
from tests.accreditation.test_applications import signatory_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


@pytest.mark.parametrize("size", WIDTHS)
def test_information_pages(size, page, live_server, sign_in, screenshot, assert_accessible):
    page.set_viewport_size(WIDTHS[size])
    fresh = in_assessment(criteria_per_theme=2)
    sign_in(fresh.lead.assessor)
    page.goto(
        live_server.url
        + reverse("accreditation:information_request_new", args=[fresh.application.pk])
    )
    screenshot(f"information-new-{size}")
    assert_accessible("request form")

    stage = information_requested(criteria=None, criteria_per_theme=2)
    stage.application.refresh_from_db()
    named = stage.criteria[0]
    InformationRequest.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    request = InformationRequest.objects.get(application=stage.application)
    page.context.clear_cookies()
    sign_in(stage.application.started_by)
    page.goto(
        live_server.url + reverse("accreditation:application_detail", args=[stage.application.pk])
    )
    screenshot(f"information-provider-application-{size}")
    assert_accessible("application page with an open request")
    page.goto(
        live_server.url
        + reverse(
            "accreditation:information_request_detail", args=[stage.application.pk, request.pk]
        )
    )
    screenshot(f"information-request-{size}")
    assert_accessible("request page")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]

    response = Response.objects.get(application=stage.application, criterion=named)
    response_save(
        response=response,
        user=stage.application.started_by,
        narrative="We review the safeguarding policy every year; the board approved it in May.",
        rating="met",
    )
    signer = signatory_of(stage.application)
    application_submit(
        application=stage.application,
        user=signer,
        full_name=signer.full_name,
        role="Director",
        confirmed=True,
        note="The approval is minuted on page 3.",
    )
    page.context.clear_cookies()
    sign_in(stage.lead.assessor)
    page.goto(
        live_server.url
        + reverse("accreditation:submission_changes", args=[stage.application.pk, 2])
    )
    screenshot(f"information-changes-{size}")
    assert_accessible("what changed")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    page.goto(
        live_server.url + reverse("accreditation:application_detail", args=[stage.application.pk])
    )
    screenshot(f"information-assessor-application-{size}")


@pytest.mark.parametrize("size", WIDTHS)
def test_an_assessor_cancels_a_request(
    size, page, live_server, sign_in, screenshot, assert_accessible
):
    page.set_viewport_size(WIDTHS[size])
    stage = information_requested(criteria_per_theme=2)
    request = InformationRequest.objects.get(application=stage.application)
    sign_in(stage.lead.assessor)
    page.goto(
        live_server.url
        + reverse(
            "accreditation:information_request_detail", args=[stage.application.pk, request.pk]
        )
    )
    page.get_by_text("Cancel this request").click()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the request").click()
    # Refused without a reason: the section stays open with the message beside the field.
    field = page.get_by_label("Why is the request cancelled?")
    field.wait_for()
    assert "Say why the request is cancelled." in page.content()
    screenshot(f"information-cancel-refused-{size}")
    assert_accessible("request page, cancel refused")
    field.fill("Asked by mistake: the policy is in the evidence already.")
    page.get_by_role("button", name="Cancel the request").click()
    page.get_by_text("Request cancelled.").wait_for()
    text = page.locator("main").inner_text()
    assert "Asked by mistake: the policy is in the evidence already." in text
    assert "Cancel this request" not in text
    screenshot(f"information-cancelled-{size}")
    assert_accessible("request page, cancelled")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    request.refresh_from_db()
    assert request.status == "cancelled"
