"""Re-matching a fiscal year with a share of its projects drifted, against the pure rules
computation on the same inputs.

The drift is made inside the timed run's transaction (untimed), so every timed run finds
and corrects it, and the transaction is rolled back: a stored match one unit below what the
rules give, on the co-funders' commitments of DRIFTED of the year's open projects (as if a
correction had been lost). The baseline reads the same drifted inputs (untimed) and times
`drifted()`, the pure rules over every project of the year."""

import os
import time

from django.db import connection

from django.test.utils import CaptureQueriesContext

from .common import Line, rolled_back

# the shares of projects drifted; 1.0 (every project) takes minutes on 100,000 projects
DRIFTED = [float(x) for x in os.environ.get("BENCH_DRIFTED", "0.1,1.0").split(",")]

DRIFT_SQL = """
UPDATE matching_commitment c SET matched = c.matched - 1
FROM matching_project p JOIN matching_scheme s ON s.id = p.scheme_id
WHERE c.project_id = p.id AND s.fiscal_year = %(year)s AND p.status = ANY(%(open)s)
  AND p.scheme_version_id IS NOT NULL AND c.role <> %(association)s AND c.matched >= 1
  AND p.id %% 1000 < %(per_mille)s
"""


def run(year: int) -> list[Line]:
    from matching.models import ASSOCIATION_ROLE, User
    from matching.services.projects import OPEN_STATES
    from matching.services.recompute import drifted, matches_recompute, year_inputs

    admin = User.objects.get(username="admin")
    lines = []
    for share in DRIFTED:
        def drift(share=share):
            with connection.cursor() as cursor:
                cursor.execute(DRIFT_SQL, {"year": year, "open": list(OPEN_STATES),
                                           "association": ASSOCIATION_ROLE,
                                           "per_mille": round(share * 1000)})
                return cursor.rowcount

        def full(_drifted):  # the query log costs nothing measurable next to the work
            with CaptureQueriesContext(connection) as captured:
                summary = matches_recompute(fiscal_year=year, actor=admin)
            return summary, len(captured.captured_queries)

        def pure(_drifted):
            inputs = year_inputs(year)
            start = time.perf_counter()
            changed = drifted(*inputs)
            return time.perf_counter() - start, changed

        measured, (summary, queries) = rolled_back(full, drift)
        base, changed = rolled_back(pure, drift)[1]
        corrected = len(summary.changed)
        if corrected != len(changed) or not corrected:
            raise RuntimeError(f"{corrected} corrected, {len(changed)} drifted")
        per = (measured - base) / corrected * 1000
        lines.append(Line(
            f"re-matching, {share:.0%} drifted", measured, base, "s", "<= 3 x pure rules"
            if share < 1 else "informational", measured <= 3 * base if share < 1 else True,
            str(queries), f"({summary.projects} projects, {corrected} corrected, "
            f"{per:.2f} ms a correction over the pure rules)"))
    return lines
