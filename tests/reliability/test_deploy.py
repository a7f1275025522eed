"""Deployment: security headers and cookies under the production settings, secrets only from
the environment, every dependency pinned. (`check --deploy` itself: tests/test_foundation.py.)"""

import json
import re
import subprocess

import pytest
from pathlib import Path

from tests.test_foundation import PRODUCTION, run_django

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="hashar.example.org", HTTP_X_FORWARDED_PROTO="https")
page = client.get("/health/")  # pages need collectstatic's manifest; headers are the same
plain = Client(HTTP_HOST="hashar.example.org").get("/health/")
print(json.dumps({
    "status": page.status_code, "headers": dict(page.headers),
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "debug": settings.DEBUG,
}))
"""


def test_production_responses_carry_the_security_headers(figures):
    result = run_django("shell", "-c", PROBE, env=PRODUCTION)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["status"] == 200 and not seen["debug"]
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert seen["csrf_cookie_secure"] and seen["session_cookie_secure"]
    assert seen["session_cookie_httponly"]
    # plain HTTP is sent to HTTPS
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://")
    figures("security headers", "production: HSTS 1 year + subdomains, CSP default-src 'self', "
            "X-Frame-Options DENY, nosniff, Referrer-Policy same-origin, COOP, secure CSRF "
            "and session cookies, HttpOnly session, HTTP → HTTPS 301 OK")


# what a hard-coded secret looks like; the development defaults are the only allowed ones
SECRET = re.compile(
    r"""(?ix)
    (secret_key|password|passwd|api_key|apikey|token|private_key)["']?\s*[=:]\s*["'][^"'\s]{12,}["']
    | -----BEGIN\ (RSA\ |EC\ |OPENSSH\ |DSA\ )?PRIVATE\ KEY-----
    | AKIA[0-9A-Z]{16}
    | postgres(ql)?://[^:/\s"']+:[^@/\s"'$]{6,}@(?!db\.example\.org|localhost|127\.0\.0\.1)
    """)
ALLOWED = ("dev-only-insecure-key-",)  # config/settings.py's development default


def secrets_in(text: str) -> list[str]:
    return [match.group(0)[:80] for match in SECRET.finditer(text)
            if not any(allowed in match.group(0) for allowed in ALLOWED)]


# one of each kind the scan looks for: each must be found (a scan that finds nothing proves
# nothing), and so must nothing in the repository
PLANTED = {
    "Django secret key": 'SECRET_KEY = "9f8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"',
    "password, single quotes": "password='hunter2-correct-horse'",
    "password in a mapping": '"password": "Tashkent-2026-winter"',
    "API key": "api_key = 'sk_live_51HxYzAbCdEfGhIjKl'",
    "token": 'TOKEN: "ghp_abcdefghijklmnopqrstuvwxyz0123456789"',
    "RSA private key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n",
    "OpenSSH private key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n",
    "bare private key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n",
    "AWS access key": "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "database URL with a password": "DATABASE_URL=postgres://hashar:s3cr3t-pw@10.0.0.5:5432/h",
}
HARMLESS = ['SECRET_KEY = env.str("DJANGO_SECRET_KEY")',
            'SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-xxxxxxxx")',
            "password = forms.CharField(widget=forms.PasswordInput)",
            "DATABASE_URL=postgres://u:p@db.example.org:5432/hashar"]


@pytest.mark.parametrize("kind", list(PLANTED))
def test_the_secret_scan_finds_each_kind_of_planted_secret(kind):
    assert secrets_in(f"# settings\nx = 1\n{PLANTED[kind]}\ny = 2\n"), kind


def test_the_secret_scan_leaves_what_is_not_a_secret():
    assert [secrets_in(text) for text in HARMLESS] == [[]] * len(HARMLESS)


def test_no_secrets_are_hard_coded_in_the_repository(figures):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    scanned, found = 0, []
    for name in files:
        path = ROOT / name
        if (name.startswith(("tests/", "locale/", ".venv/", "var/")) or not path.is_file()
                or path.suffix in (".png", ".jpg", ".mo", ".xlsx", ".pdf", ".ico", ".woff2")
                or path.stat().st_size > 2_000_000):
            continue
        scanned += 1
        found += [(name, secret) for secret in secrets_in(path.read_text(errors="replace"))]
    assert scanned > 50 and not found, found
    figures("secrets", f"{scanned} tracked files scanned → 0 hard-coded secrets; the scan "
            f"finds each of {len(PLANTED)} kinds of planted secret and none of "
            f"{len(HARMLESS)} look-alikes OK")


def test_production_refuses_to_start_without_a_secret_key():
    """Production reads its secret from the environment only: without one it does not
    start (asserted by running it, not by reading settings.py's text)."""
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}
    result = run_django("check", env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_every_dependency_is_pinned(figures):
    lines = [line.split("#")[0].strip() for line in
             (ROOT / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    loose = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line)]
    assert not loose, loose
    figures("pinned", f"{len(lines)} requirements, every one pinned with == OK")


def test_the_offline_vulnerability_audit_finds_a_known_vulnerable_pin(tmp_path):
    """bench/vulnerabilities.py against safety-db: a Django of 2019 with published advisories
    is found; today's pins are checked, each of them."""
    from bench.vulnerabilities import audit_offline, pinned

    old = tmp_path / "requirements.txt"
    old.write_text("Django==2.2.1\nrequests==2.31.0\n")
    found = audit_offline(old)
    assert found["checked"] == 2 and [name for name, *_ in found["vulnerable"]] == ["django"]
    assert found["vulnerable"][0][2]  # the advisories' ids
    ours = audit_offline(ROOT / "requirements.txt")
    assert ours["checked"] == len(pinned(ROOT / "requirements.txt")) >= 25
