"""Reliability checks: concurrency, faults, hostile input, access, deployment, data.

Every check reports its figures through `figures(check, line)`: the line goes to the test's
output and, when RELIABILITY_REPORT names a file (bench/reliability.py sets it), to that file,
one JSON object a line, for `make reliability` to print.

RELIABILITY_FULL=1 (set by `make reliability`) runs the full sizes and the slow fault
scenarios; without it the suite runs a bounded version of each fast check.
"""

import json
import os

import pytest

from ..concurrency import race  # noqa: F401 - the reliability tests import it from here

FULL = os.environ.get("RELIABILITY_FULL") == "1"


def full_only(reason: str):
    return pytest.mark.skipif(not FULL, reason=f"{reason}: runs in `make reliability`")


def report(check: str, line: str) -> None:
    print(f"{check}: {line}")
    path = os.environ.get("RELIABILITY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"check": check, "line": line}) + "\n")


@pytest.fixture
def figures():
    return report


def money(amount) -> str:
    return f"{amount:,.2f}"


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Throttle counters live in the shared Redis: each test gets its own key prefix."""
    import uuid

    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"hashar-rel-{uuid.uuid4().hex}"}}
