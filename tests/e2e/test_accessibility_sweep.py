"""Every role's pages of the demonstration portal, at desktop width and on a phone (390×844,
touch): axe-core finds no serious or critical problem, nothing makes the page scroll sideways,
and the browser logs no error (a blocked inline script or style would show here).

The data is the demo's own (``manage.py demo``): the demonstration standard and a draft revision
of it, Brightside's draft application with answers, Northfield's lone lead.
"""

from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, demo_people_create
from accreditation.models import Application
from providers.models import AccountRequest
from standards.services import demonstration_edition_load, version_copy_as_draft
from tests.e2e.conftest import ARTIFACTS
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


def _demo() -> dict[str, list[Visit]]:
    """The demo's data, and the pages each of its logins would open first."""
    published = demonstration_edition_load()
    demo_people_create()
    draft = version_copy_as_draft(version=published, number="2027.1", user=None)
    criterion = draft.themes.first().criteria.first()
    application = Application.objects.get()
    answer = application.responses.order_by("criterion__order").first()
    brightside = application.programme.organisation
    AccountRequestFactory()
    request = AccountRequest.objects.get()
    return {
        "": [
            Visit("public home", "/"),
            Visit("sign-in", reverse("account_login")),
            Visit("sign-up closed", reverse("account_signup")),
            Visit("request an account", reverse("providers:account_request")),
            Visit("about the standard", reverse("standards:about")),
            Visit("robots", "/robots.txt"),
        ],
        "admin@qismet.example.org": [
            Visit("administrator home", "/"),
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
        ],
        "assessor@qismet.example.org": [Visit("assessor home", "/")],
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
        ],
        "lead@northfield.example.org": [
            Visit("lone lead home", "/"),
            Visit("lone lead users", reverse("providers:member_list")),
            Visit("lone lead organisation", reverse("providers:organisation_home")),
        ],
    }


def test_every_roles_pages_are_accessible_and_fit_a_phone(browser, live_server):
    pages = _demo()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    for size, options in SIZES.items():
        for email, visits in pages.items():
            context = browser.new_context(**options)
            page = context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on(
                "console", lambda msg, e=errors: e.append(msg.text) if msg.type == "error" else None
            )
            if email:
                page.goto(f"{live_server.url}/accounts/login/")
                page.get_by_label("Email address").fill(email)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
                assert "/accounts/login/" not in page.url, f"{email} could not sign in"
            for visit in visits:
                response = page.goto(live_server.url + visit.path)
                where = f"{visit.name} ({size})"
                if response.status != 200:
                    problems.append(f"{where}: status {response.status}")
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
            if errors:
                problems.append(f"{email or 'anonymous'} ({size}): console errors {errors}")
            context.close()
    assert not problems, "\n".join(problems)
