"""Every role's pages of the demonstration portal, at desktop width and on a phone (390×844,
touch): axe-core finds no serious or critical problem, nothing makes the page scroll sideways,
and the browser logs no error (a blocked inline script or style would show here).

The data is the demo's own (``manage.py demo``): the demonstration standard and a draft revision
of it, Brightside's draft application with answers, Northfield's lone lead, and the demo's
applications at every stage (qismet_portal/demo_journey.py). Staff type the code of the demo's
published authenticator key; each login signs in once and both sizes share the session.
A page answering anything but the expected status, or sending the user elsewhere, is a problem.
"""

from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_people_create
from accounts.models import User
from accounts.two_step import two_step_required
from accreditation.models import (
    Application,
    Assignment,
    Certificate,
    Condition,
    InformationRequest,
)
from providers.models import AccountRequest
from qismet_portal.demo_journey import demo_journey_create
from standards.services import demonstration_edition_load, version_copy_as_draft
from tests.e2e.conftest import ARTIFACTS, fresh_totp_code
from tests.providers.factories import AccountRequestFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "has_touch": True,
        "is_mobile": True,
        "device_scale_factor": 2,
    },
}


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    #: 403 for a page the login must be refused (it should still read as a proper page).
    status: int = 200


def _application(organisation: str, programme: str) -> Application:
    return Application.objects.get(
        programme__organisation__name__startswith=organisation, programme__name=programme
    )


def _at(name: str, application: Application, *more) -> str:
    return reverse(f"accreditation:{name}", args=[application.pk, *more])


def _demo() -> dict[str, list[Visit]]:
    """The demo's data, and the pages each of its logins would open first."""
    published = demonstration_edition_load()
    demo_people_create()
    demo_journey_create(version=published, password=DEMO_PASSWORD)
    draft = version_copy_as_draft(version=published, number="2027.1", user=None)
    criterion = draft.themes.first().criteria.first()
    application = _application("Brightside", "Living Well with Persistent Pain")
    waiting = _application("Northfield", "Diabetes Education for Life")
    offered = _application("Meadow", "Active Living with Arthritis")
    requested = _application("Brightside", "Breathe Easy Peer Navigators")
    scoring = _application("Riverside", "Pain Toolkit Community Course")
    moderation = _application("Coastal", "Living Well with COPD")
    awaiting = _application("Peak", "Peer Mentors for Mental Health")
    conditional = _application("Northfield", "Carb Counting Made Simple")
    priya = User.objects.get(email="assessor@qismet.example.org")
    offer = Assignment.objects.get(application=offered, assessor=priya)
    information = InformationRequest.objects.get(application=requested)
    reopened = information.criteria.first()
    condition = Condition.objects.filter(application=conditional).order_by("number").first()
    first_criterion = scoring.version.themes.first().criteria.first()
    answer = application.responses.order_by("criterion__order").first()
    brightside = application.programme.organisation
    AccountRequestFactory()
    request = AccountRequest.objects.get()
    certified = _application("Brightside", "Expert Patients Together")
    suspended = Certificate.objects.get(programme_name="Steady Steps Falls Confidence")
    return {
        "": [
            Visit("public home", "/"),
            Visit("sign-in", reverse("account_login")),
            Visit("sign-up closed", reverse("account_signup")),
            Visit("request an account", reverse("providers:account_request")),
            Visit("about the standard", reverse("standards:about")),
            Visit("robots", "/robots.txt"),
            Visit("register", reverse("register:register")),
            Visit("verify a certificate", reverse("register:verify")),
            Visit("verified: suspended", f"/verify/{suspended.number}/"),
            Visit("verified: not found", "/verify/QSM-2026-9999/", status=404),
        ],
        "admin@qismet.example.org": [
            Visit("administrator home", "/"),
            Visit("dashboard", reverse("dashboard")),
            Visit("assessors", reverse("assessor_list")),
            Visit("organisations", reverse("providers:organisation_list")),
            Visit("organisation", reverse("providers:organisation_detail", args=[brightside.pk])),
            Visit("account requests", reverse("providers:account_request_list")),
            Visit(
                "account request",
                reverse("providers:account_request_detail", args=[request.pk]),
            ),
            Visit(
                "account request edit",
                reverse("providers:account_request_edit", args=[request.pk]),
            ),
            Visit("standards", reverse("standards:index")),
            Visit("draft version", reverse("standards:version_detail", args=[draft.pk])),
            Visit("version settings", reverse("standards:version_settings", args=[draft.pk])),
            Visit("criterion edit", reverse("standards:criterion_edit", args=[criterion.pk])),
            Visit(
                "comparison",
                reverse("standards:version_compare", args=[draft.standard_id])
                + f"?old={published.pk}&new={draft.pk}",
            ),
            Visit("applications", reverse("accreditation:application_list")),
            Visit(
                "application (administrator)",
                reverse("accreditation:application_detail", args=[application.pk]),
            ),
            Visit("screening queue", reverse("accreditation:screening_queue")),
            Visit("screen an application", _at("application_screen", waiting)),
            Visit("assign assessors", _at("assignment_manage", offered)),
            Visit(
                "assessor profile",
                reverse("accreditation:assessor_profile", args=[priya.pk]),
            ),
            Visit("decision", _at("decision", awaiting)),
            Visit("results", _at("results", awaiting)),
            Visit("condition (administrator)", _at("condition_detail", conditional, condition.pk)),
            Visit("notifications (administrator)", reverse("notifications")),
            Visit("certificates", reverse("accreditation:certificate_list")),
            Visit("certificate (administrator)", _at("certificate_detail", certified)),
            Visit("suspend a certificate", _at("certificate_suspend", certified)),
        ],
        "assessor@qismet.example.org": [
            Visit("assessor home", "/"),
            Visit("offer", reverse("accreditation:assignment_respond", args=[offer.pk])),
            Visit("scoring overview", _at("scoring_overview", scoring)),
            Visit("scoring criterion", _at("scoring_criterion", scoring, first_criterion.pk)),
            Visit("moderation overview", _at("moderation_overview", moderation)),
            Visit(
                "moderation criterion",
                _at("moderation_criterion", moderation, first_criterion.pk),
            ),
            Visit("interests", reverse("accreditation:interests_mine")),
        ],
        "assessor2@qismet.example.org": [
            Visit("second assessor home", "/"),
            Visit("blind scoring overview", _at("scoring_overview", requested)),
        ],
        "admin2@qismet.example.org": [
            Visit("decision refused", _at("decision", awaiting), status=403),
        ],
        "lead@brightside.example.org": [
            Visit("provider home", "/"),
            Visit("organisation home", reverse("providers:organisation_home")),
            Visit("users", reverse("providers:member_list")),
            Visit("invite", reverse("providers:member_invite")),
            Visit("programmes", reverse("providers:programme_list")),
            Visit("applications (provider)", reverse("accreditation:application_list")),
            Visit("workspace", reverse("accreditation:application_detail", args=[application.pk])),
            Visit(
                "criterion page",
                reverse("accreditation:response_edit", args=[application.pk, answer.criterion_id]),
            ),
            Visit(
                "evidence library",
                reverse("accreditation:evidence_library", args=[application.pk]),
            ),
            Visit("history", reverse("accreditation:application_history", args=[application.pk])),
            Visit("profile", reverse("profile")),
            Visit("information requested", _at("application_detail", requested)),
            Visit(
                "information request",
                _at("information_request_detail", requested, information.pk),
            ),
            Visit("re-opened criterion", _at("response_edit", requested, reopened.pk)),
            Visit("certified application", _at("application_detail", certified)),
            Visit("certificate (provider)", _at("certificate_detail", certified)),
        ],
        "lead@northfield.example.org": [
            Visit("lone lead home", "/"),
            Visit("lone lead users", reverse("providers:member_list")),
            Visit("lone lead organisation", reverse("providers:organisation_home")),
            Visit("accredited with conditions", _at("application_detail", conditional)),
            Visit("condition (provider)", _at("condition_detail", conditional, condition.pk)),
        ],
    }


