"""Rules that follow from the lifecycle declaration: programmes locked while QISMET has the
application, withdrawal only until the assessors finish, statuses shown in plain words."""

import pytest
from django.urls import reverse

from accreditation.lifecycle import PROGRAMME_LOCKED_STATUSES, STATUS_INFO, ApplicationStatus
from providers.services.programmes import programme_update
from qismet_portal.exceptions import DomainError, TransitionNotAllowed

from .test_transitions import PATHS, _application_in, _move

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ApplicationStatus.values)
def test_a_programme_is_locked_exactly_while_qismet_has_its_application(status):
    application = _application_in(status)
    programme = application.programme
    if status in PROGRAMME_LOCKED_STATUSES:
        with pytest.raises(DomainError, match=application.reference):
            programme_update(programme=programme, description="Changed while locked")
        programme.refresh_from_db()
        assert programme.description != "Changed while locked"
    else:
        programme_update(programme=programme, description="Changed while free")
        programme.refresh_from_db()
        assert programme.description == "Changed while free"


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.MODERATION, ApplicationStatus.AWAITING_DECISION, ApplicationStatus.APPEAL],
)
def test_withdrawal_is_refused_once_the_assessors_have_finished(status):
    application = _application_in(status)
    with pytest.raises(TransitionNotAllowed) as refusal:
        _move(application, "withdraw")
    message = str(refusal.value)
    assert STATUS_INFO and ApplicationStatus(status).label.lower() in message
    assert "in assessment" in message and "draft" in message


def test_the_application_page_shows_the_plain_status_and_what_happens_next(login):
    application = _application_in(ApplicationStatus.MODERATION)
    page = login(application.started_by).get(
        reverse("accreditation:application_detail", args=[application.pk])
    )
    content = page.content.decode()
    assert "In moderation" in content
    assert STATUS_INFO[ApplicationStatus.MODERATION].provider_next in content
    assert STATUS_INFO[ApplicationStatus.MODERATION].staff_next not in content


def test_every_status_is_reachable_for_these_tests():
    assert set(PATHS) == set(ApplicationStatus.values)


@pytest.mark.parametrize(
    ("status", "offered"),
    [(ApplicationStatus.DRAFT, True), (ApplicationStatus.CONDITIONAL, False)],
)
def test_the_withdraw_button_is_offered_only_where_withdrawal_is_allowed(login, status, offered):
    application = _application_in(status)
    client = login(application.started_by)
    page = client.get(reverse("accreditation:application_detail", args=[application.pk]))
    withdraw = reverse("accreditation:application_withdraw", args=[application.pk])
    assert (withdraw in page.content.decode()) is offered
    if not offered:
        answer = client.get(withdraw, follow=True)
        assert "cannot be withdrawn now" in answer.content.decode()
