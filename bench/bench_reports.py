"""The regional report over the whole data set against one hand-written GROUP BY over the
same cached totals that the report reads (the totals the ledger keeps on each project, in its
own transaction), giving the same sums per district (checked)."""

import statistics
import time

from django.db import connection

from .common import Line, count_queries

TOTALS_SQL = """
SELECT mh.district_id, count(*), sum(p.received), sum(p.matched), sum(p.disbursed)
FROM matching_project p
JOIN matching_mahalla mh ON mh.id = p.mahalla_id
WHERE p.scheme_id = ANY(%(schemes)s) AND p.currency = %(currency)s
  AND p.status <> ALL(%(unsubmitted)s)
GROUP BY mh.district_id
"""
REPEAT = 7


def run(scheme: str) -> list[Line]:
    from matching.models import Scheme
    from matching.querysets import UNSUBMITTED_STATES
    from matching.reports.common import Filters
    from matching.reports.regional import regional_report

    country = Scheme.objects.get(code=scheme).country_id  # the bench scheme's country
    filters = Filters(scheme=scheme, country=country)
    params = {"schemes": filters.scheme_ids, "unsubmitted": list(UNSUBMITTED_STATES)}

    def report():
        return regional_report(Filters(scheme=scheme, country=country))

    first = report()
    params["currency"] = first.currency

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(TOTALS_SQL, params)
            return {row[0]: row[1:] for row in cursor.fetchall()}

    # same sums: the report's district rows against the GROUP BY over the same totals
    sums = baseline()
    rows = {r["id"]: r for r in first.table("districts").rows}
    agree = bool(sums) and all(
        (rows[d]["projects"], rows[d]["received"], rows[d]["matched"], rows[d]["disbursed"])
        == sums[d] for d in sums) and sum(r["projects"] for r in rows.values()) == \
        sum(s[0] for s in sums.values())
    # interleaved, so that a burst of other work weighs on both alike
    measured, base = [], []
    for _ in range(REPEAT):
        for work, times in ((report, measured), (baseline, base)):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    measured, base = statistics.median(measured), statistics.median(base)
    queries = count_queries(report)
    return [Line("regional report (whole data set)", measured * 1000, base * 1000, "ms",
                 "<= 1.5 x GROUP BY of totals", measured <= 1.5 * base and agree, str(queries),
                 f"({len(sums)} districts; sums {'equal' if agree else 'DIFFER'})")]