def _sign_in(page, live_server, email: str) -> None:
    """Sign in through the real pages; staff also type the code of the demo's authenticator key."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    user = User.objects.get(email=email)
    if two_step_required(user):
        page.get_by_label("Code").fill(fresh_totp_code(user, secret=DEMO_TOTP_SECRET))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    assert "/accounts/" not in page.url, f"{email} could not sign in ({page.url})"


def test_every_roles_pages_are_accessible_and_fit_a_phone(browser, live_server):
    pages = _demo()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    sessions: dict[str, dict] = {}
    for email, visits in pages.items():
        for size, options in SIZES.items():
            context = browser.new_context(**options, storage_state=sessions.get(email))
            page = context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on(
                "console", lambda msg, e=errors: e.append(msg.text) if msg.type == "error" else None
            )
            if email and email not in sessions:
                _sign_in(page, live_server, email)
                sessions[email] = context.storage_state()
            for visit in visits:
                response = page.goto(live_server.url + visit.path)
                where = f"{visit.name} ({size})"
                if response.status != visit.status:
                    problems.append(f"{where}: status {response.status}")
                    continue
                if page.url != live_server.url + visit.path:
                    problems.append(f"{where}: sent to {page.url}")
                    continue
                if visit.path.endswith(".txt"):
                    continue
                violations = [
                    f"{v['id']} {[n['target'] for n in v['nodes']][:2]}"
                    for v in axe.run(page).response["violations"]
                    if v["impact"] in {"serious", "critical"}
                ]
                if violations:
                    problems.append(f"{where}: {violations}")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > options["viewport"]["width"]:
                    problems.append(f"{where}: {width}px wide")
                slug = visit.name.replace(" ", "-").replace("(", "").replace(")", "")
                page.screenshot(path=str(ARTIFACTS / f"sweep-{slug}-{size}.png"), full_page=True)
            refused = {str(visit.status) for visit in visits if visit.status != 200}
            if refused:
                # The browser logs a refused or missing page's status as an error; that is the
                # point.
                errors = [e for e in errors if not any(code in e for code in refused)]
            if errors:
                problems.append(f"{email or 'anonymous'} ({size}): console errors {errors}")
            context.close()
    assert not problems, "\n".join(problems)
