"""The GOV.UK error pattern on every form of the portal.

A refused form answers with the page title prefixed "Error:", an error summary at the top
(role="alert", focusable, headed "There is a problem") that links to each field in trouble,
the same specific message beside the field with a visually hidden "Error:", and forms that
leave validation to the server (``novalidate``), so the specific messages are what people see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accreditation.models import Response
from providers.models import AccountRequest, MembershipRole, Organisation
from tests.accreditation.factories import ProgrammeFactory, started_application
from tests.accreditation.hostile import use_private_storage
from tests.accreditation.test_applications import complete, evidence_add, member
from tests.factories import AdministratorFactory, MembershipFactory, UserFactory, sign_in
from tests.providers.factories import AccountRequestFactory, make_invitation
from tests.standards.factories import draft_version, published_version

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r'<div class="error-summary[^"]*" role="alert" tabindex="-1"[^>]*data-error-summary>(.*?)</div>',
    re.S,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(tmp_path, settings):
    use_private_storage(settings, tmp_path)
    administrator = AdministratorFactory()
    lead = MembershipFactory(role=MembershipRole.LEAD).user
    application = started_application(lead=lead)
    ProgrammeFactory(organisation=lead.membership.organisation)
    response = Response.objects.filter(application=application).select_related("criterion")[0]
    draft = draft_version(criteria_per_theme=1)
    theme = draft.themes.get(number=1)
    criterion = theme.criteria.first()
    _invitation, token = make_invitation(organisation=lead.membership.organisation)
    request = AccountRequestFactory()
    no_password = UserFactory()
    no_password.set_unusable_password()
    no_password.save()
    ready = complete(started_application())
    return SimpleNamespace(
        administrator=administrator,
        lead=lead,
        application=application,
        response=response,
        draft=draft,
        theme=theme,
        criterion=criterion,
        token=token,
        account_request=request,
        no_password=no_password,
        published=published_version(),
        ready=ready,
        signatory=member(ready, "signatory"),
    )


@dataclass
class Case:
    """A form page: who asks for it, where, what is sent, and where the summary must link."""

    who: str | None
    url: Any  # world -> path
    data: dict[str, Any]
    links: dict[str, str]  # field id → the specific message the summary links from it
    page: Any = None  # world -> path of the page showing the form, when it posts elsewhere


CASES = {
    # allauth pages
    "sign-in": Case(
        None,
        lambda w: reverse("account_login"),
        {},
        {"id_login": "Enter your email address", "id_password": "Enter your password"},
    ),
    "password reset": Case(
        None,
        lambda w: reverse("account_reset_password"),
        {"email": "not an address"},
        {"id_email": "in the correct format, like name@example.com"},
    ),
    "password change": Case(
        "lead",
        lambda w: reverse("account_change_password"),
        {},
        {
            "id_oldpassword": "Enter your current password",
            "id_password1": "Enter a new password",
            "id_password2": "Enter the new password again",
        },
    ),
    "password set": Case(
        "no_password",
        lambda w: reverse("account_set_password"),
        {},
        {"id_password1": "Enter a new password", "id_password2": "Enter the new password again"},
    ),
    "reauthenticate": Case(
        "lead",
        lambda w: reverse("account_reauthenticate"),
        {},
        {"id_password": "Enter your password"},
    ),
    # accounts
    "profile": Case(
        "lead", lambda w: reverse("profile"), {}, {"id_full_name": "Enter your full name"}
    ),
    "assessor create": Case(
        "administrator",
        lambda w: reverse("assessor_create"),
        {"email": "nobody"},
        {
            "id_full_name": "Enter the assessor's full name",
            "id_email": "in the correct format, like name@example.com",
        },
    ),
    # providers
    "organisation register": Case(
        "administrator",
        lambda w: reverse("providers:organisation_create"),
        {"postcode": "LS1", "charity_number": "12"},
        {
            "id_name": "Enter the organisation's name",
            "id_postcode": "Enter a real postcode, like LS1 4AP",
            "id_region": "Select the region the organisation works in",
            "id_contact_name": "Enter the main contact's full name",
            "id_contact_email": "Enter the main contact's email address",
            "id_charity_number": "Enter a registered charity number in the correct format",
            "id_lead_full_name": "Enter the full name of the organisation's lead user",
            "id_lead_email": "Enter the email address of the organisation's lead user",
        },
    ),
    "organisation edit (lead)": Case(
        "lead",
        lambda w: reverse("providers:organisation_edit"),
        {"company_number": "123456789", "nhs_ods_code": "R"},
        {
            "id_name": "Enter the organisation's name",
            "id_company_number": "Enter a Companies House number of 8 characters",
            "id_nhs_ods_code": "Enter an NHS ODS code of 3 to 9 letters and numbers",
        },
    ),
    "organisation edit (administrator)": Case(
        "administrator",
        lambda w: reverse(
            "providers:organisation_edit_admin", args=[w.lead.membership.organisation_id]
        ),
        {},
        {"id_name": "Enter the organisation's name", "id_region": "Select the region"},
    ),
    "programme": Case(
        "lead",
        lambda w: reverse("providers:programme_create"),
        {},
        {
            "id_name": "Enter the programme's name",
            "id_delivery_mode_0": "Select how the programme is delivered",
        },
    ),
    "invitation": Case(
        "lead",
        lambda w: reverse("providers:member_invite"),
        {},
        {"id_email": "Enter their email address", "id_role_0": "Select their role"},
    ),
    "account request": Case(
        None,
        lambda w: reverse("providers:account_request"),
        {"postcode": "nowhere", "company_number": "X"},
        {
            "id_organisation_name": "Enter your organisation's name",
            "id_postcode": "Enter a real postcode, like LS1 4AP",
            "id_region": "Select the region your organisation works in",
            "id_company_number": "Enter a Companies House number",
            "id_contact_name": "Enter your full name",
            "id_contact_email": "Enter your email address",
            "id_programmes_description": "Describe your self-management programmes",
        },
    ),
    "account request rejection": Case(
        "administrator",
        lambda w: reverse("providers:account_request_reject", args=[w.account_request.pk]),
        {},
        {"id_reason": "Enter the reason the request is turned down"},
        page=lambda w: reverse("providers:account_request_detail", args=[w.account_request.pk]),
    ),
    "invitation accept": Case(
        None,
        lambda w: reverse("providers:invitation_accept", args=[w.token]),
        {},
        {
            "id_full_name": "Enter your full name",
            "id_password1": "Enter a password",
            "id_password2": "Enter the password again",
        },
    ),
    # standards
    "standard import": Case(
        "administrator",
        lambda w: reverse("standards:version_import"),
        {},
        {"id_file": "Choose a standard file to import"},
    ),
    "version copy": Case(
        "administrator",
        lambda w: reverse("standards:version_copy", args=[w.published.pk]),
        {"number": "no spaces allowed"},
        {"id_number": "Use letters, digits, dots, dashes and underscores only"},
    ),
    "version settings": Case(
        "administrator",
        lambda w: reverse("standards:version_settings", args=[w.draft.pk]),
        {
            "certificate_validity_months": "0",
            "scale-TOTAL_FORMS": "1",
            "scale-INITIAL_FORMS": "0",
            "scale-0-code": "Met",
        },
        {
            "id_certificate_validity_months": "Certificate validity must be at least 1 month",
            "id_not_applicable_label": "Enter the words providers choose for “not applicable”",
            "id_scale-0-code": "Use lower-case letters, digits and underscores only.",
            "id_scale-0-label": "Level 1: Enter the level's label",
            "id_scale-0-meaning": "Select what the level counts as",
        },
    ),
    "theme": Case(
        "administrator",
        lambda w: reverse("standards:theme_edit", args=[w.draft.pk, 1]),
        {},
        {"id_title": "Enter the theme's title"},
    ),
    "criterion add": Case(
        "administrator",
        lambda w: reverse("standards:criterion_create", args=[w.draft.pk, 1]),
        {"weight": "heavy"},
        {
            "id_code": "Enter the criterion's code, like 2.3",
            "id_title": "Enter the criterion's title",
            "id_requirement": "Enter what the provider must show",
            "id_weight": "The weight must be a number",
        },
    ),
    "criterion edit": Case(
        "administrator",
        lambda w: reverse("standards:criterion_edit", args=[w.criterion.pk]),
        {"code": "3.1", "requirement": "x" * 20_001},
        {
            "id_code": "does not start with the theme number 1",
            "id_title": "Enter the criterion's title",
            "id_requirement": "The requirement must be",
        },
    ),
    # accreditation
    "application start": Case(
        "lead",
        lambda w: reverse("accreditation:application_start"),
        {},
        {"id_programme_0": "Choose the programme this application is for."},
    ),
    "criterion answer": Case(
        "lead",
        lambda w: reverse(
            "accreditation:response_edit", args=[w.application.pk, w.response.criterion_id]
        ),
        {"narrative": "x" * 20_001, "rating": "nonsense"},
        {
            "id_narrative": "Keep the narrative under 20000 characters",
            "id_rating_0": "Choose one of the ratings offered for this criterion.",
        },
    ),
    "submit and declaration": Case(
        "signatory",
        lambda w: reverse("accreditation:application_submit", args=[w.ready.pk]),
        {},
        {
            "id_full_name": "Enter your full name.",
            "id_role": "Enter your role or job title.",
            "id_confirm": "Tick the box to confirm the declaration.",
        },
    ),
    "withdraw": Case(
        "lead",
        lambda w: reverse("accreditation:application_withdraw", args=[w.application.pk]),
        {},
        {"id_reason": "Say why the application is being withdrawn."},
    ),
}


def _client(world, who: str | None) -> Client:
    client = Client()
    if who:
        sign_in(client, getattr(world, who))
    return client


def _summary(html: str) -> str:
    match = SUMMARY.search(html)
    assert match, "no error summary on the page"
    return match.group(1)


@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_form_shows_the_summary_linked_to_each_field(world, name):
    case = CASES[name]
    response = _client(world, case.who).post(case.url(world), {"send": "", **case.data})
    assert response.status_code in {200, 400}, response.status_code
    html = unescape(response.content.decode())
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("Error: "), title
    summary = _summary(html)
    assert "There is a problem" in summary
    linked = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary))
    for field_id, message in case.links.items():
        assert field_id in linked, f"no link to #{field_id} in {linked}"
        assert message in linked[field_id]
        assert f'id="{field_id}"' in html, f"the link #{field_id} leads nowhere"
    assert "This field is required" not in html
    # Beside each field too, announced as an error.
    assert html.count('<span class="visually-hidden">Error: </span>') >= len(case.links)


@pytest.mark.parametrize("name", list(CASES))
def test_form_pages_leave_validation_to_the_server(world, name):
    """Every form with something to fill in carries novalidate, so the browser's bubbles
    never come before the specific messages."""
    case = CASES[name]
    response = _client(world, case.who).get((case.page or case.url)(world))
    assert response.status_code == 200
    forms = re.findall(r"<form\b[^>]*>.*?</form>", response.content.decode(), re.S)
    fillable = [
        f for f in forms if re.search(r"<(textarea|select|input(?![^>]*type=\"hidden\"))", f)
    ]
    assert fillable, "no form on the page"
    for form in fillable:
        assert "novalidate" in form.split(">", 1)[0], form.split(">", 1)[0]


def test_an_untouched_form_has_no_summary_and_no_error_title(world):
    response = _client(world, "lead").get(reverse("providers:programme_create"))
    html = response.content.decode()
    assert "data-error-summary" not in html
    assert "<title>Error:" not in html


def test_problems_with_the_form_as_a_whole_are_listed_without_a_link(world):
    response = Client().post(
        reverse("account_login"), {"login": world.lead.email, "password": "wrong password"}
    )
    summary = _summary(unescape(response.content.decode()))
    assert "not correct" in summary
    assert "<a " not in summary.split("not correct")[0].rsplit("<li>", 1)[-1]


def test_a_refused_upload_is_summarised_and_linked_to_the_file_field(world):
    url = reverse(
        "accreditation:evidence_upload",
        args=[world.application.pk, world.response.criterion_id],
    )
    empty = SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")
    response = _client(world, "lead").post(url, {"files": [empty]})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert re.search(r"<title>Error: ", html)
    summary = _summary(html)
    assert f'href="#evidence-files-{world.response.pk}"' in summary


def test_account_request_stores_identifiers_in_their_written_form(world):
    data = {
        "organisation_name": "Dales Breathe Easy",
        "region": "yorkshire",
        "postcode": "ls14ap",
        "charity_number": "sc 012345",
        "company_number": "1234567",
        "nhs_ods_code": "rth",
        "contact_name": "Dee Dale",
        "contact_email": "dee@example.org",
        "programmes_description": "Breathing well with COPD, six weeks, in groups.",
    }
    response = Client().post(reverse("providers:account_request"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = AccountRequest.objects.get(organisation_name="Dales Breathe Easy")
    assert (stored.postcode, stored.charity_number, stored.company_number, stored.nhs_ods_code) == (
        "LS1 4AP",
        "SC012345",
        "01234567",
        "RTH",
    )


def test_organisation_edit_stores_identifiers_in_their_written_form(world):
    organisation = world.lead.membership.organisation
    data = {
        field: getattr(organisation, field)
        for field in ["name", "address", "region", "contact_name", "contact_email"]
    }
    data.update(postcode="sw1a1aa", charity_number="1123456 - 1", nhs_ods_code="a12345")
    response = _client(world, "lead").post(reverse("providers:organisation_edit"), data)
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=organisation.pk)
    assert (organisation.postcode, organisation.charity_number, organisation.nhs_ods_code) == (
        "SW1A 1AA",
        "1123456-1",
        "A12345",
    )


def test_specific_messages_never_replace_a_form_s_own(world):
    from accreditation.forms import SubmitForm

    form = SubmitForm(data={"send": ""})
    assert not form.is_valid()
    assert form.errors["full_name"] == ["Enter your full name."]
    assert form.errors["confirm"] == ["Tick the box to confirm the declaration."]


def test_default_messages_name_the_field_by_its_kind():
    from django import forms

    from qismet_portal.forms import PortalFormMixin

    class Example(PortalFormMixin, forms.Form):
        title = forms.CharField(label="Title", max_length=5)
        ods = forms.CharField(label="NHS ODS code")
        email = forms.EmailField(label="Your email address")
        months = forms.IntegerField(label="Months", min_value=1)
        weight = forms.DecimalField(label="Weight")
        colour = forms.ChoiceField(label="Colour", choices=[("red", "Red")])
        agree = forms.BooleanField(label="I agree")
        upload = forms.FileField(label="Policy document")

    empty = Example(data={"send": ""})
    assert not empty.is_valid()
    assert empty.errors == {
        "title": ["Enter the title"],
        "ods": ["Enter the NHS ODS code"],
        "email": ["Enter your email address"],
        "months": ["Enter the months"],
        "weight": ["Enter the weight"],
        "colour": ["Select the colour"],
        "agree": ["Tick the box: I agree"],
        "upload": ["Choose the policy document to upload"],
    }
    wrong = Example(
        data={"title": "Too long", "email": "x", "months": "0", "weight": "a", "colour": "blue"}
    )
    wrong.is_valid()
    assert wrong.errors["title"] == ["The title must be 5 characters or fewer (it has 8)"]
    assert wrong.errors["email"] == [
        "Enter your email address in the correct format, like name@example.com"
    ]
    assert wrong.errors["months"] == ["The months must be 1 or more"]
    assert wrong.errors["weight"] == ["The weight must be a number"]
    assert wrong.errors["colour"] == ["Select the colour from the options shown"]


def test_the_shared_helper_keeps_novalidate_when_a_form_adds_attributes():
    from qismet_portal.forms import PortalFormHelper

    helper = PortalFormHelper()
    helper.attrs = {"data-warn-unsaved": ""}
    assert helper.attrs == {"novalidate": "", "data-warn-unsaved": ""}


def test_a_refused_replacement_is_summarised_and_linked_to_the_file_field(world):
    document = evidence_add(world.response, world.lead).document
    url = reverse("accreditation:evidence_replace", args=[world.application.pk, document.pk])
    files = [
        SimpleUploadedFile(name, b"%PDF-1.4 one", content_type="application/pdf")
        for name in ("a.pdf", "b.pdf")
    ]
    response = _client(world, "lead").post(url, {"file": files})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert re.search(r"<title>Error: ", html)
    assert 'href="#replace-file"' in _summary(html)


def test_comparing_a_version_with_itself_is_summarised(world):
    version = world.published
    response = _client(world, "administrator").get(
        reverse("standards:version_compare", args=[version.standard_id]),
        {"old": version.pk, "new": version.pk},
    )
    html = unescape(response.content.decode())
    assert re.search(r"<title>Error: ", html)
    assert "Choose two different versions to compare." in _summary(html)
