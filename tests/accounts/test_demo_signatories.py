"""The demonstration people: Northfield's lone lead can sign, so Northfield can submit."""

import pytest

from accounts.demo import demo_people_create
from accounts.models import User
from providers.models import MembershipRole
from tests.accreditation.factories import started_application
from tests.accreditation.test_applications import complete, submit

pytestmark = pytest.mark.django_db


def test_the_demo_gives_northfields_lone_lead_the_right_to_sign():
    logins = {login.email: login for login in demo_people_create()}
    lead = User.objects.get(email="lead@northfield.example.org")
    assert lead.membership.role == MembershipRole.LEAD and lead.membership.can_sign
    assert lead.membership.organisation.memberships.count() == 1
    assert "lead who can sign and submit" in logins[lead.email].description

    signatory = User.objects.get(email="signatory@brightside.example.org")
    assert signatory.membership.role == MembershipRole.CONTRIBUTOR
    assert signatory.membership.can_sign
    brightside_lead = User.objects.get(email="lead@brightside.example.org")
    assert not brightside_lead.membership.can_sign

    application = complete(started_application(lead=lead, criteria_per_theme=1))
    assert lead.has_perm("accreditation.submit_application", application)
    assert submit(application, lead).status == "submitted"


def test_running_the_demo_again_keeps_the_right():
    demo_people_create()
    demo_people_create()
    lead = User.objects.get(email="lead@northfield.example.org")
    assert lead.membership.can_sign
