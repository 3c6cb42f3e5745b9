"""How fast are the application pages under load, compared with the cheapest signed-in page?

Prints numbers; it is not a test. See bench/README.md for how to run it, what the goals are and
the last results.

What it does:

1. drops and creates the PostgreSQL database ``qismet_bench`` (``BENCH_DATABASE_URL``, default
   postgres://postgres@127.0.0.1:5432/qismet_bench), migrates it;
2. seeds, through the services, a published standard of 40 criteria and three applications for
   it of one organisation, each with every criterion answered and 200 evidence files (five per
   criterion): a draft (the provider's workspace and criterion page), one in assessment with two
   assessors who have scored every criterion (the scoring pages) and one in moderation (the
   moderation pages), built the way tests/accreditation/journey.py builds them; and signs in the
   draft's lead and the lead assessors by writing database sessions directly (wrk sends the
   cookie), so no sign-in form, second factor or throttle is involved;
3. starts gunicorn with 3 sync workers, the number docker-compose.yml runs (``WEB_CONCURRENCY``
   defaults to 3), and production-like settings (``DEBUG`` off,
   ``bench.settings``: the local settings with ``DJANGO_DEBUG=false`` and the benchmark's URL
   configuration, bench/urls.py; persistent database connections);
4. runs ``wrk -c16 -t2 -d15s`` (after a 3-second warm-up) against the **reference**
   ``/bench/reference/`` (a signed-in view behind the same middleware: it loads the session and
   the user, then answers a few bytes without a template), ``/health/`` and ``/profile/`` (for
   comparison) and the application pages: the workspace, the criterion page, the assessor's
   scoring overview and scoring criterion page, the moderation overview and moderation criterion
   page. Each application page is measured twice: as a returning browser asks for it (with the
   CSRF cookie it got on its first visit: the page is then served as kept while nothing on it
   changes, accreditation/kept_pages.py) and ", drawn" (without the cookie, so the view draws
   it on every request, as it does on the first visit after any change; ``KEPT_PAGE_SECONDS=0``
   in the environment turns keeping off altogether). A page whose URL name does not exist yet
   is reported as "not available". The
   reference runs before the first page and again after each page, and each page is set against
   the mean of the two reference runs around it: this machine's speed drifts by more than the
   margins measured over the minutes of a whole run;
5. prints requests per second, p50/p95/p99 latency, requests per second as a percentage of the
   reference's and p95 as a multiple of the reference's p95.
   Goals for every application page: at least 25 % of the reference's requests per second, and
   a p95 at most 4 times the reference's.

Usage:  uv run python bench/workspace_benchmark.py [--duration 15s] [--connections 16]
        [--threads 2] [--workers 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qismet_bench"
)
CRITERIA_PER_THEME = 10  # 40 criteria
FILES = 200
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

LUA = """
wrk.headers["Cookie"] = "%(cookie)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%%d duration_us=%%d p50_us=%%d p95_us=%%d p99_us=%%d errors=%%d non_2xx_3xx=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def _database_recreate() -> None:
    import psycopg2

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), name
    connection = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()


def _database_drop() -> None:
    import psycopg2

    url = urlparse(DATABASE_URL)
    connection = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {url.path.lstrip('/')} WITH (FORCE)")
    connection.close()


def _session_for(user) -> str:
    """A database session signed in as ``user``, written directly (what the sign-in form would
    leave behind), so the benchmark does not depend on how people sign in."""
    from importlib import import_module

    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        load_backend,
    )
    from django.test import RequestFactory

    from accounts.two_step import two_step_required

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if two_step_required(user):
        # Staff sessions must record the second factor, as allauth's code step records it.
        authenticator, _ = Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")}},
        )
        request = RequestFactory().get("/")
        request.user, request.session = user, session
        record_authentication(request, user, "password", email=user.email)
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    session.save()
    return session.session_key


