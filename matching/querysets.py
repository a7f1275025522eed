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


class TrancheQuerySet(ScopedQuerySet):
    project_path = "commitment__project__"

    def unpaid(self):
        return self.filter(paid_on__isnull=True)

    def overdue(self, on):
        """Unpaid and due before `on`."""
        return self.unpaid().filter(due_on__lt=on)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user, session_key: str = ""):
        """The jobs `user` (or the visitor of `session_key`) may read (policies)."""
        from . import policies  # noqa: PLC0415

        return self.filter(policies.job_scope_q(user, session_key))

    def unfinished(self):
        return self.filter(status__in=("queued", "running"))


# The states named here, as strings, so that this module imports no model at load time.
PUBLIC_STATES = ("approved", "conditionally_approved", "funding", "funded", "in_progress",
                 "completed", "closed")
REVIEW_STATES = ("submitted", "under_review", "deferred")
