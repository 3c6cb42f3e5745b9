"""Production settings refuse to run without their secrets, pass Django's deployment checks, and
send a Content-Security-Policy that the templates can keep (no inline script or style)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
PRODUCTION = "qismet_portal.settings.production"
GOOD_SECRET = secrets.token_urlsafe(64)[:64]


def scrubbed_env(**values: str | None) -> dict[str, str]:
    """Only what a process needs to run Python; none of the portal's variables leak in."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DATABASE_URL="postgres://qismet@db.invalid:5432/qismet",
        REDIS_URL="redis://redis.invalid:6379/0",
    )
    env.update(values)
    for name in [k for k, v in env.items() if v is None]:
        del env[name]
    return env


def django_setup(**values: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=scrubbed_env(**values),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- refusing to start ---------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_database_url():
    result = django_setup(
        DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="portal.example.org", DATABASE_URL=None
    )
    assert result.returncode != 0
    assert "Set the DATABASE_URL environment variable" in result.stderr


def test_production_refuses_to_start_without_redis():
    result = django_setup(
        DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="portal.example.org", REDIS_URL=None
    )
    assert result.returncode != 0
    assert "REDIS_URL must point at the Redis server" in result.stderr


def test_production_believes_forwarded_addresses_only_from_configured_proxies():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXIES); print(hasattr(settings, 'ALLAUTH_TRUSTED_PROXY_COUNT'))"
    )
    base = {"DJANGO_SECRET_KEY": GOOD_SECRET, "DJANGO_ALLOWED_HOSTS": "portal.example.org"}
    unset = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=scrubbed_env(**base),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unset.stdout.split() == ["[]", "False"], unset.stderr
    configured = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=scrubbed_env(**base, DJANGO_TRUSTED_PROXIES="172.30.42.0/24,10.0.0.1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert configured.stdout.splitlines()[0] == "['172.30.42.0/24', '10.0.0.1']", configured.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = django_setup(DJANGO_ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = django_setup(DJANGO_SECRET_KEY="too-short", DJANGO_ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be at least 50 random characters" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = django_setup(DJANGO_SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_refuses_empty_allowed_hosts():
    result = django_setup(DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must name the host(s)" in result.stderr


def test_production_starts_with_its_secrets():
    result = django_setup(DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="portal.example.org")
    assert result.returncode == 0, result.stderr


def test_deployment_checks_pass_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=scrubbed_env(DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="portal.example.org"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- Content-Security-Policy ---------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
INLINE_STYLE_BLOCK = re.compile(r"<style\b", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
# htmx's hx-on evaluates attribute text as code, which the policy forbids (no 'unsafe-eval').
HX_ON = re.compile(r"\s(?:data-)?hx-on\b", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)
JSON_SCRIPT = re.compile(r"""<script\b[^>]*\btype\s*=\s*["']application/(?:ld\+)?json""", re.I)

CHECKS = {
    "inline <script> without src": INLINE_SCRIPT,
    "<style> block": INLINE_STYLE_BLOCK,
    "inline event handler (on...=)": INLINE_HANDLER,
    'style="…" attribute': STYLE_ATTRIBUTE,
    "hx-on attribute": HX_ON,
    "javascript: URL": JAVASCRIPT_URL,
}


def csp_problems(html: str) -> list[str]:
    problems = []
    for label, pattern in CHECKS.items():
        for match in pattern.finditer(html):
            if pattern is INLINE_SCRIPT and JSON_SCRIPT.match(match.group(0)):
                continue  # data blocks (json_script) are not executed
            line = html.count("\n", 0, match.start()) + 1
            problems.append(f"line {line}: {label}: {match.group(0).strip()[:80]}")
    return problems


def browser_templates() -> list[Path]:
    """Templates rendered into pages a browser shows under the CSP. Email bodies and print (PDF)
    templates are not: mail clients and WeasyPrint do not apply the policy."""
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not {"email", "pdf"} & set(path.relative_to(TEMPLATES).parts[:-1])
    ]


def test_csp_header_allows_no_inline_script_or_style(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = csp_directives(header)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    for directive in ("script-src", "style-src", "default-src"):
        values = directives.get(directive, [])
        assert "'unsafe-inline'" not in values, directive
        assert "'unsafe-eval'" not in values, directive
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]


def test_templates_hold_no_inline_script_style_or_handlers():
    templates = browser_templates()
    assert any(p.name == "base.html" for p in templates)
    problems = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := csp_problems(path.read_text()))
    }
    assert not problems, "\n".join(f"{path}: {p}" for path, ps in problems.items() for p in ps)


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/accounts/password/reset/", "/nowhere/"]
)
def test_rendered_pages_hold_no_inline_script_style_or_handlers(client, db, path):
    """Catches markup from third-party templates (allauth, crispy forms) too."""
    response = client.get(path)
    assert response.status_code in {200, 404}
    assert response.headers.get("Content-Security-Policy")
    problems = csp_problems(response.content.decode())
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_htmx_keeps_within_the_policy():
    """htmx injects an inline <style> for request indicators and may eval, unless told not to."""
    base = (TEMPLATES / "base.html").read_text()
    assert "htmx" in base, "base.html loads htmx"
    config = re.search(r"""<meta\s+name=["']htmx-config["']\s+content='([^']*)'""", base)
    assert config, "base.html needs <meta name='htmx-config'> to keep htmx inside the CSP"
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
