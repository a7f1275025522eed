"""Bulk import of pledges: columns project, amount, currency, expected_on.

The pledge service's rules (the user's scope, a positive amount in a known currency kept to the
unit, a project still taking money, an association whose registration is valid today) applied
to the whole file inside the database, because 100,000 rows are too many for Django objects:

1. the rows are copied (COPY) into a temporary table;
2. the rules about the project (scope, status, registration) are the `checks` module's own,
   run in Python once per distinct project code, under the projects' row locks;
3. the rules about each row (currency, amount, date, a pledge twice in the file, a pledge
   already imported) are one SQL statement, whose messages are the services' messages,
   translated here and passed as parameters;
4. one statement writes the pledges (the audit trigger records each, in the engine's
   pghistory context naming the user) and every row's outcome for the report.

`tests/imports/test_pledge_sql.py` holds the SQL rules to the service's on a table of cases.
Notifications: one `pledges.imported` outbox event per file; its handler tells each project's
clerks once. Pledges write no ledger entry: a pledge is a promise, not money; the ledger moves
when the receipt arrives.
"""

from __future__ import annotations

import contextlib
import json

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import currencies, outbox
from ..models import ImportKind, PledgeStatus, RowOutcome
from . import checks
from .engine import Row
from .readers import read_columns

KIND = ImportKind.PLEDGES
COLUMNS = ["project", "amount", "currency", "expected_on"]
STAGE, CHECKED = "import_pledge_stage", "import_pledge_checked"


def read(filename: str, content: bytes) -> list[tuple]:
    return read_columns(filename, content, COLUMNS)


