"""The production shape (docker-compose.yml, .docker/Dockerfile, .env.example) agrees with the code.

Docker cannot run here, so these tests check by other means what a container would find: that
every command names a module, app, management command or queue that exists; that the image is
built from files that exist and are not excluded from the build context; that every variable
the compose file passes is read by the settings and documented; and, with real subprocesses,
that gunicorn serves the web health check and static files with production settings.
"""

import fnmatch
import importlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.task import extract_exec_options
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_DIR = ROOT / "qismet_portal" / "settings"

EXPECTED_SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat", "proxy"}
CADDYFILE = ROOT / ".docker" / "Caddyfile"
APP_SERVICES = ("migrate", "web", "worker", "beat")
# Names an application container receives that the settings do not read, and who reads them.
READ_OUTSIDE_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "Django itself",
    "WEB_CONCURRENCY": "gunicorn (number of workers)",
}
DEBIAN_RUNTIME_PACKAGES = {
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "fonts-dejavu-core",
    "libmagic1",
}


# --- helpers -----------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict:
    return compose()["services"]


def command_of(service: str) -> list[str]:
    command = services()[service].get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(a) for a in command]


def option_value(argv: list[str], *names: str) -> str | None:
    """Value of a command-line option in either `-Q x`, `--queues x` or `--queues=x` form."""
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def settings_env_names() -> set[str]:
    """Every environment variable name read with env(...) / env.xxx(...) in the settings."""
    pattern = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", re.S)
    return {
        name for path in SETTINGS_DIR.glob("*.py") for name in pattern.findall(path.read_text())
    }


