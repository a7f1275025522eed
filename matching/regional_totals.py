"""Reading and checking the regional summary rows (`models/summaries.RegionalTotal`).

`SOURCE` reads them as this transaction sees them: the folded rows plus the changes this
transaction made and has not folded yet (they are folded at its commit), so that a report
read inside a writing transaction, or a test, sees its own writes. `differences()`
recomputes every row from the cached totals on projects, commitments and pledges (which
`ledger.verify` checks against the ledger's entries) and names each row that disagrees.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from .models.summaries import KEY

SUMS = ("projects", "received", "matched", "disbursed", "pledged")
_KEY, _SUMS = ", ".join(KEY), ", ".join(SUMS)
_TOTALS = ", ".join(f"sum({s})" for s in SUMS)

# The rows as this transaction sees them (a FROM item, aliased t).
SOURCE = f"""(SELECT {_KEY}, {_SUMS} FROM matching_regionaltotal
    UNION ALL
    SELECT {_KEY}, {_SUMS} FROM matching_regionalpending) t"""
LIVE_SQL = f"SELECT {_KEY}, {_TOTALS} FROM {SOURCE} GROUP BY {_KEY}"

# What the rows must hold: a GROUP BY over the cached totals (the migration's fill), of the
# projects `{where}` selects (p).
RECOMPUTE_SQL = f"""
SELECT {_KEY}, {_TOTALS} FROM (
    SELECT mh.district_id, p.scheme_id, p.currency, p.status, '' AS role,
           '' AS pledge_currency, 1 AS projects, p.received, p.matched, p.disbursed,
           0 AS pledged
    FROM matching_project p JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    WHERE {{where}}
    UNION ALL
    SELECT mh.district_id, p.scheme_id, p.currency, p.status, c.role, '', 0, 0, c.matched,
           c.disbursed, 0
    FROM matching_commitment c JOIN matching_project p ON p.id = c.project_id
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    WHERE {{where}}
    UNION ALL
    SELECT mh.district_id, p.scheme_id, p.currency, p.status, '', pl.currency, 0, 0, 0, 0,
           pl.amount
    FROM matching_pledge pl JOIN matching_project p ON p.id = pl.project_id
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    WHERE pl.status = 'announced' AND {{where}}) t
GROUP BY {_KEY}"""


def add_loaded_projects(cursor, first_id: int) -> None:
    """Add the projects from `first_id` on (with their commitments and pledges), loaded with
    the triggers off (`demo/bulk.py`: COPY under session_replication_role = replica), as
    pending changes, folded at commit. Run with the triggers back on."""
    cursor.execute(f"INSERT INTO matching_regionalpending ({_KEY}, {_SUMS}) "
                   + RECOMPUTE_SQL.format(where="p.id >= %(first)s"), {"first": first_id})


def fold_now() -> None:
    """Fold this transaction's pending changes into the summary rows now, as its commit
    would (for tests and checks that run inside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS matching_regional_fold IMMEDIATE")
        cursor.execute("SET CONSTRAINTS matching_regional_fold DEFERRED")


def _by_key(rows) -> dict[tuple, tuple]:
    return {tuple(r[:len(KEY)]): tuple(r[len(KEY):]) for r in rows}


def differences() -> list[tuple[tuple, str, Decimal, Decimal]]:
    """(key, figure, kept, recomputed) for every figure of a summary row that disagrees with
    the cached totals; a row missing on either side counts as zeros."""
    with connection.cursor() as cursor:
        cursor.execute(LIVE_SQL)
        kept = _by_key(cursor.fetchall())
        cursor.execute(RECOMPUTE_SQL.format(where="true"))
        recomputed = _by_key(cursor.fetchall())
    zeros = (0,) * len(SUMS)
    found = []
    for key in sorted(kept.keys() | recomputed.keys(), key=str):
        for name, have, want in zip(SUMS, kept.get(key, zeros), recomputed.get(key, zeros)):
            if have != want:
                found.append((key, name, Decimal(have), Decimal(want)))
    return found

