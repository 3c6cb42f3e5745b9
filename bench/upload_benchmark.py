"""Upload benchmark: one large evidence file through the real upload view under gunicorn.

Prints numbers; it is not a test. What it does:

1. makes a temporary QISMET_DATA_DIR (SQLite database, private storage) and a settings module
   there that raises the per-file limit above the file size (``--size-mib``) and sets the
   handler's chunk size (``--chunk-kib``);
2. migrates, imports the demonstration standard, and creates a provider user, an application
   and a signed-in session through a Django shell step;
3. writes a valid PDF-looking file of the requested size ("%PDF-1.7" header, incompressible
   bytes, "%%EOF") on the same disk;
4. times ``dd if=/dev/zero of=<same disk> bs=1M count=<size> conv=fsync`` as the yardstick;
5. starts gunicorn (one sync worker) on qismet_portal.wsgi and uploads the file with
   ``curl -F`` (which streams it from disk) to accreditation:evidence_upload, sampling the
   worker's VmRSS from /proc every 20 ms;
6. reports the time, the throughput, the worker's peak RSS growth over its warmed-up baseline,
   and checks that the stored revision has the file's size and SHA-256.

Goals: peak RSS growth ≤ 64 MB; upload time ≤ 3 × the dd time.

    uv run python bench/upload_benchmark.py                 # 1 GiB, 1 MiB chunks
    uv run python bench/upload_benchmark.py --chunk-kib 64  # Django's default chunk size
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
DD, CURL, SYNC = (shutil.which(tool) or tool for tool in ("dd", "curl", "sync"))

SETUP = """
import secrets
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import Role, User
from accreditation.services.applications import application_start
from providers.models import DeliveryMode, Membership, MembershipRole, Organisation, Programme
from standards.models import StandardVersion, VersionStatus

version = StandardVersion.objects.get(status=VersionStatus.PUBLISHED)
user = User.objects.create_user("bench@example.org", role=Role.PROVIDER, full_name="Bench Mark")
organisation = Organisation.objects.create(
    name="Benchmark provider", region="london", contact_name="Bench", contact_email="b@example.org"
)
Membership.objects.create(user=user, organisation=organisation, role=MembershipRole.LEAD)
programme = Programme.objects.create(
    organisation=organisation, name="Benchmark programme", conditions="Any",
    delivery_mode=DeliveryMode.GROUP, description="For the upload benchmark.",
)
application = application_start(programme=programme, version=version, user=user)
response = application.responses.order_by("criterion__code").first()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(f"BENCH {application.pk} {response.criterion_id} {session.session_key}")
"""

#: The yardstick for the server's own share: gunicorn reading the same body and discarding it.
NULL_APP = """
def application(environ, start_response):
    stream = environ["wsgi.input"]
    while stream.read(CHUNK):
        pass
    start_response("204 No Content", [])
    return []
"""

CHECK = """
from accreditation.models import EvidenceRevision
for revision in EvidenceRevision.objects.order_by("pk"):
    print(f"BENCH {revision.size} {revision.sha256} {revision.file.path}")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """The process's resident memory in KiB (0 once it has gone)."""
    with contextlib.suppress(FileNotFoundError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(c) for c in text)
    return found


def make_file(path: Path, size: int) -> None:
    block = os.urandom(MIB)  # incompressible, repeated: fast to write, honest for the disk
    header, trailer = b"%PDF-1.7\n", b"\n%%EOF\n"
    with path.open("wb") as out:
        out.write(header)
        remaining = size - len(header) - len(trailer)
        while remaining > 0:
            piece = block[: min(MIB, remaining)]
            out.write(piece)
            remaining -= len(piece)
        out.write(trailer)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


