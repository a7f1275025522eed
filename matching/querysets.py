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


class ManagedQuerySet(models.QuerySet):
    """Programme-setup records (places, funders, envelopes, associations, users), filtered to
    those an administrator manages: his region's, or every one for a programme-wide
    administrator (`policies.region_q`). The model names its paths to a region in
    `region_paths`; `region_multivalued` when one crosses a many-valued relation (the
    filter then goes through a sub-query, so that no row comes back twice)."""

    def managed_by(self, user):
        from . import policies  # noqa: PLC0415

        q = policies.region_q(user, self.model.region_paths)
        if getattr(self.model, "region_multivalued", False) and q != Q():
            return self.filter(pk__in=self.model._default_manager.filter(q).values("pk"))
        return self.filter(q)


class PlaceQuerySet(ManagedQuerySet):
    pass


# The states named here, as strings, so that this module imports no model at load time.
PUBLIC_STATES = ("approved", "conditionally_approved", "funding", "funded", "in_progress",
                 "completed", "closed")
REVIEW_STATES = ("submitted", "under_review", "deferred")


# --- selection rounds (calls) ----------------------------------------------------------------

class CallQuerySet(ManagedQuerySet):
    """Calls. `managed_by(administrator)`: those he runs (his region's; national ones for
    programme administrators). `visible_to(user)`: those whose inside he may read: the ones
    he runs, sits on, or, for an auditor, all. `public()`: every call past its draft."""

    def visible_to(self, user):
        from . import policies  # noqa: PLC0415

        return self.filter(policies.call_scope_q(user))

    def public(self):
        return self.exclude(status="draft")

    def open_for(self, project, on):
        """The calls that `project` may apply to on day `on`: open, of its scheme, and
        national or of its region."""
        return self.filter(status="open", scheme_id=project.scheme_id, opens_on__lte=on,
                           closes_on__gte=on).filter(
            Q(region__isnull=True) | Q(region_id=project.mahalla.district.region_id))


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An application is read by whoever reads its call's inside (administrators who run
        it, its members, auditors) and by whoever has its project in scope (its clerk, its
        association, the district's officer)."""
        from . import policies  # noqa: PLC0415

        return self.filter(policies.call_scope_q(user, "call__")
                           | policies.scope_q(user, "project__"))

    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class ScoreSheetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The score sheets `user` may read: the one definition of hidden scores (pages and
        API both read through it). See `policies.sheets_visible_q`."""
        from . import policies  # noqa: PLC0415

        return self.filter(policies.sheets_visible_q(user))

    def valid(self):
        return self.filter(voided_at__isnull=True)
