"""The regional report over the whole data set against one hand-written GROUP BY over the
ledger that gives the same sums per district."""

from django.db import connection

from .common import Line, best_of, count_queries

LEDGER_SQL = """
SELECT d.id,
       sum(e.amount) FILTER (WHERE e.kind IN ('receipt', 'refund')) AS received,
       sum(e.amount) FILTER (WHERE e.kind = 'match' AND e.role <> 'association') AS matched,
       sum(e.amount) FILTER (WHERE e.kind IN ('disbursement', 'clawback')) AS disbursed
FROM matching_ledgerentry e
JOIN matching_project p ON p.id = e.project_id
JOIN matching_scheme s ON s.id = p.scheme_id
JOIN matching_mahalla m ON m.id = p.mahalla_id
JOIN matching_district d ON d.id = m.district_id
WHERE s.code = %s
GROUP BY d.id
"""


def run(scheme: str) -> list[Line]:
    from matching.reports.common import Filters
    from matching.reports.regional import regional_report

    def report():
        return regional_report(Filters(scheme=scheme))

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(LEDGER_SQL, [scheme])
            return {row[0]: row[1:] for row in cursor.fetchall()}

    # same sums: the report's district rows against the ledger's own GROUP BY
    sums = baseline()
    rows = {r["id"]: r for r in report().table("districts").rows}
    agree = all((rows[d]["received"], rows[d]["matched"], rows[d]["disbursed"]) ==
                tuple(v or 0 for v in sums[d]) for d in sums)
    measured, base = best_of(report, 5), best_of(baseline, 5)
    queries = count_queries(report)
    return [Line("regional report (whole data set)", measured * 1000, base * 1000, "ms",
                 "<= 1.5 x (0.1 x for summary)", measured <= 1.5 * base, str(queries),
                 "" if agree else "SUMS DIFFER FROM THE LEDGER")]