def env_example_names() -> set[str]:
    """Names documented in .env.example, whether set (`NAME=`) or shown commented (`# NAME=`)."""
    return set(re.findall(r"(?m)^\s*#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text()))


def compose_interpolated_names() -> set[str]:
    text = COMPOSE_FILE.read_text().replace("$$", "")  # $$ escapes a literal dollar sign
    return set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", text))


def dockerfile_path(service: dict) -> Path:
    build = service["build"]
    if isinstance(build, str):
        return ROOT / build / "Dockerfile"
    return ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    lines = [ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#")]
    text = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def app_dockerfile() -> Path:
    return dockerfile_path(services()["web"])


def dockerignored(relative: str) -> bool:
    """Whether .dockerignore keeps a path out of the build context (the pattern forms used here:
    `name`, `dir/name`, `**/name`, `!exception`; a folder's exclusion covers its content)."""
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    parts = Path(relative).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    # `**/x` matches x at any depth: any run of path parts that ends a prefix.
    anywhere = ["/".join(parts[j : i + 1]) for i in range(len(parts)) for j in range(i + 1)]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatch(c, pattern[3:]) for c in anywhere)
        else:
            hit = any(fnmatch.fnmatch(p, pattern) for p in prefixes)
        if hit:
            ignored = not negate
    return ignored


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra: str) -> dict[str, str]:
    """A scrubbed environment with production settings, as a container would have."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(
        DJANGO_SETTINGS_MODULE="qismet_portal.settings.production",
        DJANGO_SECRET_KEY="infrastructure-test-secret-" + "x7Qp2mZr" * 5,
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        REDIS_URL="redis://127.0.0.1:6379/15",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


# --- services ----------------------------------------------------------------------------------


def test_expected_services_exist():
    assert set(services()) >= EXPECTED_SERVICES, set(services())


def test_every_build_points_at_an_existing_dockerfile():
    built = {name: s for name, s in services().items() if "build" in s}
    assert built, "no service builds the application image"
    for name, service in built.items():
        assert dockerfile_path(service).is_file(), f"{name}: {dockerfile_path(service)} is missing"


def test_web_worker_and_beat_share_one_image_definition():
    svc = services()
    builds = {name: json.dumps(svc[name].get("build"), sort_keys=True) for name in APP_SERVICES}
    images = {name: svc[name].get("image") for name in APP_SERVICES}
    assert svc["web"].get("build") and len(set(builds.values())) == 1, builds
    assert len(set(images.values())) == 1, images
    # One definition, not copies: the compose file defines the build once and reuses it.
    assert COMPOSE_FILE.read_text().count("dockerfile:") == 1


def test_application_services_run_production_settings():
    for name in APP_SERVICES:
        env = services()[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "qismet_portal.settings.production", name
    assert (SETTINGS_DIR / "production.py").is_file()


def test_secrets_have_no_default_in_compose():
    text = COMPOSE_FILE.read_text()
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        uses = re.findall(r"\$\{" + name + r"(:?[?\-][^}]*)?\}", text)
        assert uses, f"{name} is not passed from the environment"
        assert all(u.startswith((":?", "?")) for u in uses), (
            f"{name} must be required (${{{name}:?…}})"
        )


# --- commands ----------------------------------------------------------------------------------


def test_gunicorn_serves_the_projects_wsgi_application():
    argv = command_of("web")
    assert argv[0] == "gunicorn", argv
    target = next(a for a in argv[1:] if not a.startswith("-") and ":" in a)
    module_name, _, attribute = target.partition(":")
    assert target == "qismet_portal.wsgi:application"
    application = getattr(importlib.import_module(module_name), attribute)
    assert callable(application)


def test_gunicorn_accepts_the_compose_command_line():
    argv = command_of("web")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", *argv[1:], "--check-config"],
        cwd=ROOT,
        env=production_env(DATABASE_URL="sqlite:///:memory:", WEB_CONCURRENCY="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def celery_services() -> dict[str, list[str]]:
    return {
        name: command_of(name)
        for name in services()
        if command_of(name) and command_of(name)[0] == "celery"
    }


def test_celery_commands_name_the_projects_celery_app():
    commands = celery_services()
    assert {"worker", "beat"} <= set(commands)
    assert "worker" in commands["worker"] and "beat" in commands["beat"]
    from qismet_portal import celery_app

    for name, argv in commands.items():
        app_name = option_value(argv, "-A", "--app")
        assert app_name, f"{name}: celery command without -A"
        app = find_app(app_name)
        assert isinstance(app, Celery), f"{name}: -A {app_name} is not a Celery app"
        assert app is celery_app


def test_every_manage_py_command_exists():
    commands = [command_of(name) for name in services()]
    commands += [
        shlex.split(args)
        for keyword, args in dockerfile_instructions(app_dockerfile())
        if keyword == "RUN" and "manage.py" in args
    ]
    used = {argv[i + 1] for argv in commands for i, a in enumerate(argv[:-1]) if a == "manage.py"}
    assert "migrate" in used and "collectstatic" in used, used
    missing = used - set(get_commands())
    assert not missing, f"unknown management commands: {missing}"


def _routed_queues() -> dict[str, str]:
    """task name -> queue it is routed to, as the app would route it, for every project task."""
    from qismet_portal import celery_app

    celery_app.loader.import_default_modules()
    router = celery_app.amqp.router
    return {
        name: router.route(extract_exec_options(task), name)["queue"].name
        for name, task in celery_app.tasks.items()
        if not name.startswith("celery.")
    }


def test_worker_queues_are_the_queues_tasks_are_routed_to():
    worker_queues = set(option_value(command_of("worker"), "-Q", "--queues").split(","))
    routes = _routed_queues()
    known = {settings.CELERY_TASK_DEFAULT_QUEUE, *routes.values()}
    unknown = worker_queues - known
    assert not unknown, (
        f"the worker consumes {sorted(unknown)}, but no task is routed there "
        f"(routes: {routes}, default queue: {settings.CELERY_TASK_DEFAULT_QUEUE})"
    )
    consumed = {
        q
        for argv in celery_services().values()
        if "worker" in argv
        for q in (option_value(argv, "-Q", "--queues") or settings.CELERY_TASK_DEFAULT_QUEUE).split(
            ","
        )
    }
    orphans = {name: queue for name, queue in routes.items() if queue not in consumed}
    assert not orphans, f"tasks routed to a queue no worker consumes: {orphans}"


def test_the_worker_registers_every_task_in_the_code():
    """A worker knows only the tasks its app imports; a task defined elsewhere is 'unregistered'."""
    task_modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in ROOT.glob("*/tasks.py")
        if path.parent.name not in {"tests", ".venv"}
    ) + sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in ROOT.glob("*/tasks/*.py")
        if path.name != "__init__.py"
    )
    script = (
        "import importlib, json\n"
        "from celery.app.utils import find_app\n"
        "app = find_app('qismet_portal')\n"
        "app.loader.import_default_modules()\n"
        "loaded = {n for n in app.tasks if not n.startswith('celery.')}\n"
        f"for module in {task_modules!r}:\n"
        "    importlib.import_module(module)\n"
        "defined = {n for n in app.tasks if not n.startswith('celery.')}\n"
        "print(json.dumps({'loaded': sorted(loaded), 'defined': sorted(defined)}))\n"
    )
    env = production_env(DJANGO_SETTINGS_MODULE="qismet_portal.settings.test")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert "qismet_portal.ping" in found["defined"]
    unregistered = sorted(set(found["defined"]) - set(found["loaded"]))
    assert not unregistered, (
        f"a worker started with `celery -A qismet_portal` would not know these tasks: "
        f"{unregistered}. Import their modules from the Celery app (autodiscovery covers "
        "INSTALLED_APPS only)."
    )


# --- health checks, volumes, environment -------------------------------------------------------


def test_health_checks_on_postgres_redis_and_web():
    svc = services()
    for name in ("postgres", "redis", "web"):
        assert svc[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "pg_isready" in " ".join(svc["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(svc["redis"]["healthcheck"]["test"])
    web_test = svc["web"]["healthcheck"]["test"]
    script = next(a for a in web_test if a.endswith(".py"))
    assert (ROOT / script).is_file() and not dockerignored(script)
    assert "/health/" in (ROOT / script).read_text()
    assert resolve("/health/").url_name == "health"


def test_application_services_wait_for_healthy_services_and_migrations():
    svc = services()
    for name in ("web", "worker", "beat"):
        depends = svc[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert command_of("migrate")[-2:] == ["migrate", "--noinput"]
    assert svc["migrate"]["restart"] == "no"


def test_named_volumes_are_declared_and_mounted():
    data = compose()
    declared = set(data.get("volumes") or {})
    used = set()
    for name, service in data["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/", "~", "$")):
                used.add(source)
                assert source in declared, f"{name} uses undeclared volume {source}"
    assert used == declared, f"declared but unused: {declared - used}"

    def mounts(service: str) -> dict[str, str]:
        return {v.split(":")[1]: v.split(":")[0] for v in data["services"][service]["volumes"]}

    assert "/var/lib/postgresql/data" in mounts("postgres")
    for name in ("web", "worker"):
        private_root = data["services"][name]["environment"]["PRIVATE_MEDIA_ROOT"]
        assert private_root == "/data/private"
        assert private_root in mounts(name), f"{name}: private media is not on a volume"


def test_compose_variables_are_documented_in_env_example():
    undocumented = compose_interpolated_names() - env_example_names()
    assert not undocumented, f"add to .env.example: {sorted(undocumented)}"


def test_application_environment_is_read_by_the_settings():
    read = settings_env_names()
    for name in APP_SERVICES:
        unread = {
            key
            for key in services()[name]["environment"]
            if key not in read and key not in READ_OUTSIDE_SETTINGS
        }
        assert not unread, f"{name} passes variables nothing reads: {sorted(unread)}"


def test_env_example_lists_every_variable_the_settings_read():
    names = settings_env_names()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"} <= names
    missing = names - env_example_names()
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_documents_nothing_stale():
    stale = env_example_names() - settings_env_names() - compose_interpolated_names()
    assert not stale, f".env.example documents variables nothing reads: {sorted(stale)}"


# --- the image -----------------------------------------------------------------------------------


def test_dockerfile_builds_from_files_that_exist():
    instructions = dockerfile_instructions(app_dockerfile())
    base = next(args for keyword, args in instructions if keyword == "FROM")
    assert base == "python:3.11-slim-bookworm"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert ">=3.11" in requires

    copied = []
    for keyword, args in instructions:
        if keyword in {"COPY", "ADD"} and "--from" not in args:
            sources = [a for a in shlex.split(args) if not a.startswith("--")][:-1]
            copied += sources
    assert "pyproject.toml" in copied and "uv.lock" in copied, copied
    for source in copied:
        if source != ".":
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
            assert not dockerignored(source), f"COPY {source}: excluded by .dockerignore"

    runs = " && ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "uv sync --frozen --no-dev" in runs
    assert re.search(r"collectstatic", runs)
    env_lines = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "qismet_portal.settings.production" in env_lines
    installed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", runs.split("apt-get install", 1)[1]))
    assert installed >= DEBIAN_RUNTIME_PACKAGES, DEBIAN_RUNTIME_PACKAGES - installed


def test_image_runs_as_an_unprivileged_user():
    users = [
        args for keyword, args in dockerfile_instructions(app_dockerfile()) if keyword == "USER"
    ]
    assert users and users[-1] not in {"root", "0"}, users


def test_build_context_excludes_local_state_but_keeps_what_the_build_needs():
    for path in (".venv", ".data", "test-artifacts", ".git", ".env", "accounts/__pycache__"):
        assert dockerignored(path), f"{path} is sent to the image build"
    for path in ("pyproject.toml", "uv.lock", "manage.py", "qismet_portal/settings/base.py"):
        assert not dockerignored(path), f"{path} is excluded from the image build"


def test_debian_packages_of_the_image_exist():
    apt_cache = shutil.which("apt-cache")
    require_service(bool(apt_cache), "apt-cache")
    probe = subprocess.run([apt_cache, "show", "python3"], capture_output=True, timeout=60)
    require_service(probe.returncode == 0, "Debian's package lists (apt-get update)")
    for package in sorted(DEBIAN_RUNTIME_PACKAGES):
        result = subprocess.run([apt_cache, "show", package], capture_output=True, timeout=60)
        assert result.returncode == 0, f"Debian has no package {package}"


# --- production settings under gunicorn ----------------------------------------------------------


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """gunicorn with production settings, static files collected as the image build does."""
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        QISMET_DATA_DIR=str(tmp),
        WEB_CONCURRENCY="1",
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    argv = [a for a in command_of("web")[1:] if not a.startswith("--bind")]
    log = (tmp / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *argv, f"--bind=127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        if process.poll() is not None:
            pytest.fail("gunicorn did not start:\n" + (tmp / "gunicorn.log").read_text())
        yield {"port": port, "env": env, "static_root": tmp / "static", "log": tmp / "gunicorn.log"}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
        log.close()


def fetch(port: int, path: str, **headers: str):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": "portal.example.org", **headers}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_container_health_check_passes_against_gunicorn(production_server):
    script = ROOT / next(a for a in services()["web"]["healthcheck"]["test"] if a.endswith(".py"))
    result = subprocess.run(
        [sys.executable, str(script)],
        env={**production_server["env"], "PORT": str(production_server["port"])},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr + production_server["log"].read_text()


def test_plain_http_is_redirected_to_https_except_the_health_check(production_server):
    port = production_server["port"]
    assert fetch(port, "/health/").status == 200
    response = fetch(port, "/accounts/login/")
    assert response.status == 301
    assert response.headers["Location"] == "https://portal.example.org/accounts/login/"


def test_whitenoise_serves_hashed_static_files(production_server):
    manifest = json.loads((production_server["static_root"] / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    assert hashed != "css/portal.css"
    response = fetch(
        production_server["port"], f"/static/{hashed}", **{"X-Forwarded-Proto": "https"}
    )
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    page = fetch(production_server["port"], "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert page.status == 200
    assert f"/static/{hashed}" in page.read().decode()


def test_static_files_keep_their_cache_lifetime_and_deny_browser_features(production_server):
    manifest = json.loads((production_server["static_root"] / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    response = fetch(
        production_server["port"], f"/static/{hashed}", **{"X-Forwarded-Proto": "https"}
    )
    assert response.status == 200
    assert "no-store" not in response.headers["Cache-Control"]
    assert "camera=()" in response.headers["Permissions-Policy"]


# --- the reverse proxy ---------------------------------------------------------------------------


def compose_default(value: str) -> str:
    """`${NAME:-default}` as compose resolves it with NAME unset."""
    return re.sub(r"\$\{[A-Z_][A-Z0-9_]*:?-([^}]*)\}", r"\1", value)


def gunicorn_port() -> str:
    return option_value(command_of("web"), "--bind").rsplit(":", 1)[1]


def test_gunicorn_is_reachable_only_through_the_proxy():
    svc = services()
    assert "ports" not in svc["web"], "web must not publish gunicorn on the host"
    assert [str(p) for p in svc["web"]["expose"]] == [gunicorn_port()]
    published = [compose_default(str(p)) for p in svc["proxy"]["ports"]]
    assert "80:80" in published and "443:443" in published
    for name, service in svc.items():
        if name != "proxy":
            assert "ports" not in service, f"{name} publishes a port; only the proxy may"


def test_proxy_runs_caddy_with_the_repositorys_caddyfile_and_a_health_check():
    proxy = services()["proxy"]
    assert proxy["image"].startswith("caddy:")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in proxy["volumes"]}
    assert (ROOT / mounts["/etc/caddy/Caddyfile"]).resolve() == CADDYFILE
    assert CADDYFILE.is_file()
    assert "127.0.0.1:2019" in " ".join(proxy["healthcheck"]["test"])
    assert "admin 127.0.0.1:2019" in CADDYFILE.read_text()
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "PORTAL_BASE_URL" in proxy["environment"]


def test_caddyfile_proxies_to_gunicorn_and_compresses():
    text = CADDYFILE.read_text()
    assert "{$PORTAL_BASE_URL}" in text
    assert re.search(r"(?m)^\s*encode zstd gzip$", text)
    upstream = re.search(r"reverse_proxy \{\$PORTAL_UPSTREAM:([\w.-]+):(\d+)\}", text)
    assert upstream and upstream.groups() == ("web", gunicorn_port())
    # Trusting a client's X-Forwarded-For at the proxy would let it pick its address again.
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert "trusted_proxies" not in code


def test_web_trusts_forwarded_addresses_only_from_the_proxys_network():
    data = compose()
    svc = data["services"]
    edge = list(svc["proxy"]["networks"])
    assert edge == ["edge"], "the proxy sits on the edge network only"
    on_edge = {name for name, s in svc.items() if "edge" in (s.get("networks") or [])}
    assert on_edge == {"proxy", "web"}
    subnet = compose_default(data["networks"]["edge"]["ipam"]["config"][0]["subnet"])
    trusted = compose_default(svc["web"]["environment"]["DJANGO_TRUSTED_PROXIES"])
    assert trusted == subnet == "172.30.42.0/24"
    for name in ("worker", "beat", "migrate"):
        assert "DJANGO_TRUSTED_PROXIES" not in svc[name]["environment"], name


def test_caddyfile_is_valid():
    caddy = shutil.which("caddy")
    require_service(bool(caddy), "caddy (Debian package caddy)")
    result = subprocess.run(
        [caddy, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env={**os.environ, "PORTAL_BASE_URL": "https://portal.example.org"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{process.args[0]} did not start:\n" + log.read_text())


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


@pytest.fixture(scope="module")
def proxied_server(production_server, tmp_path_factory):
    """The compose shape on one machine: Caddy with the repository's Caddyfile in front of
    gunicorn, which trusts forwarded addresses from the proxy only."""
    caddy = shutil.which("caddy")
    require_service(bool(caddy), "caddy (Debian package caddy)")
    tmp = tmp_path_factory.mktemp("proxied")
    web_port, proxy_port, admin_port = free_port(), free_port(), free_port()
    env = {
        **production_server["env"],
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1/32",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    argv = [a for a in command_of("web")[1:] if not a.startswith("--bind")]
    web_log, proxy_log = tmp / "gunicorn.log", tmp / "caddy.log"
    processes = []
    try:
        with web_log.open("w") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", *argv, f"--bind=127.0.0.1:{web_port}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_for_port(web_port, processes[0], web_log)
        config = tmp / "Caddyfile"
        config.write_text(
            CADDYFILE.read_text().replace("127.0.0.1:2019", f"127.0.0.1:{admin_port}")
        )
        proxy_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp),
            "XDG_DATA_HOME": str(tmp / "data"),
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "PORTAL_BASE_URL": f"http://127.0.0.1:{proxy_port}",
            "PORTAL_UPSTREAM": f"127.0.0.1:{web_port}",
        }
        with proxy_log.open("w") as log:
            processes.append(
                subprocess.Popen(
                    [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
                    env=proxy_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_for_port(proxy_port, processes[1], proxy_log)
        yield {
            "port": proxy_port,
            "admin_port": admin_port,
            "web_log": web_log,
            "proxy_log": proxy_log,
        }
    finally:
        for process in reversed(processes):
            _stop(process)


def _sign_in_failure(port: int, email: str, forwarded_for: str) -> int:
    """One wrong password through the proxy, claiming to come from ``forwarded_for``."""
    page = urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/"), timeout=10
    )
    cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": "a wrong guess"}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/accounts/login/",
        data=body,
        headers={"Cookie": f"csrftoken={cookie}", "X-Forwarded-For": forwarded_for},
    )
    try:
        return urllib.request.urlopen(request, timeout=10).status  # noqa: S310
    except urllib.error.HTTPError as error:
        return error.code


def test_through_the_proxy_a_spoofed_forwarded_address_is_ignored(proxied_server):
    """Each request claims a new address; the proxy replaces the claim with the address it sees,
    so the limit per account and address still stops the sixth guess."""
    email = f"someone-{time.time_ns()}@example.org"
    port = proxied_server["port"]
    statuses = [_sign_in_failure(port, email, f"203.0.113.{n}") for n in range(6)]
    assert statuses == [200] * 5 + [429], proxied_server["web_log"].read_text()[-3000:]


def test_the_proxy_health_check_url_answers(proxied_server):
    """The compose health check fetches the admin API's /config/ (on a test port here)."""
    url = next(a for a in services()["proxy"]["healthcheck"]["test"] if a.startswith("http"))
    url = url.replace("127.0.0.1:2019", f"127.0.0.1:{proxied_server['admin_port']}")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert json.loads(response.read())["apps"]["http"]


def test_the_health_report_is_not_served_through_the_proxy(proxied_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{proxied_server['port']}/health/", timeout=10)
    assert refused.value.code == 404


def test_the_proxy_compresses_pages(proxied_server):
    request = urllib.request.Request(
        f"http://127.0.0.1:{proxied_server['port']}/accounts/login/",
        headers={"Accept-Encoding": "gzip"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Permissions-Policy"]
        assert "Server" not in response.headers


# --- the README's promises -----------------------------------------------------------------------

README = ROOT / "README.md"
UV_INSTALL = 'python3 -m pip install --quiet "uv==0.13.8"'


def readme_shell_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_quick_start_is_two_commands():
    quick_start = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick_start, re.S)
    assert commands == [
        f"{UV_INSTALL} && uv run manage.py demo",
        f"{UV_INSTALL} && uv run pytest",
    ]
    assert "http://127.0.0.1:8000/" in quick_start


def test_readme_lists_the_demo_logins_and_password():
    from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD

    text = README.read_text()
    listed = set(re.findall(r"(?m)^\| ([\w.+-]+@[\w.-]+) \|", text))
    assert listed == {login.email for login in DEMO_LOGINS}
    assert f"`{DEMO_PASSWORD}`" in text


def test_readme_names_only_management_commands_that_exist():
    named = set(re.findall(r"manage\.py (\w+)", README.read_text()))
    assert {"demo", "import_standard", "export_standard", "migrate"} <= named
    missing = named - set(get_commands())
    assert not missing, f"README documents unknown management commands: {sorted(missing)}"


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"(?m)^\s*CI=true uv run pytest\b", ci)
    assert "status == 5" in ci  # "no tests collected" is a failure
    assert "uv sync --frozen" in ci


def test_demo_sets_up_on_a_fresh_checkout(tmp_path):
    """The README's run command on a machine with no data folder yet (set-up only, no server)."""
    from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CI"}
        and not k.startswith(("DJANGO_", "CELERY_", "PYTEST_"))
    }
    env["QISMET_DATA_DIR"] = str(tmp_path / "not-yet-created")
    result = subprocess.run(
        [sys.executable, "manage.py", "demo", "--no-serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "http://127.0.0.1:8000/" in result.stdout
    assert DEMO_PASSWORD in result.stdout
    for login in DEMO_LOGINS:
        assert login.email in result.stdout
