"""Errors that services raise for the callers (web, API, tasks) to show, never a 500.

Each carries a plain message for people, an optional field it is about, and a stable code.
"""


class ServiceError(Exception):
    code = "invalid"
    status = 422

    def __init__(self, message, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class InvalidInput(ServiceError):
    """The request itself is wrong: a value out of range, a missing file."""

    code = "invalid"
    status = 400


class NotAllowed(ServiceError):
    """The project's state, a four-eyes rule or an eligibility rule refuses the action."""

    code = "not_allowed"
    status = 409


class Conflict(ServiceError):
    """The same thing already exists (a bank reference recorded twice) or ran out (envelope)."""

    code = "conflict"
    status = 409


class Forbidden(ServiceError):
    """The user's role or scope does not allow the action."""

    code = "forbidden"
    status = 403
