"""How fast are accreditation reports made, against WeasyPrint itself?

Prints numbers; it is not a test. See bench/README.md for the goals and the last results.

What it does, on PostgreSQL (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/qismet_bench_reports; dropped and created) and Redis
(``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/12; flushed):

1. seeds, through the services, three decided applications: one against a 40-criterion version
   with 200 evidence files (the main case), one against a 10-criterion version and one against a
   100-criterion version (both with one file per criterion); agreed scores carry a rationale and
   findings of realistic length;
2. **task against bare WeasyPrint**: renders the main report with the worker's code
   (``services.reports.report_render``: claim, context, template, layout, PDF, storage, heartbeat)
   and, in the same process, the same HTML with ``weasyprint.HTML(string=...).write_pdf()``
   alone. Goal: at most 1.15×;
3. **time per page against plain paragraphs**: a document of plain paragraphs with the same
   number of pages, set in the report's own page size, margins and body type (so a page holds
   as many words as the report's running text), rendered bare; seconds per page of the report
   against it. Goal: at most 1.5×. The same against plain paragraphs in the browser's default
   type (12 pt, wide margins: a fifth fewer words a page) is printed alongside. Each of
   ``--runs`` runs makes the task, the bare render and both plain documents one after the
   other, and every time is the fastest of the runs, as ``timeit`` reports: the speed of a
   shared machine drifts from second to second and drift only ever adds time;
4. **100 criteria against 10**: the worker's code on both. Goal: at most 12×;
5. **reports per minute with 1 and 2 worker processes**: a real Celery worker
   (``-Q reports --concurrency=N``) renders ``--batch`` copies of the main report queued through
   Redis; reports per minute from the first queued to the last ready. Goal: 2 processes at least
   1.8× as many as 1.

With ``--instructions`` it also counts the machine instructions of the bare report render and
of the plain document in the report's type under valgrind's cachegrind (``apt-get install
valgrind``), each less a one-paragraph render: unlike times, the counts do not drift with the
machine's speed, though they leave out memory stalls.

Usage:  uv run python bench/report_benchmark.py [--runs 3] [--batch 8] [--keep] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qismet_bench_reports"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
RATIONALE = (
    "The provider's evidence shows the requirement in place and working in practice: the "
    "policy was approved by the board, staff were trained on it and the last two audits found "
    "it followed. The assessors saw minutes, training records and audit reports. "
)
STRENGTHS = "Clear ownership by the programme lead; participants' feedback is acted on. "
IMPROVEMENTS = "Record the date of each review, and show how changes reach the facilitators. "


def _database(action: str) -> None:
    import psycopg2

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), name
    connection = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if action == "create":
            cursor.execute(f"CREATE DATABASE {name}")
    connection.close()


def _seed() -> dict:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from accreditation.models import AgreedScore
    from accreditation.services.applications import application_start, response_save
    from accreditation.services.evidence import evidence_upload
    from providers.models import MembershipRole
    from standards.models import Criterion
    from standards.services import version_publish
    from tests.accreditation.factories import ProgrammeFactory
    from tests.accreditation.journey import (
        Stage,
        awaiting_decision,
        decided,
        in_assessment,
        in_moderation,
    )
    from tests.accreditation.test_applications import submit
    from tests.factories import AdministratorFactory, MembershipFactory
    from tests.standards.factories import draft_version

    administrator = AdministratorFactory()
    lead = MembershipFactory(role=MembershipRole.LEAD, user__full_name="Bench Lead").user

    def version_of(criteria: int):
        per_theme = -(-criteria // 4)
        version = draft_version(criteria_per_theme=per_theme, number=f"2026.{criteria}")
        extra = per_theme * 4 - criteria
        for criterion in Criterion.objects.filter(theme__version=version).order_by(
            "-theme__number", "-order"
        )[:extra]:
            criterion.delete()
        return version_publish(version=version, user=None)

    def decided_application(criteria: int, files: int):
        version = version_of(criteria)
        programme = ProgrammeFactory(organisation=lead.membership.organisation)
        application = application_start(programme=programme, version=version, user=lead)
        responses = list(application.responses.order_by("pk"))
        for response in responses:
            response_save(response=response, user=lead, narrative=RATIONALE, rating="met")
        for index in range(files):
            evidence_upload(
                application=application,
                response=responses[index % len(responses)],
                files=[SimpleUploadedFile(f"evidence-{index:03}.pdf", PDF, "application/pdf")],
                pointer=f"section {index % 7 + 1}, p. {index % 30 + 1}",
                user=lead,
            )
        stage = Stage(application=submit(application), administrator=administrator)
        stage = in_moderation(in_assessment(stage), levels=("met", "partially_met"))
        stage = decided(
            awaiting_decision(stage, level="partially_met", outcome="conditional"),
            outcome="conditional",
            conditions=3,
        )
        AgreedScore.objects.filter(application=stage.application).update(
            rationale=RATIONALE * 2, strengths=STRENGTHS * 2, improvements=IMPROVEMENTS * 2
        )
        return stage.application

    return {
        "main": decided_application(40, 200),
        "small": decided_application(10, 10),
        "large": decided_application(100, 100),
        "administrator": administrator,
    }


def _new_report(application, administrator, tag: str = ""):
    """A queued report row of ``application`` (distinct per ``tag`` so batches are distinct)."""
    from django.utils import timezone

    from accreditation.models import Report, ReportKind
    from accreditation.selectors.reports import inputs_digest, report_inputs

    inputs = report_inputs(application, ReportKind.DRAFT)
    number = Report.objects.filter(application=application).count() + 1
    return Report.objects.create(
        application=application,
        kind=ReportKind.DRAFT,
        number=number,
        inputs=inputs,
        inputs_digest=inputs_digest({**inputs, "bench": tag or number}),
        requested_by=administrator,
        requested_at=timezone.now(),
    )


def _task_seconds(application, administrator) -> tuple[float, object]:
    from accreditation.models import Report
    from accreditation.services.reports import report_render

    report = _new_report(application, administrator)
    started = time.perf_counter()
    report_render(report_id=report.pk)
    elapsed = time.perf_counter() - started
    report = Report.objects.get(pk=report.pk)
    assert report.status == "ready", report.error
    return elapsed, report


def _bare_seconds(html: str) -> tuple[float, int]:
    """WeasyPrint alone, with the options the portal's PDFs use (tagged PDF/UA-1)."""
    from weasyprint import HTML

    from accreditation.documents import PDF_OPTIONS

    started = time.perf_counter()
    document = HTML(string=html).render(**PDF_OPTIONS)
    document.write_pdf(**PDF_OPTIONS)
    return time.perf_counter() - started, len(document.pages)


