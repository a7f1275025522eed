"""Bulk import of pledges: columns project, amount, currency, expected_on.

The pledge service's rules (the user's scope, a positive amount in a known currency kept to the
unit, a project still taking money, an association whose registration is valid today) applied
to the whole file inside the database, because 100,000 rows are too many for Django objects:

1. the rows are copied (COPY) into a temporary table;
2. the rules about the project (scope, status, registration) are the `checks` module's own,
   run in Python once per distinct project code, under the projects' row locks;
3. the rules about each row (currency, amount, date, a pledge twice in the file, a pledge
   already imported) are one SQL statement, whose messages are the services' messages,
   translated here and passed as parameters; like the project rules, the amount and date
   rules run once per distinct value of the file;
4. one statement writes the pledges, each naming its batch, line and content key, and a
   report row for each row not imported. The audit records the pledges with one trigger per
   statement (Pledge is `audited(statement_inserts=True)`): one audit row per pledge, in the
   engine's pghistory context naming the user.

A row is "already imported" when a pledge of the same project has its key. No unique index
stands behind that (one more index written per pledge): the projects' row locks do. Two
imports naming the same project run one after the other from `lock_projects` on, and the
second one's checking statement, a new snapshot, sees the first one's pledges.

`tests/imports/test_pledge_sql.py` holds the SQL rules to the service's on a table of cases.
Notifications: one `pledges.imported` outbox event per file; its handler tells each project's
clerks once. Pledges write no ledger entry: a pledge is a promise, not money; the ledger moves
when the receipt arrives.
"""

from __future__ import annotations

import datetime
import json

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import bounds, currencies, outbox
from ..jobs.progress import NO_PROGRESS
from ..models import ImportKind, PledgeStatus, RowOutcome
from . import checks
from .engine import Row
from .readers import read_columns

KIND = ImportKind.PLEDGES
STEPS = 4  # reading, staging (COPY), checking (one statement), writing (one statement)
COLUMNS = ["project", "amount", "currency", "expected_on"]
STAGE, CHECKED = "import_pledge_stage", "import_pledge_checked"


def read(filename: str, content: bytes) -> list[tuple]:
    return read_columns(filename, content, COLUMNS)


def import_staged(rows: list[tuple], *, actor, open_batch, progress=NO_PROGRESS):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {STAGE} (line integer NOT NULL, project text NOT NULL, "
                       f"amount text NOT NULL, currency text NOT NULL, "
                       f"expected_on text NOT NULL) ON COMMIT DROP")
        progress.step("staging", total=len(rows))
        with cursor.cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
            # (no look at the cancel flag during the COPY: the connection is busy with it)
            for row in progress.rows(rows, chunk=5000, check=False):
                copy.write_row(row)
        # the row count and distinct values, for hash joins rather than sorts of 100,000 rows;
        # and the memory to keep those hashes, sorts and the audit trigger's transition table
        # off the disk, for these statements only
        cursor.execute(f"ANALYZE {STAGE}")
        params = _project_params(cursor, actor)
        cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', '64MB', true)")
        [(work_mem, _set)] = cursor.fetchall()
        progress.step("checking")
        cursor.execute(CHECK_SQL, {**params, **check_params()})
        cursor.execute(f"""SELECT count(*), count(*) FILTER (WHERE errors <> '{{}}'),
                                  count(*) FILTER (WHERE skipped),
                                  count(*) FILTER (WHERE errors = '{{}}' AND NOT skipped)
                           FROM {CHECKED}""")
        total, failed, skipped, valid = cursor.fetchone()
        batch, write = open_batch(total=total, failed=failed, skipped=skipped, valid=valid)
        progress.step("writing")
        cursor.execute(WRITE_SQL, {"write": write, "batch": batch.pk, "kind": KIND,
                                   "actor": actor.pk, "now": timezone.now(),
                                   "announced": PledgeStatus.ANNOUNCED, **OUTCOMES})
        cursor.execute(f"DROP TABLE {STAGE}, {CHECKED}")
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
    if write and valid:
        outbox.emit("pledges.imported", import_batch_id=batch.pk)
    return batch


def _project_params(cursor, actor) -> dict:
    """Each distinct project code of the file, checked once by the services' own rules."""
    cursor.execute(f"SELECT DISTINCT project FROM {STAGE}")
    codes = [code for (code,) in cursor.fetchall()]
    projects = checks.lock_projects(set(codes), actor, "pledge")
    today = timezone.localdate()
    ids, associations, errors = [], [], []
    for code in codes:
        row = Row(line=0)
        found = checks.project(row, code, projects)
        if found is not None:
            checks.registration(row, found, today)
        ids.append(found.pk if found is not None else None)
        associations.append(found.association_id if found is not None else None)
        errors.append(json.dumps(row.errors))
    return {"codes": codes, "project_ids": ids, "association_ids": associations,
            "project_errors": errors}


