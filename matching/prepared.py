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


class PagePerMahallaIterable(ValuesIterable):
    """A page of `.values()` rows of projects ordered by id, for a scope that is a set of
    mahallas (`policies.scope_mahallas_sql`), read so that PostgreSQL stops after a page.

    Filtering the scope and ordering by id made PostgreSQL fetch every project of the scope
    and sort them to keep 50 (a clerk's 1,385 at 100,000 projects: a cost that grows with the
    data; bench/README.md). Here each mahalla of the scope gives its first `high` ids in the
    order of the index `project_mahalla_newest` (mahalla, id), with the page's filters and
    cursor (a LATERAL subquery that stops at `high` rows); those few ids are merged and cut to
    the page, and only then are the page's rows read with their names, in one prepared
    statement.

    The queryset evaluated is the page's ids as the paginator leaves it: built on
    `per_mahalla_ids()` (whose condition names the mahalla of the LATERAL), filtered, with
    its cursor, ordering by id and slice. The class carries the scope's mahallas (SQL and
    parameters) and the `.values()` queryset of the rows (page_per_mahalla makes it).
    """

    mahallas: tuple[str, list] = ("", [])
    rows = None
    _outer: dict = {}

    @classmethod
    def outer(cls, ordering: str) -> tuple[str, list[str]]:
        """The rows' statement around a page of ids `{page}`, and its column names: compiled
        once per class and ordering (the ORM's compilation costs more than the statement)."""
        key = (id(cls.rows), ordering)
        if key not in PagePerMahallaIterable._outer:
            from django.db.models.expressions import RawSQL

            rows = cls.rows.filter(id__in=RawSQL("{page}", ())).order_by(ordering)
            sql, params = rows.query.get_compiler(rows.db).as_sql()
            assert not params and sql.count("{page}") == 1, sql
            query = rows.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            PagePerMahallaIterable._outer[key] = (sql.replace("{page}", "{{page}}")
                                                  .replace("{", "{{").replace("}", "}}")
                                                  .replace("{{{{page}}}}", "{page}"), names)
        return PagePerMahallaIterable._outer[key]

    def __iter__(self):
        queryset = self.queryset
        query = queryset.query
        (ordering,) = query.order_by
        if ordering not in ("id", "-id"):
            raise ValueError(f"a page per mahalla is ordered by id, not {ordering!r}")
        low, high = query.low_mark, query.high_mark
        if high is None:
            raise ValueError("a page per mahalla needs the page's slice")
        inner = queryset._chain()  # each mahalla's first `high`, from the first
        inner.query.clear_limits()
        inner.query.set_limits(high=high)
        try:
            inner_sql, inner_params = inner.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            return
        scope_sql, scope_params = self.mahallas
        direction = "DESC" if ordering.startswith("-") else "ASC"
        outer_sql, names = self.outer(ordering)
        sql = outer_sql.format(page=(
            f"SELECT page.id FROM ({scope_sql}) scope_m (id) CROSS JOIN LATERAL ({inner_sql}) "
            f"page ORDER BY page.id {direction} LIMIT {high - low} OFFSET {low}"))
        with prepared_cursor(queryset.db) as cursor:
            cursor.execute(sql, (*scope_params, *inner_params))
            rows = cursor.fetchall()
        for row in rows:
            yield dict(zip(names, row))


def per_mahalla_ids(model):
    """`model`'s ids, each in the mahalla of a PagePerMahallaIterable's LATERAL: the queryset
    that a page per mahalla is built on (filter it, then page_per_mahalla)."""
    from django.db.models.expressions import RawSQL

    return model.objects.filter(mahalla_id=RawSQL("scope_m.id", ())).values("id")


def page_per_mahalla(ids, mahallas: tuple[str, list], rows):
    """`ids` (built on per_mahalla_ids, filtered, not scoped) evaluated as a page of `rows` in
    the scope of the mahallas `mahallas` (SQL and parameters; see PagePerMahallaIterable)."""
    ids = ids._chain()  # the class, not the queryset, carries them: querysets copy their class
    ids._iterable_class = type("PagePerMahalla", (PagePerMahallaIterable,),
                               {"mahallas": mahallas, "rows": rows})
    return ids
