"""How fast are the self-assessment pages under load, compared with a trivial page?

Prints numbers; it is not a test. See bench/README.md for how to run it and what the goals are.

What it does:

1. drops and creates the PostgreSQL database ``qismet_bench`` (``BENCH_DATABASE_URL``, default
   postgres://postgres@127.0.0.1:5432/qismet_bench), migrates it;
2. seeds, through the services, a published standard of 40 criteria, an application for it with
   every criterion answered and 200 evidence files (five per criterion), and signs in its lead
   (a database session, whose cookie wrk sends);
3. starts gunicorn with 2 workers and production-like settings (``DEBUG`` off, the local settings
   module with ``DJANGO_DEBUG=false``; persistent database connections);
4. runs ``wrk -c16 -t2 -d15s`` (after a short warm-up) against ``/health/`` (the baseline: the same
   middleware stack and a ``SELECT 1``, but no session, user or template), ``/profile/`` (a
   reference: a signed-in page with a small form, so the cost of the session, the user and the
   base template shows separately), the workspace overview and a criterion page, and prints
   requests per second and p95 latency with the ratios to the baseline and the reference.
   Goals (against the baseline): requests/second at least 25 % of it, p95 at most 4 times it.

Usage:  uv run python bench/workspace_benchmark.py [--duration 15s] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
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
wrk.headers["Cookie"] = "sessionid=%(session)s"
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


def _seed() -> dict:
    """Runs in this process with the bench environment; returns the URLs and the session."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)

    from accreditation.services.applications import application_start, response_save
    from accreditation.services.evidence import evidence_upload
    from providers.models import MembershipRole
    from tests.accreditation.factories import ProgrammeFactory
    from tests.factories import MembershipFactory
    from tests.standards.factories import published_version

    version = published_version(criteria_per_theme=CRITERIA_PER_THEME)
    lead = MembershipFactory(role=MembershipRole.LEAD, user__full_name="Bench Lead").user
    programme = ProgrammeFactory(organisation=lead.membership.organisation)
    application = application_start(programme=programme, version=version, user=lead)
    responses = list(application.responses.select_related("criterion").order_by("pk"))
    narrative = (
        "Our board receives a programme report at every meeting, covering attendance, "
        "participant feedback, incidents and complaints. " * 6
    )
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
    client = Client()
    client.force_login(lead)
    middle = responses[len(responses) // 2]
    return {
        "session": client.cookies["sessionid"].value,
        "workspace": f"/applications/{application.pk}/",
        "criterion": f"/applications/{application.pk}/criteria/{middle.criterion_id}/",
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


def _check_page(base: str, path: str, session: str, expect: str) -> None:
    """The page must answer 200 to the signed-in lead (a redirect to sign-in would be fast and
    wrong) and contain what it should."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(  # noqa: S310  (our own http URL)
        base + path, headers={"Cookie": f"sessionid={session}"}
    )
    with opener.open(request, timeout=10) as response:
        body = response.read().decode()
        assert response.status == 200, (path, response.status)
    assert expect in body, (path, expect)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    media = Path(tempfile.mkdtemp(prefix="qismet-bench-media-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qismet_portal.settings.local",
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
        f"Seeded {seeded['criteria']} criteria, {seeded['files']} files "
        f"in {time.monotonic() - started:.0f}s.",
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
    try:
        _wait_for(base + "/health/")
        _check_page(base, seeded["workspace"], seeded["session"], "Criteria answered")
        _check_page(base, seeded["criterion"], seeded["session"], "Evidence for this criterion")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA % {"session": seeded["session"]})
        targets = [
            ("baseline /health/", "/health/"),
            ("reference /profile/", "/profile/"),
            ("workspace overview", seeded["workspace"]),
            ("criterion page", seeded["criterion"]),
        ]
        results = {}
        for label, path in targets:
            _wrk(base + path, Path(script.name), "3s", options.connections, options.threads)
            results[label] = _wrk(
                base + path,
                Path(script.name),
                options.duration,
                options.connections,
                options.threads,
            )
            if results[label]["errors"] or results[label]["non_2xx_3xx"]:
                print(f"WARNING: {label} had errors: {results[label]}")
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
        shutil.rmtree(media, ignore_errors=True)
        if not options.keep:
            from django.db import connections

            connections.close_all()
            _database_drop()

    baseline = results["baseline /health/"]
    print()
    print(
        f"wrk -c{options.connections} -t{options.threads} -d{options.duration}, gunicorn "
        f"{options.workers} workers, DEBUG off, PostgreSQL; {seeded['criteria']} criteria, "
        f"{seeded['files']} files"
    )
    print(
        f"{'page':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s ratio':>13}"
        f"{'p95 ratio':>11}"
    )
    verdicts = []
    for label, numbers in results.items():
        rps_ratio = numbers["rps"] / baseline["rps"]
        p95_ratio = numbers["p95_us"] / baseline["p95_us"]
        print(
            f"{label:<22}{numbers['rps']:>9.0f}{numbers['p50_us'] / 1000:>9.1f}"
            f"{numbers['p95_us'] / 1000:>9.1f}{numbers['p99_us'] / 1000:>9.1f}"
            f"{rps_ratio:>12.0%}{p95_ratio:>10.1f}×"
        )
        if label in {"workspace overview", "criterion page"}:
            verdicts.append((label, rps_ratio >= 0.25, p95_ratio <= 4))
    reference = results["reference /profile/"]
    print()
    print("Against the reference (a signed-in page with a small form: same session, user and")
    print("base template as the application pages, none of their data):")
    for label in ("workspace overview", "criterion page"):
        numbers = results[label]
        print(
            f"  {label}: {numbers['rps'] / reference['rps']:.0%} of its requests/second, "
            f"p95 {numbers['p95_us'] / reference['p95_us']:.1f}× its p95"
        )
    print()
    for label, rps_ok, p95_ok in verdicts:
        print(
            f"{label}: requests/second {'meets' if rps_ok else 'MISSES'} the ≥ 25 % goal; "
            f"p95 {'meets' if p95_ok else 'MISSES'} the ≤ 4× goal"
        )


if __name__ == "__main__":
    main()
