"""Reads with domain names: `Project.objects.visible_to(user)`, `Project.objects.public()`,
`Pledge.objects.visible_to(user)`, `Tranche.objects.overdue(on)` ...

Scope comes from `policies.scope_q`, the one definition of who may read which project; each
model that hangs off a project names its path to it (`project_path`).
"""

from django.db import models
from django.db.models import Q


class ScopedQuerySet(models.QuerySet):
    """A queryset of records that belong to a project, filtered by the reader's scope."""

    project_path = "project__"

    def visible_to(self, user):
        from . import policies  # noqa: PLC0415 (policies import the models)

        return self.filter(policies.scope_q(user, self.project_path))


class ProjectQuerySet(ScopedQuerySet):
    project_path = ""

    def public(self):
        """Approved projects and later; a suspended or cancelled one only if it was approved
        (it then carries the scheme version it was approved under)."""
        return self.filter(Q(status__in=PUBLIC_STATES)
                           | Q(status__in=("suspended", "cancelled"),
                               scheme_version__isnull=False))

    def in_review(self):
        return self.filter(status__in=REVIEW_STATES)


class PledgeQuerySet(ScopedQuerySet):
    def announced(self):
        return self.filter(status="announced")

    def with_received(self):
        """Each pledge with `received_amount`, the receipts recorded against it in its own
        currency (one sent in another currency cannot be set against it without a cross
        rate: it is listed with the receipts), and `missing`, what is still to come."""
        from django.db.models import DecimalField, F, Sum, Value  # noqa: PLC0415
        from django.db.models.functions import Coalesce, Greatest  # noqa: PLC0415

        zero = Value(0, output_field=DecimalField(max_digits=18, decimal_places=2))
        received = Coalesce(Sum("receipts__amount", filter=Q(
            receipts__status="recorded", receipts__currency=F("currency"))), zero)
        return self.annotate(received_amount=received).annotate(
            missing=Greatest(F("amount") - F("received_amount"), zero))


class TrancheQuerySet(ScopedQuerySet):
    project_path = "commitment__project__"

    def unpaid(self):
        return self.filter(paid_on__isnull=True)

    def overdue(self, on):
        """Unpaid and due before `on`, of a project still taking money (a closed or cancelled
        project's unpaid tranches were released, not forgotten)."""
        return self.unpaid().filter(due_on__lt=on, commitment__project__status__in=OPEN_STATES)


# The states named here, as strings, so that this module imports no model at load time.
PUBLIC_STATES = ("approved", "conditionally_approved", "funding", "funded", "in_progress",
                 "completed", "closed")
REVIEW_STATES = ("submitted", "under_review", "deferred")
OPEN_STATES = ("approved", "conditionally_approved", "funding", "funded", "in_progress")
