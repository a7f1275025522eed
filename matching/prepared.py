"""Prepared statements for the API's hot reads.

Django's PostgreSQL cursors bind parameters on the client, so PostgreSQL parses and plans
every statement anew. For the project list's six-table join, planning costs several times the
execution: 2.7 ms a page against 0.6 ms once prepared (bench/README.md). The hot reads (token
authentication, the project list and detail, the waterfall) run on `prepared_cursor()`
instead: a server-binding cursor, wrapped like every Django cursor (so it is counted by
assertNumQueries and logged), whose statements PostgreSQL plans once per connection.

This needs OPTIONS["prepare_threshold"] to be a number (config/settings.py sets 0): Django's
ordinary cursors bind on the client and never prepare, so only these statements are prepared.
Behind a connection pooler in transaction mode, use one that keeps prepared statements
(PgBouncer 1.21 or later with max_prepared_statements). A prepared statement lives as long
as its connection (CONN_MAX_AGE): restart the web workers after a migration that changes the
columns these statements read, as a deploy does.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections

from . import routing
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper
from django.db.models.query import ValuesIterable


def prepared_cursor(using: str | None = None):
    """A cursor whose statements are prepared on first use; a plain one where that cannot be.
    On the database `using`, or where the router sends this request's reads (a replica, for
    the API's reads: matching/routing.py).

    An execute wrapper (pghistory's audit context during a write) may prepend statements to
    the SQL, which a prepared statement cannot hold: then the ordinary cursor is used (the
    replicas' own wrapper, which only watches for failures, does not count).
    """
    connection = connections[using or routing.read_alias()]
    wrappers = [w for w in connection.execute_wrappers if not getattr(w, "permanent", False)]
    if wrappers or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:  # DEBUG, or a test counting queries
        return _LoggedCursor(cursor, connection)
    return connection.make_cursor(cursor)


class _LoggedCursor(CursorDebugWrapper):
    """Logs a prepared statement as written, with its parameters: PostgreSQL never sees
    it with the values in, so there is no "last executed query" to ask psycopg for."""

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        return super().debug_sql(sql, params, use_last_executed_query=False, many=many)


class PreparedValuesIterable(ValuesIterable):
    """`.values()` rows read through `prepared_cursor()`; set it on a values queryset with
    `prepared_values(queryset)`. For plain columns and annotations only: no converters run
    (psycopg already returns Decimal, datetime and str)."""

    def __iter__(self):
        query = self.queryset.query
        try:
            sql, params = query.get_compiler(self.queryset.db).as_sql()
        except EmptyResultSet:  # a scope that lets nothing through
            return
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        with prepared_cursor(self.queryset.db) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for row in rows:
            yield dict(zip(names, row))


def prepared_values(queryset):
    """The same `.values()` queryset, evaluated with a prepared statement."""
    queryset._iterable_class = PreparedValuesIterable
    return queryset
