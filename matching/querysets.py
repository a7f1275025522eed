"""Reads with domain names: `Project.objects.visible_to(user)`, `Project.objects.public()`,
`Pledge.objects.visible_to(user)`, `Tranche.objects.overdue(on)` ...

Scope comes from `policies.scope_q`, the one definition of who may read which project; each
model that hangs off a project names its path to it (`project_path`).
"""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    """A queryset of records that belong to a project, filtered by the reader's scope."""

    project_path = "project__"

    def visible_to(self, user):
        from . import policies  # noqa: PLC0415 (policies import the models)

        return self.filter(policies.scope_q(user, self.project_path))


class ProjectQuerySet(ScopedQuerySet):
    project_path = ""

    def public(self):
        """Every project past submission (DOMAIN "The public record"): in review, deferred
        and rejected ones too, with their reasons. A draft is the clerk's work in progress,
        and a draft withdrawn (cancelled before it was ever submitted) stays private."""
        return self.exclude(status="draft").filter(submitted_at__isnull=False)

    def in_review(self):
        return self.filter(status__in=REVIEW_STATES)


class PledgeQuerySet(ScopedQuerySet):
    def announced(self):
        return self.filter(status="announced")


class ComplaintQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Complaints reach the officers of the project's district (and administrators and
        auditors above them), never the clerk whose mahalla they may be about."""
        from . import policies  # noqa: PLC0415

        return self.filter(policies.complaint_scope_q(user))

    def public(self):
        """Complaints about public projects (what of them is public: see Complaint)."""
        from .models import Project  # noqa: PLC0415 (models import this module)

        return self.filter(project__in=Project.objects.public())

    def waiting(self):
        return self.filter(status="received")


class TrancheQuerySet(ScopedQuerySet):
    project_path = "commitment__project__"

    def unpaid(self):
        return self.filter(paid_on__isnull=True)

    def overdue(self, on):
        """Unpaid and due before `on`."""
        return self.unpaid().filter(due_on__lt=on)


# The states named here, as strings, so that this module imports no model at load time.
REVIEW_STATES = ("submitted", "under_review", "deferred")
