"""The database backend of the read replicas (config/settings.py gives it to every
`replica_N` alias): Django's PostgreSQL backend that tells the router when a replica fails
under a request (it cannot connect, or a query fails: the server stopped, or recovery cancelled
the query), so that the router skips it and the request is answered from the primary."""

from django.db import DatabaseError
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # not removed by the `execute_wrapper()` context managers, which pop their own
        self.execute_wrappers.append(self._report_failure)

    def ensure_connection(self):
        try:
            super().ensure_connection()
        except DatabaseError as error:
            self._failed(error)
            raise

    def _report_failure(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except DatabaseError as error:
            self._failed(error)
            raise

    _report_failure.permanent = True  # matching/prepared.py: not an audit-context wrapper

    def _failed(self, error):
        from matching import routing  # noqa: PLC0415

        routing.replica_failed(self.alias, error)