def import_staged(rows: list[tuple], *, actor, open_batch):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {STAGE} (line integer, project text, amount text, "
                       f"currency text, expected_on text) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(CHECK_SQL, {**_project_params(cursor, actor), **check_params()})
        cursor.execute(f"""SELECT count(*), count(*) FILTER (WHERE errors <> '{{}}'),
                                  count(*) FILTER (WHERE skipped),
                                  count(*) FILTER (WHERE errors = '{{}}' AND NOT skipped)
                           FROM {CHECKED}""")
        total, failed, skipped, valid = cursor.fetchone()
        batch, write = open_batch(total=total, failed=failed, skipped=skipped, valid=valid)
        with _foreign_keys_checked_now(cursor, ["matching_pledge", "matching_importrow"]):
            cursor.execute(WRITE_SQL, {"write": write, "batch": batch.pk, "kind": KIND,
                                       "actor": actor.pk, "now": timezone.now(),
                                       "announced": PledgeStatus.ANNOUNCED, **OUTCOMES})
        cursor.execute(f"DROP TABLE {STAGE}, {CHECKED}")
    if write and valid:
        outbox.emit("pledges.imported", import_batch_id=batch.pk)
    return batch


@contextlib.contextmanager
def _foreign_keys_checked_now(cursor, tables: list[str]):
    """Check the tables' deferred foreign keys at the end of the statement, not at commit.

    Why: the audit trigger runs an INSERT for every row, and PostgreSQL rescans the queue of
    pending deferred checks after each of them, so one 100,000-row INSERT with deferred foreign
    keys costs O(n²) (20,000 rows: 4.7 s; 40,000: 14.5 s; immediate: 0.9 s and 1.7 s). The
    rows are checked all the same, just sooner; the keys are deferred again afterwards.
    """
    cursor.execute("""SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint
                      WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'
                        AND condeferred""", [tables])
    names = cursor.fetchone()[0]
    if names:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    if names:
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


def _project_params(cursor, actor) -> dict:
    """Each distinct project code of the file, checked once by the services' own rules."""
    cursor.execute(f"SELECT DISTINCT project FROM {STAGE}")
    codes = [code for (code,) in cursor.fetchall()]
    projects = checks.lock_projects(set(codes))
    allowed = checks.scope_check(actor)
    today = timezone.localdate()
    ids, associations, errors = [], [], []
    for code in codes:
        row = Row(line=0)
        found = checks.project(row, code, projects, allowed)
        if found is not None:
            checks.registration(row, found, today)
        ids.append(found.pk if found is not None else None)
        associations.append(found.association_id if found is not None else None)
        errors.append(json.dumps(row.errors))
    return {"codes": codes, "project_ids": ids, "association_ids": associations,
            "project_errors": errors}


def check_params() -> dict:
    """The currency table and the messages of services.money._amount and
    currencies.amount_error, in the user's language."""
    return {
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


# Row by row, in the order of the Python checks: the currency (missing, unknown, not kept to
# the unit), then the amount only when the currency is usable, then the date (ISO or the
# banks' dd.mm.yyyy, a real day). A row with no error gets the content key the earlier imports
# stored (checks.content_key of kind, project id, amount as written, currency, ISO date); the
# second row with the same key is refused, the first is skipped if an earlier file created it.
CHECK_SQL = f"""
CREATE TEMP TABLE {CHECKED} ON COMMIT DROP AS
WITH typed AS MATERIALIZED (
    SELECT s.line, pc.project_id, pc.association_id, COALESCE(pc.errors, '{{}}') AS errors,
           upper(s.currency) AS currency, cu.places,
           CASE WHEN s.amount ~ '^-?[0-9]{{1,20}}(\\.[0-9]{{1,20}})?$'
                THEN s.amount::numeric END AS amount,
           CASE WHEN s.expected_on ~ '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}$'
                THEN s.expected_on
                WHEN s.expected_on ~ '^[0-9]{{1,2}}\\.[0-9]{{1,2}}\\.[0-9]{{4}}$'
                THEN regexp_replace(s.expected_on, '^([0-9]+)\\.([0-9]+)\\.([0-9]+)$',
                                    '\\3-\\2-\\1') END AS iso_date
    FROM {STAGE} s
    LEFT JOIN unnest(%(currencies)s::text[], %(places)s::int[]) AS cu (code, places)
           ON cu.code = upper(s.currency)
    LEFT JOIN unnest(%(codes)s::text[], %(project_ids)s::bigint[],
                     %(association_ids)s::bigint[], %(project_errors)s::jsonb[])
           AS pc (code, project_id, association_id, errors) ON pc.code = s.project
), ruled AS MATERIALIZED (
    SELECT t.line, t.project_id, t.association_id, t.currency, t.amount, t.errors,
           CASE WHEN pg_input_is_valid(t.iso_date, 'date') THEN t.iso_date::date
                END AS expected_on,
           CASE WHEN t.currency = '' THEN %(m_currency_missing)s
                WHEN t.places IS NULL THEN %(m_currency_unknown)s
                WHEN t.places > 2 THEN replace(%(m_currency_unit)s, %(c)s, t.currency)
                END AS currency_error,
           CASE WHEN t.currency = '' OR t.places IS NULL OR t.places > 2 THEN NULL
                WHEN t.amount IS NULL THEN %(m_not_decimal)s
                WHEN abs(t.amount) >= %(max_amount)s THEN %(m_too_large)s
                WHEN t.amount < 0 THEN %(m_negative)s
                WHEN t.amount = 0 THEN %(m_zero)s
                WHEN trunc(t.amount, t.places) <> t.amount THEN %(m_decimals)s
                END AS amount_error,
           CASE WHEN t.iso_date IS NULL OR NOT pg_input_is_valid(t.iso_date, 'date')
                THEN %(m_date)s END AS date_error
    FROM typed t
), keyed AS MATERIALIZED (
    SELECT r.line, r.project_id, r.association_id, r.currency, r.amount, r.expected_on,
           r.errors || jsonb_strip_nulls(jsonb_build_object(
               'currency', {_listed('r.currency_error')},
               'amount', {_listed('r.amount_error')},
               'expected_on', {_listed('r.date_error')})) AS errors,
           CASE WHEN r.errors = '{{}}' AND r.currency_error IS NULL AND r.amount_error IS NULL
                     AND r.date_error IS NULL
                THEN encode(sha256(convert_to(concat_ws(
                    chr(31), %(kind)s, r.project_id::text, r.amount::text, r.currency,
                    to_char(r.expected_on, 'YYYY-MM-DD')), 'UTF8')), 'hex') END AS key
    FROM ruled r
), firsts AS MATERIALIZED (
    SELECT k.*, min(k.line) OVER (PARTITION BY k.key COLLATE "C") AS first_line FROM keyed k
)
SELECT f.line, f.project_id, f.association_id, f.amount, f.currency, f.expected_on, f.key,
       CASE WHEN f.key IS NOT NULL AND f.line > f.first_line
            THEN jsonb_build_object('line', jsonb_build_array(
                     replace(%(m_same)s, %(l)s, f.first_line::text)))
            ELSE f.errors END AS errors,
       f.key IS NOT NULL AND f.line = f.first_line AND EXISTS (
           SELECT 1 FROM matching_importrow done
           WHERE done.kind = %(kind)s AND done.outcome = 'created' AND done.key <> ''
             AND done.key = f.key) AS skipped
FROM firsts f
"""

OUTCOMES = {f"o_{o.value}": o.value for o in RowOutcome}

# Identifiers are drawn first (nextval, in line order) so that each report row names the
# pledge its line created; the pledges and the report are then one statement.
WRITE_SQL = f"""
WITH ids AS (
    SELECT c.line, nextval((SELECT pg_get_serial_sequence('matching_pledge', 'id'))) AS id
    FROM {CHECKED} c
    WHERE %(write)s AND c.errors = '{{}}' AND NOT c.skipped
    ORDER BY c.line
), pledges AS (
    INSERT INTO matching_pledge (id, project_id, association_id, amount, currency, expected_on,
                                 status, announced_by_id, created_at)
    SELECT ids.id, c.project_id, c.association_id, c.amount, c.currency, c.expected_on,
           %(announced)s, %(actor)s, %(now)s
    FROM {CHECKED} c JOIN ids ON ids.line = c.line
    ORDER BY ids.id
)
INSERT INTO matching_importrow (batch_id, kind, line, outcome, errors, key, object_id)
SELECT %(batch)s, %(kind)s, c.line,
       CASE WHEN c.errors <> '{{}}' THEN %(o_failed)s WHEN c.skipped THEN %(o_skipped)s
            WHEN ids.id IS NOT NULL THEN %(o_created)s ELSE %(o_not_imported)s END,
       c.errors, CASE WHEN ids.id IS NOT NULL THEN c.key ELSE '' END, ids.id
FROM {CHECKED} c LEFT JOIN ids ON ids.line = c.line
"""
