"""What every write shares: one transaction and an audit context naming the actor."""

import functools

import pghistory
from django.db import transaction


def service(func):
    """Run a service in one transaction (nested ones become savepoints), with the acting
    user and the service's name attached to every audit event it causes."""

    @functools.wraps(func)
    def wrapper(*args, actor, **kwargs):
        with transaction.atomic(), pghistory.context(user=actor.pk if actor else None,
                                                     service=func.__name__):
            return func(*args, actor=actor, **kwargs)

    return wrapper