def run_manage(env: dict, *args: str, code: str | None = None) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    if code is not None:
        command += ["-c", code]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--chunk-kib", type=int, default=1024, help="handler chunk size")
    parser.add_argument("--runs", type=int, default=3, help="dd and upload runs (median taken)")
    parser.add_argument("--workdir", default=None, help="where to put data (default: temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    size = options.size_mib * MIB

    work = Path(tempfile.mkdtemp(prefix="qismet-bench-", dir=options.workdir))
    data = work / "data"
    (work / "bench_settings.py").write_text(
        textwrap.dedent(
            f"""
            from qismet_portal.settings.local import *  # noqa: F403

            DEBUG = False
            ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
            EVIDENCE_MAX_FILE_BYTES = {size + MIB}
            EVIDENCE_APPLICATION_QUOTA_BYTES = {(options.runs + 1) * size + MIB}
            EVIDENCE_UPLOAD_CHUNK_BYTES = {options.chunk_kib * 1024}
            LOGGING = {{"version": 1, "disable_existing_loggers": False}}
            """
        )
    )
    env = {
        **os.environ,
        "QISMET_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(work), str(ROOT)]),
        "DJANGO_READ_DOT_ENV_FILE": "false",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("PRIVATE_MEDIA_ROOT", None)
    server = None
    try:
        print(f"work folder: {work}")
        run_manage(env, "migrate", "--no-input")
        run_manage(
            env,
            "import_standard",
            str(ROOT / "standards/data/demonstration-edition.yaml"),
            "--publish",
        )
        out = run_manage(env, "shell", code=SETUP)
        application_pk, criterion_pk, session_key = re.search(
            r"BENCH (\d+) (\d+) (\w+)", out
        ).groups()

        source = work / "evidence.pdf"
        started = time.perf_counter()
        make_file(source, size)
        print(f"made {size / MIB:.0f} MiB test file in {time.perf_counter() - started:.1f} s")
        expected_sha = sha256_of(source)

        dd_times = []
        for _ in range(options.runs):
            subprocess.run([SYNC], check=True)  # noqa: S603
            started = time.perf_counter()
            subprocess.run(  # noqa: S603
                [
                    DD,
                    "if=/dev/zero",
                    f"of={work / 'dd.bin'}",
                    "bs=1M",
                    f"count={options.size_mib}",
                    "conv=fsync",
                ],
                check=True,
                capture_output=True,
            )
            dd_times.append(time.perf_counter() - started)
            (work / "dd.bin").unlink()
        dd_seconds = statistics.median(dd_times)

        (work / "null_app.py").write_text(NULL_APP.replace("CHUNK", str(options.chunk_kib * 1024)))
        null_port = free_port()
        null_server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "null_app",
                "--bind",
                f"127.0.0.1:{null_port}",
                "--workers",
                "1",
                "--timeout",
                "900",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=work,
        )
        null_times = []
        try:
            time.sleep(1.5)
            for _ in range(options.runs):
                started = time.perf_counter()
                subprocess.run(  # noqa: S603
                    [
                        CURL,
                        "-s",
                        "-o",
                        "/dev/null",
                        "-H",
                        "Expect:",
                        "-F",
                        f"files=@{source};type=application/pdf",
                        f"http://127.0.0.1:{null_port}/",
                    ],
                    check=True,
                )
                null_times.append(time.perf_counter() - started)
        finally:
            null_server.terminate()
            null_server.wait(timeout=30)
        null_seconds = statistics.median(null_times)

        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "qismet_portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "900",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=work,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        worker = None
        for _ in range(50):
            kids = children(server.pid)
            if kids:
                worker = kids[0]
                break
            time.sleep(0.1)
        if worker is None:
            sys.exit("no gunicorn worker found")

        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        cookies = f"sessionid={session_key}; csrftoken={csrf}"
        url = f"{base}/applications/{application_pk}/criteria/{criterion_pk}/evidence/upload/"
        # Warm the worker (imports, templates, database connection) before the baseline.
        for _ in range(3):
            subprocess.run(  # noqa: S603
                [CURL, "-s", "-o", "/dev/null", "-b", cookies, url],
                check=True,
            )
        time.sleep(0.3)
        baseline = rss_kib(worker)

        peak = baseline
        sampling = True

        def sample() -> None:
            nonlocal peak
            while sampling:
                peak = max(peak, rss_kib(worker))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        upload_times, statuses = [], []
        for _ in range(options.runs):
            subprocess.run([SYNC], check=True)  # noqa: S603
            started = time.perf_counter()
            done = subprocess.run(  # noqa: S603
                [
                    CURL,
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-b",
                    cookies,
                    "-H",
                    "Expect:",
                    "-F",
                    f"csrfmiddlewaretoken={csrf}",
                    "-F",
                    "pointer=benchmark",
                    "-F",
                    f"files=@{source};type=application/pdf",
                    url,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            upload_times.append(time.perf_counter() - started)
            statuses.append(done.stdout.strip())
        sampling = False
        sampler.join()
        upload_seconds = statistics.median(upload_times)

        out = run_manage(env, "shell", code=CHECK)
        stored = re.findall(r"BENCH (\d+) (\w+) (\S+)", out)
        temp_left = [p for p in (data / "private" / ".incoming").glob("*") if p.is_file()]

        growth_mib = (peak - baseline) / 1024
        ratio = upload_seconds / dd_seconds
        runs = ", ".join(f"{t:.2f}" for t in dd_times)
        ups = ", ".join(f"{t:.2f}" for t in upload_times)
        print()
        print(
            f"file                    {size / MIB:,.0f} MiB, chunk {options.chunk_kib} KiB, "
            f"{options.runs} runs (median)"
        )
        print(f"HTTP status             {' '.join(statuses)} (302 = stored and redirected)")
        print(
            f"dd conv=fsync           {dd_seconds:6.2f} s  ({size / MIB / dd_seconds:,.0f} MiB/s)"
            f"  runs: {runs}"
        )
        print(
            f"upload (curl -F)        {upload_seconds:6.2f} s  "
            f"({size / MIB / upload_seconds:,.0f} MiB/s)  runs: {ups}"
        )
        print(
            f"gunicorn reading alone  {null_seconds:6.2f} s  "
            f"({size / MIB / null_seconds:,.0f} MiB/s)  runs: "
            + ", ".join(f"{t:.2f}" for t in null_times)
        )
        print(
            f"time vs dd              {ratio:6.2f} ×   (goal ≤ 3 ×)  {'OK' if ratio <= 3 else 'OVER'}"
        )
        print(f"time vs gunicorn alone  {upload_seconds / null_seconds:6.2f} ×")
        print(f"load average (1 min)    {os.getloadavg()[0]:6.2f} on {os.cpu_count()} CPUs")
        print(f"worker RSS baseline     {baseline / 1024:6.1f} MiB")
        print(
            f"worker RSS peak growth  {growth_mib:6.1f} MiB (goal ≤ 64 MiB)  "
            f"{'OK' if growth_mib <= 64 else 'OVER'}"
        )
        print(f"stored revisions        {len(stored)}")
        print(f"sizes match             {all(int(sz) == size for sz, _, _ in stored)}")
        print(f"SHA-256 match           {all(sha == expected_sha for _, sha, _ in stored)}")
        print(
            f"files on disk complete  {all(Path(p).stat().st_size == size for _, _, p in stored)}"
        )
        print(f"temporary files left    {len(temp_left)}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
