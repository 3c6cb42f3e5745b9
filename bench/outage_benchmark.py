"""What a Redis outage costs a page: the same pages timed with Redis answering and with nothing
listening where Redis should be.

    uv run python bench/outage_benchmark.py                # 20 requests a page, median in ms
    uv run python bench/outage_benchmark.py --requests 50

It sets up the demonstration portal (SQLite, demo data) in a temporary folder, then runs two child
processes: one with REDIS_URL pointing at the local Redis (database 14, flushed first), one with
REDIS_URL pointing at a closed port. Each signs in as the demo's Brightside lead through Django's
test client and times the sign-in page, the applications list, the workspace and /health/. Not a
load test (one client, in process): it shows that pages keep answering and what the failed cache
calls add, which the health endpoint's report goes with.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/accounts/login/", "/applications/", "WORKSPACE", "/health/"]

CHILD = r"""
import json, os, statistics, sys, time
import django
django.setup()
from django.conf import settings
from django.test import Client
from accreditation.models import Application
settings.ALLOWED_HOSTS = ["*"]
requests = int(sys.argv[1])
client = Client()
results = {}
def timed(path):
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return response.status_code, round(statistics.median(times), 1)
results["/accounts/login/"] = timed("/accounts/login/")
assert client.login(email="lead@brightside.example.org", password="qismet-demo-2026")
application = Application.objects.order_by("pk").first()
for page in ["/applications/", f"/applications/{application.pk}/", "/health/"]:
    results[page] = timed(page)
results["health body"] = json.loads(client.get("/health/").content)
print(json.dumps(results))
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qismet-outage-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "qismet_portal.settings.local",
            "QISMET_DATA_DIR": folder,
            "DJANGO_LOG_LEVEL": "CRITICAL",
        }
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "demo", "--no-serve"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        flush = ["redis-cli", "-u", options.redis, "flushdb"]
        subprocess.run(flush, check=False, capture_output=True)  # noqa: S603
        rows = {}
        for label, url in [
            ("Redis up", options.redis),
            ("Redis down", f"redis://127.0.0.1:{closed_port()}/0"),
        ]:
            out = subprocess.run(  # noqa: S603
                [sys.executable, "-c", CHILD, str(options.requests)],
                cwd=ROOT,
                env={**env, "REDIS_URL": url},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rows[label] = json.loads(out.strip().splitlines()[-1])
    print(f"median of {options.requests} requests, milliseconds (status)")
    print(f"{'page':<28}{'Redis up':>16}{'Redis down':>16}")
    for page in rows["Redis up"]:
        if page == "health body":
            continue
        up, down = rows["Redis up"][page], rows["Redis down"][page]
        print(f"{page:<28}{f'{up[1]} ({up[0]})':>16}{f'{down[1]} ({down[0]})':>16}")
    for label, row in rows.items():
        print(f"/health/ with {label}: {json.dumps(row['health body'])}")


if __name__ == "__main__":
    main()