_RENDER_ONE = """
import sys
from weasyprint import HTML
from accreditation.documents import PDF_OPTIONS
with open(sys.argv[1], encoding="utf-8") as source:
    HTML(string=source.read()).render(**PDF_OPTIONS).write_pdf(**PDF_OPTIONS)
"""


def _instructions(valgrind: str, documents: dict[str, str]) -> dict[str, int]:
    """Machine instructions (valgrind's cachegrind) to render each document bare, less those of
    rendering a one-paragraph document (start-up, imports, fonts): counts that do not drift
    with the machine's speed. Each document in a process of its own, all at once."""
    documents = {"baseline": '<html lang="en-GB"><p>x</p></html>', **documents}
    folder = Path(tempfile.mkdtemp(prefix="qismet-bench-instructions-"))
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, html in documents.items():
            path = folder / f"{name}.html"
            path.write_text(html, encoding="utf-8")
            processes[name] = subprocess.Popen(  # noqa: S603
                [
                    valgrind,
                    "--tool=cachegrind",
                    "--cache-sim=no",
                    "--cachegrind-out-file=/dev/null",
                    sys.executable,
                    "-c",
                    _RENDER_ONE,
                    str(path),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        counts = {}
        for name, process in processes.items():
            _, errors = process.communicate()
            found = re.search(r"I\s+refs:\s+([\d,]+)", errors)
            assert process.returncode == 0 and found, errors[-2000:]
            counts[name] = int(found[1].replace(",", ""))
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)
    baseline = counts.pop("baseline")
    return {name: count - baseline for name, count in counts.items()}


def _typography(html: str) -> str:
    """The report's page (size and margins) and body type (font, size, line height, paragraph
    spacing), taken from its own stylesheet: a plain document set the same way has as many
    words on a page as the report's running text."""
    page = re.search(r"@page \{\s*size: ([^;]+);\s*margin: ([^;]+);", html)
    body = re.search(r"^html \{[^}]*\}", html, re.MULTILINE)
    paragraph = re.search(r"^p \{[^}]*\}", html, re.MULTILINE)
    assert page and body and paragraph, "the report's stylesheet changed: update _typography"
    return (
        f"<style>@page {{ size: {page[1]}; margin: {page[2]}; }} {body[0]} "
        f"body {{ margin: 0; }} {paragraph[0]}</style>"
    )


def _plain_document(pages: int, style: str = "") -> str:
    """Plain paragraphs filling ``pages`` A4 pages, in ``style`` (the browser's defaults if
    none: 12 pt type and wide margins)."""
    from weasyprint import HTML

    paragraph = "<p>" + ("Plain text of a plain document, nothing else on the page. " * 8) + "</p>"

    def html(n: int) -> str:
        return f'<html lang="en-GB"><head>{style}</head><body>{paragraph * n}</body></html>'

    low, high = 1, 60 * pages
    while low < high:  # the fewest paragraphs that make ``pages`` pages
        middle = (low + high) // 2
        if len(HTML(string=html(middle)).render().pages) < pages:
            low = middle + 1
        else:
            high = middle
    return html(low)


def _worker(concurrency: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "qismet_portal",
            "worker",
            "-Q",
            "reports",
            f"--concurrency={concurrency}",
            "-l",
            "WARNING",
            "-n",
            f"bench-{concurrency}@localhost",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _per_minute(concurrency: int, batch: int, application, administrator, env: dict) -> float:
    from celery import current_app

    from accreditation.models import Report
    from accreditation.report_tasks import report_render

    worker = _worker(concurrency, env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = current_app.control.ping(
                destination=[f"celery@bench-{concurrency}@localhost"], timeout=1
            )
            if replies or current_app.control.inspect(timeout=1).ping():
                break
            time.sleep(0.5)
        # Warm the processes up with one render each, not counted.
        warm = [
            _new_report(application, administrator, f"warm-{concurrency}-{n}")
            for n in range(concurrency)
        ]
        for report in warm:
            report_render.delay(report.pk)
        _wait_ready([r.pk for r in warm], 300)
        reports = [
            _new_report(application, administrator, f"batch-{concurrency}-{n}")
            for n in range(batch)
        ]
        started = time.perf_counter()
        for report in reports:
            report_render.delay(report.pk)
        _wait_ready([r.pk for r in reports], 900)
        elapsed = time.perf_counter() - started
        assert (
            Report.objects.filter(pk__in=[r.pk for r in reports], status="ready").count() == batch
        )
        return batch / elapsed * 60
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def _wait_ready(pks: list[int], seconds: float) -> None:
    from accreditation.models import Report

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Report.objects.filter(pk__in=pks).exclude(status__in=["ready", "failed"]).exists():
            failed = Report.objects.filter(pk__in=pks, status="failed").count()
            assert not failed, f"{failed} render(s) failed"
            return
        time.sleep(0.2)
    raise SystemExit("renders did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of the report and plain renders (needs valgrind)",
    )
    options = parser.parse_args()
    valgrind = shutil.which("valgrind") if options.instructions else None
    if options.instructions and valgrind is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")

    media = Path(tempfile.mkdtemp(prefix="qismet-bench-reports-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": DATABASE_URL,
        "PRIVATE_MEDIA_ROOT": str(media),
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    _database("create")
    try:
        print("Seeding three decided applications (10, 40 and 100 criteria)…", flush=True)
        started = time.monotonic()
        seeded = _seed()
        print(f"Seeded in {time.monotonic() - started:.0f}s.\n", flush=True)
        from django.template.loader import render_to_string

        from accreditation.selectors.reports import report_context

        administrator = seeded["administrator"]
        # Warm-up (fonts, templates, imports); its HTML sets the plain documents' page count
        # and type.
        _, report = _task_seconds(seeded["main"], administrator)
        html = render_to_string("pdf/report.html", report_context(report))
        pages = report.pages
        plain = _plain_document(pages)
        same_type = _plain_document(pages, _typography(html))
        # Each run renders all four one after the other, and every figure is the fastest of the
        # runs (as timeit reports): this machine's speed drifts from second to second (the same
        # render can take half as long again), and drift only ever adds time.
        task, bare, same, default = [], [], [], []
        for _ in range(options.runs):
            task.append(_task_seconds(seeded["main"], administrator)[0])
            bare.append(_bare_seconds(html)[0])
            same.append(_bare_seconds(same_type)[0])
            default.append(_bare_seconds(plain)[0])
        task_s, bare_s, same_type_s, plain_s = min(task), min(bare), min(same), min(default)
        small = min(_task_seconds(seeded["small"], administrator)[0] for _ in range(options.runs))
        large = min(_task_seconds(seeded["large"], administrator)[0] for _ in range(options.runs))
        one = _per_minute(1, options.batch, seeded["main"], administrator, env)
        two = _per_minute(2, options.batch, seeded["main"], administrator, env)

        rows = [
            ("report task, 40 criteria, 200 files", f"{task_s:.2f} s", f"{pages} pages"),
            ("bare WeasyPrint, same HTML", f"{bare_s:.2f} s", ""),
            ("task / bare", f"{task_s / bare_s:.2f}×", "goal ≤ 1.15×"),
            (
                "plain paragraphs, same pages, report's type",
                f"{same_type_s:.2f} s",
                f"{same_type_s / pages * 1000:.0f} ms/page",
            ),
            (
                "report per page / plain per page",
                f"{bare_s / same_type_s:.2f}×",
                "goal ≤ 1.5×",
            ),
            (
                "plain paragraphs, same pages, default type",
                f"{plain_s:.2f} s",
                f"{plain_s / pages * 1000:.0f} ms/page (12 pt, wide margins)",
            ),
            ("report / plain in default type", f"{bare_s / plain_s:.2f}×", "for comparison"),
            ("task, 10 criteria", f"{small:.2f} s", ""),
            ("task, 100 criteria", f"{large:.2f} s", ""),
            ("100 / 10 criteria", f"{large / small:.1f}×", "goal ≤ 12×"),
            ("reports per minute, 1 process", f"{one:.1f}", f"batch of {options.batch}"),
            ("reports per minute, 2 processes", f"{two:.1f}", ""),
            ("2 / 1 processes", f"{two / one:.2f}×", "goal ≥ 1.8×"),
        ]
        width = max(len(r[0]) for r in rows)
        print(
            f"Fastest of {options.runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        for label, value, note in rows:
            print(f"{label:<{width}}  {value:>9}  {note}")
        if options.instructions:
            print("\nCounting instructions under valgrind (a few minutes)…", flush=True)
            counts = _instructions(valgrind, {"report": html, "plain": same_type})
            print(
                f"instructions: report {counts['report'] / 1e9:.2f} G, plain paragraphs in the "
                f"report's type {counts['plain'] / 1e9:.2f} G: report per page / plain per page "
                f"{counts['report'] / counts['plain']:.2f}× (goal ≤ 1.5×)"
            )
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(media, ignore_errors=True)
        if not options.keep:
            _database("drop")


if __name__ == "__main__":
    main()