def check_params() -> dict:
    """The currency table, the window of expected dates (bounds.window) and the messages of
    services.money.checked_amount, currencies.amount_error and bounds.date_problem, in the user's
    language."""
    earliest, latest = bounds.window("expected")
    return {
        "earliest": earliest, "latest": latest,
        "m_window": bounds.date_problem(earliest - datetime.timedelta(days=1), "expected"),
        "kind": KIND, "currencies": list(currencies.MINOR_UNITS),
        "places": list(currencies.MINOR_UNITS.values()),
        "max_amount": currencies.MAX_AMOUNT, "c": "%(c)s", "l": "%(line)s",
        "m_currency_missing": _("Give the currency."),
        "m_currency_unknown": _("Unknown currency."),
        "m_currency_unit": _("Amounts in %(c)s cannot be kept to the unit."),
        "m_not_decimal": _("Not a valid decimal number."),
        "m_too_large": _("Amount is too large."),
        "m_negative": _("Must not be negative."),
        "m_zero": _("Must be greater than zero."),
        "m_decimals": _("Too many decimal places for the currency."),
        "m_date": _("Give the date as YYYY-MM-DD or DD.MM.YYYY."),
        "m_same": _("Same pledge as line %(line)s."),
    }


def _listed(column: str) -> str:
    """The error as a one-message list, or NULL (which jsonb_strip_nulls drops)."""
    return f"CASE WHEN {column} IS NOT NULL THEN jsonb_build_array({column}) END"