def _page(name: str, **kwargs) -> str | None:
    """The path of an ``accreditation:`` URL name, or None while that page does not exist."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(f"accreditation:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return None


def _seed() -> dict:
    """Runs in this process with the bench environment; returns the pages and the sessions."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from accreditation.services.applications import application_start, response_save
    from accreditation.services.evidence import evidence_upload
    from providers.models import MembershipRole
    from tests.accreditation.factories import ProgrammeFactory
    from tests.accreditation.journey import Stage, in_assessment, in_moderation, scores_give
    from tests.accreditation.test_applications import submit
    from tests.factories import AdministratorFactory, MembershipFactory
    from tests.standards.factories import published_version

    version = published_version(criteria_per_theme=CRITERIA_PER_THEME)
    lead = MembershipFactory(role=MembershipRole.LEAD, user__full_name="Bench Lead").user
    narrative = (
        "Our board receives a programme report at every meeting, covering attendance, "
        "participant feedback, incidents and complaints. " * 6
    )

    def draft_with_files():
        programme = ProgrammeFactory(organisation=lead.membership.organisation)
        application = application_start(programme=programme, version=version, user=lead)
        responses = list(application.responses.select_related("criterion").order_by("pk"))
        for response in responses:
            response_save(response=response, user=lead, narrative=narrative, rating="met")
        for index in range(FILES):
            response = responses[index % len(responses)]
            evidence_upload(
                application=application,
                response=response,
                files=[SimpleUploadedFile(f"evidence-{index:03}.pdf", PDF, "application/pdf")],
                pointer=f"section {index % 7 + 1}",
                user=lead,
            )
        assert application.documents.count() == FILES
        return application, responses

    draft, responses = draft_with_files()
    middle = responses[len(responses) // 2].criterion_id
    administrator = AdministratorFactory()

    # In assessment: two assessors have scored every criterion (not yet completed).
    assessed, _ = draft_with_files()
    assessment = in_assessment(Stage(application=submit(assessed), administrator=administrator))
    scores_give(assessment, assessment.lead, "met", complete=False)
    scores_give(assessment, assessment.second, "partially_met", complete=False)
    # In moderation: both assessors scored everything and completed.
    moderated, _ = draft_with_files()
    moderation = in_moderation(
        in_assessment(Stage(application=submit(moderated), administrator=administrator)),
        levels=("met", "partially_met"),
    )

    sessions = {
        "lead": _session_for(lead),
        "assessor": _session_for(assessment.lead.assessor),
        "moderator": _session_for(moderation.lead.assessor),
    }
    a, m = assessment.application.pk, moderation.application.pk
    pages = [
        # (label, path or None, session, text the page must contain)
        ("workspace", f"/applications/{draft.pk}/", "lead", "Criteria answered"),
        (
            "criterion page",
            _page("response_edit", pk=draft.pk, criterion_pk=middle),
            "lead",
            "Evidence for this criterion",
        ),
        ("scoring overview", _page("scoring_overview", pk=a), "assessor", None),
        (
            "scoring criterion",
            _page("scoring_criterion", pk=a, criterion_pk=middle),
            "assessor",
            None,
        ),
        ("moderation overview", _page("moderation_overview", pk=m), "moderator", None),
        (
            "moderation criterion",
            _page("moderation_criterion", pk=m, criterion_pk=middle),
            "moderator",
            None,
        ),
    ]
    # Planner statistics, as autovacuum would have gathered them on a live database: without
    # them PostgreSQL plans for empty tables (a sequential scan of every file's revisions).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "sessions": sessions,
        "pages": pages,
        "criteria": len(responses),
        "files": FILES,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310  (our own http URL)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on {url}")


def _check_page(base: str, path: str, session: str, expect: str | None) -> None:
    """The page must answer 200 to the signed-in user (a redirect to sign-in would be fast and
    wrong) and contain what it should."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(  # noqa: S310  (our own http URL)
        base + path, headers={"Cookie": f"sessionid={session}"}
    )
    with opener.open(request, timeout=30) as response:
        body = response.read().decode()
        assert response.status == 200, (path, response.status)
    assert expect is None or expect in body, (path, expect)


def _csrf_cookie(base: str, path: str, session: str) -> str:
    """The CSRF cookie a browser gets on its first visit to ``path`` (and sends from then on)."""
    request = urllib.request.Request(  # noqa: S310  (our own http URL)
        base + path, headers={"Cookie": f"sessionid={session}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        cookies = response.headers.get_all("Set-Cookie") or []
    for cookie in cookies:
        name, _, rest = cookie.partition("=")
        if name.strip() == "csrftoken":
            return rest.split(";", 1)[0]
    raise SystemExit(f"{path} set no CSRF cookie")


def _wrk(url: str, script: Path, duration: str, connections: int, threads: int) -> dict:
    command = [
        "wrk",
        f"-c{connections}",
        f"-t{threads}",
        f"-d{duration}",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"BENCH (.+)", output)
    assert match, output
    numbers = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}
    numbers["rps"] = numbers["requests"] / (numbers["duration_us"] / 1e6)
    return numbers


APPLICATION_PAGES_GOAL = (0.25, 4.0)  # at least 25 % of the reference's req/s; p95 ≤ 4×


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    # The number of workers docker-compose.yml runs (WEB_CONCURRENCY defaults to 3).
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    media = Path(tempfile.mkdtemp(prefix="qismet-bench-media-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": DATABASE_URL,
        "DATABASE_CONN_MAX_AGE": "600",
        "PRIVATE_MEDIA_ROOT": str(media),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    print(f"Database {DATABASE_URL}: recreating and seeding…", flush=True)
    _database_recreate()
    started = time.monotonic()
    seeded = _seed()
    print(
        f"Seeded {seeded['criteria']} criteria and three applications of {seeded['files']} "
        f"files each in {time.monotonic() - started:.0f}s.",
        flush=True,
    )

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "qismet_portal.wsgi:application",
            f"--workers={options.workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--error-logfile=-",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    sessions = seeded["sessions"]
    # Each application page twice: as a returning browser asks for it (with its CSRF cookie, so
    # the page is served kept while nothing on it changes, accreditation/kept_pages.py), and
    # drawn by its view on every request, as on the first visit after any change (no CSRF
    # cookie: nothing is kept for a browser without one).
    pages = []
    for label, path, who, expect in seeded["pages"]:
        pages += [(label, path, who, expect), (f"{label}, drawn", path, (who, "drawn"), expect)]
    targets = [
        ("reference", "/bench/reference/", "lead", "signed in as"),
        ("/health/", "/health/", "lead", None),
        ("/profile/", "/profile/", "lead", None),
        *pages,
    ]
    results: dict[str, dict | None] = {}
    references: list[dict] = []
    around: dict[str, tuple[dict, dict]] = {}
    scripts: dict[str | tuple[str, str], Path] = {}
    try:
        _wait_for(base + "/health/")
        for who, session in sessions.items():
            path = next(path for _, path, owner, _ in seeded["pages"] if owner == who)
            csrf = _csrf_cookie(base, path, session)
            for key, cookie in (
                (who, f"sessionid={session}; csrftoken={csrf}"),
                ((who, "drawn"), f"sessionid={session}"),
            ):
                with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                    script.write(LUA % {"cookie": cookie})
                scripts[key] = Path(script.name)

        def measure(label: str, path: str, who: str) -> dict:
            _wrk(base + path, scripts[who], "3s", options.connections, options.threads)
            numbers = _wrk(
                base + path, scripts[who], options.duration, options.connections, options.threads
            )
            if numbers["errors"] or numbers["non_2xx_3xx"]:
                print(f"WARNING: {label} had errors: {numbers}")
            return numbers

        # The reference runs before the first page and again after every page: each page is
        # set against the two reference runs around it, minutes apart at most, because this
        # machine's speed drifts by more than the margins measured over a whole run.
        reference_path, reference_who = targets[0][1], targets[0][2]
        _check_page(base, reference_path, sessions[reference_who], targets[0][3])
        references.append(measure("reference", reference_path, reference_who))
        for label, path, who, expect in targets[1:]:
            if path is None:
                results[label] = None
                continue
            _check_page(base, path, sessions[who if isinstance(who, str) else who[0]], expect)
            results[label] = measure(label, path, who)
            references.append(measure("reference", reference_path, reference_who))
            around[label] = (references[-2], references[-1])
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
        shutil.rmtree(media, ignore_errors=True)
        for script in scripts.values():
            script.unlink(missing_ok=True)
        if not options.keep:
            from django.db import connections

            connections.close_all()
            _database_drop()

    print()
    print(
        f"wrk -c{options.connections} -t{options.threads} -d{options.duration}, gunicorn "
        f"{options.workers} workers, DEBUG off, PostgreSQL; {seeded['criteria']} criteria, "
        f"{seeded['files']} files an application; reference: /bench/reference/, run before "
        f"the first page and after each one; each page against the mean of the two around it"
    )
    print(
        f"{'page':<30}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'req/s vs ref':>14}{'p95 vs ref':>12}"
    )
    rates = sorted(run["rps"] for run in references)
    print(
        f"{'reference':<30}{statistics.median(rates):>8.0f}"
        + "".join(
            f"{statistics.median(run[key] for run in references) / 1000:>9.1f}"
            for key in ("p50_us", "p95_us", "p99_us")
        )
        + f"  medians of {len(references)} runs, {rates[0]:.0f}–{rates[-1]:.0f} req/s"
    )
    verdicts = []
    application_pages = {label for label, *_ in pages}
    for label, numbers in results.items():
        if numbers is None:
            print(f"{label:<30}  not available (its URL name does not exist yet)")
            continue
        before, after = around[label]
        rps_ratio = numbers["rps"] / ((before["rps"] + after["rps"]) / 2)
        p95_ratio = numbers["p95_us"] / ((before["p95_us"] + after["p95_us"]) / 2)
        print(
            f"{label:<30}{numbers['rps']:>8.0f}{numbers['p50_us'] / 1000:>9.1f}"
            f"{numbers['p95_us'] / 1000:>9.1f}{numbers['p99_us'] / 1000:>9.1f}"
            f"{rps_ratio:>13.0%}{p95_ratio:>11.1f}×"
        )
        if label in application_pages:
            verdicts.append(
                (
                    label,
                    rps_ratio >= APPLICATION_PAGES_GOAL[0],
                    p95_ratio <= APPLICATION_PAGES_GOAL[1],
                )
            )
    print()
    print("Goals (against the reference): requests/second ≥ 25 %, p95 ≤ 4×.")
    for label, rps_ok, p95_ok in verdicts:
        print(
            f"  {label}: requests/second {'meets' if rps_ok else 'MISSES'} the goal; "
            f"p95 {'meets' if p95_ok else 'MISSES'} it"
        )


if __name__ == "__main__":
    main()
