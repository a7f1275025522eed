"""What every write shares: one transaction, an audit context naming the actor, and no text
that an output could not carry."""

import functools

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import InvalidInput
from ..text import CONTROL_MESSAGE, find_control


def refuse_control_characters(values: dict) -> None:
    """Refuse, naming the field, any text among `values` with a control character that XML
    (IATI, XLSX) cannot carry: every form, API call and import that writes passes a service,
    so this is where such text is stopped."""
    field = find_control(values)
    if field is not None:
        raise InvalidInput(_(CONTROL_MESSAGE), field=field)


def service(func):
    """Run a service in one transaction (nested ones become savepoints), with the acting
    user and the service's name attached to every audit event it causes. Text arguments with
    control characters are refused before anything runs."""

    @functools.wraps(func)
    def wrapper(*args, actor, **kwargs):
        refuse_control_characters(kwargs)
        with transaction.atomic(), pghistory.context(user=actor.pk if actor else None,
                                                     service=func.__name__):
            return func(*args, actor=actor, **kwargs)

    return wrapper


def record_decision(record, *, status: str, actor, reason: str = "", also: tuple = ()) -> None:
    """Save a decision on a locked application or proposal: its new status, the reason,
    who decided and when (fields every decided record has), plus `also`."""
    record.status, record.reason = status, reason
    record.decided_by, record.decided_at = actor, timezone.now()
    record.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at",
                               *also])


def required_reason(reason: str, message) -> str:
    """The reason, stripped; refused (on the field `reason`) when empty."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(message, field="reason")
    return reason
