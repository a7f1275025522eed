"""The pinned requirements against safety-db, PyUp's vulnerability database as a PyPI
package: the one database of Python advisories on the package registries that works without
a network service. (npm's @renovatebot/osv-offline-db is a library that downloads its data at
run time; pip-audit and OSV need their web services.) bench/reliability.py runs it."""

from __future__ import annotations

import datetime
import importlib.util
import json
import re
from importlib import metadata
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PINNED = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s#;]+)")


def pinned(requirements: Path) -> list[tuple[str, str]]:
    found = []
    for raw in requirements.read_text().splitlines():
        match = PINNED.match(raw.strip())
        if match:
            found.append((canonicalize_name(match.group(1)), match.group(3)))
    return found


def audit_offline(requirements: Path) -> dict:
    """{"checked", "vulnerable": [(name, version, advisory ids)], "version", "as_of"}."""
    spec = importlib.util.find_spec("safety_db")  # not imported: its __init__ reads a
    if spec is None or spec.origin is None:      # relative path and fails anywhere else
        raise ImportError("safety-db is not installed")
    database = json.loads((Path(spec.origin).parent / "insecure_full.json").read_text())
    meta = database.pop("$meta", {})
    by_name = {canonicalize_name(name): advisories for name, advisories in database.items()}
    checked, vulnerable = 0, []
    for name, version in pinned(requirements):
        checked += 1
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        ids = []
        for advisory in by_name.get(name, []):
            for spec in advisory.get("specs", []):
                try:
                    if parsed in SpecifierSet(spec):
                        ids.append(advisory.get("cve") or advisory.get("id"))
                        break
                except InvalidSpecifier:
                    continue
        if ids:
            vulnerable.append((name, version, ids))
    as_of = (datetime.datetime.fromtimestamp(meta["timestamp"], datetime.UTC).date().isoformat()
             if "timestamp" in meta else "unknown")
    return {"checked": checked, "vulnerable": vulnerable, "as_of": as_of,
            "version": metadata.version("safety-db")}