# In the order of the Python checks: the currency (missing, unknown, not kept to the unit),
# then the amount only when the currency is usable, then the date (ISO or the banks'
# dd.mm.yyyy, a real day). Like the project rules, these are checked once per distinct value
# of the file (`amounts`: each (amount, currency) as written; `dates`, each within the window
# of expected dates, bounds.window), not once per row, and
# each row joins its three verdicts. A row with no error gets the content key the earlier
# imports stored (checks.content_key of kind, project id, amount as written, currency, ISO
# date); the second row with the same key is refused, the first is skipped if a pledge of an
# earlier file has it.
CHECK_SQL = f"""
CREATE TEMP TABLE {CHECKED} ON COMMIT DROP AS
WITH amounts AS MATERIALIZED (
    SELECT a.amount AS amount_text, a.currency AS currency_text, v.currency, v.amount,
           CASE WHEN v.currency = '' THEN %(m_currency_missing)s
                WHEN cu.places IS NULL THEN %(m_currency_unknown)s
                WHEN cu.places > 2 THEN replace(%(m_currency_unit)s, %(c)s, v.currency)
                END AS currency_error,
           CASE WHEN v.currency = '' OR cu.places IS NULL OR cu.places > 2 THEN NULL
                WHEN v.amount IS NULL THEN %(m_not_decimal)s
                WHEN abs(v.amount) >= %(max_amount)s THEN %(m_too_large)s
                WHEN v.amount < 0 THEN %(m_negative)s
                WHEN v.amount = 0 THEN %(m_zero)s
                WHEN trunc(v.amount, cu.places) <> v.amount THEN %(m_decimals)s
                END AS amount_error
    FROM (SELECT DISTINCT amount, currency FROM {STAGE}) a
    CROSS JOIN LATERAL (
        SELECT upper(a.currency) AS currency,
               CASE WHEN a.amount ~ '^-?[0-9]{{1,20}}(\\.[0-9]{{1,20}})?$'
                    THEN a.amount::numeric END AS amount) v
    LEFT JOIN unnest(%(currencies)s::text[], %(places)s::int[]) AS cu (code, places)
           ON cu.code = v.currency
), amounts_ruled AS MATERIALIZED (
    SELECT a.*, jsonb_strip_nulls(jsonb_build_object(
               'currency', {_listed('a.currency_error')},
               'amount', {_listed('a.amount_error')})) AS errors
    FROM amounts a
), parsed_dates AS MATERIALIZED (
    SELECT d.expected_on AS date_text,
           CASE WHEN pg_input_is_valid(i.iso, 'date') THEN i.iso::date END AS expected_on
    FROM (SELECT DISTINCT expected_on FROM {STAGE}) d
    CROSS JOIN LATERAL (
        SELECT CASE WHEN d.expected_on ~ '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}$'
                    THEN d.expected_on
                    WHEN d.expected_on ~ '^[0-9]{{1,2}}\\.[0-9]{{1,2}}\\.[0-9]{{4}}$'
                    THEN regexp_replace(d.expected_on, '^([0-9]+)\\.([0-9]+)\\.([0-9]+)$',
                                        '\\3-\\2-\\1') END AS iso) i
), dates AS MATERIALIZED (
    SELECT p.*, CASE WHEN p.expected_on IS NULL THEN %(m_date)s::text
                     WHEN p.expected_on NOT BETWEEN %(earliest)s AND %(latest)s
                     THEN %(m_window)s::text END AS date_error
    FROM parsed_dates p
), projects AS (
    SELECT * FROM unnest(%(codes)s::text[], %(project_ids)s::bigint[],
                         %(association_ids)s::bigint[], %(project_errors)s::jsonb[])
           AS pc (code, project_id, association_id, errors)
), keyed AS MATERIALIZED (
    SELECT s.line, pc.project_id, pc.association_id, a.amount, a.currency, d.expected_on,
           CASE WHEN pc.errors = '{{}}' AND a.errors = '{{}}' AND d.date_error IS NULL
                THEN '{{}}'::jsonb
                ELSE pc.errors || a.errors || CASE WHEN d.date_error IS NOT NULL THEN
                     jsonb_build_object('expected_on', jsonb_build_array(d.date_error))
                     ELSE '{{}}' END END AS errors,
           CASE WHEN pc.errors = '{{}}' AND a.errors = '{{}}' AND d.date_error IS NULL
                THEN encode(sha256(convert_to(concat_ws(
                    chr(31), %(kind)s, pc.project_id::text, a.amount::text, a.currency,
                    to_char(d.expected_on, 'YYYY-MM-DD')), 'UTF8')), 'hex') END AS key
    FROM {STAGE} s
    JOIN projects pc ON pc.code = s.project
    JOIN amounts_ruled a ON a.amount_text = s.amount AND a.currency_text = s.currency
    JOIN dates d ON d.date_text = s.expected_on
)
SELECT k.line, k.project_id, k.association_id, k.amount, k.currency, k.expected_on, k.key,
       CASE WHEN firsts.line < k.line
            THEN jsonb_build_object('line', jsonb_build_array(
                     replace(%(m_same)s, %(l)s, firsts.line::text)))
            ELSE k.errors END AS errors,
       firsts.line = k.line AND done.key IS NOT NULL AS skipped
FROM keyed k
LEFT JOIN (SELECT key, min(line) AS line FROM keyed WHERE key IS NOT NULL GROUP BY key)
       AS firsts ON firsts.key = k.key
LEFT JOIN (SELECT DISTINCT import_key AS key FROM matching_pledge
           WHERE project_id = ANY(%(project_ids)s::bigint[]) AND import_key <> '')
       AS done ON done.key = k.key
"""

OUTCOMES = {f"o_{o.value}": o.value for o in RowOutcome}

# The pledges, each naming its file, line and content key (the report lists the imported rows
# from there: no report row per pledge), then a report row for every row not imported. Plus,
# for now, one "created" report row per project of the file, naming its first pledge: the
# `pledges.imported` notification handler reads those to tell each project's clerks once.
# The report itself reads created rows from the pledges, never from these.
WRITE_SQL = f"""
WITH pledges AS (  -- imported rows are listed from their pledges (engine.report_rows)
    INSERT INTO matching_pledge (project_id, association_id, amount, currency, expected_on,
                                 status, announced_by_id, created_at, import_batch_id,
                                 import_line, import_key)
    SELECT c.project_id, c.association_id, c.amount, c.currency, c.expected_on,
           %(announced)s, %(actor)s, %(now)s, %(batch)s, c.line, c.key
    FROM {CHECKED} c
    WHERE %(write)s AND c.errors = '{{}}' AND NOT c.skipped
    ORDER BY c.line  -- identifiers in line order: a project's first line has its least id
)
INSERT INTO matching_importrow (batch_id, kind, line, outcome, errors, key, object_id)
SELECT %(batch)s, %(kind)s, c.line,
       CASE WHEN c.errors <> '{{}}' THEN %(o_failed)s WHEN c.skipped THEN %(o_skipped)s
            ELSE %(o_not_imported)s END,
       c.errors, '', NULL::bigint
FROM {CHECKED} c
WHERE c.errors <> '{{}}' OR c.skipped OR NOT %(write)s
"""
