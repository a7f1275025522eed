"""Reads with domain names: `Project.objects.visible_to(user)`, `Project.objects.public()`,
`Pledge.objects.visible_to(user)`, `Tranche.objects.overdue(on)` ...

Scope comes from `policies.scope_q`, the one definition of who may read which project; each
model that hangs off a project names its path to it (`project_path`).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest


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

    def with_missing(self):
        """Each pledge with `arrived` (its recorded receipts in its own currency, as the
        pledge-overdue reminder counts them) and `missing` (what is still to come, never
        below zero)."""
        from .models import Receipt  # noqa: PLC0415 (models import querysets)

        arrived = (Receipt.objects.filter(pledge=models.OuterRef("pk"), status="recorded",
                                          currency=models.OuterRef("currency"))
                   .order_by().values("pledge").annotate(total=models.Sum("amount"))
                   .values("total"))
        zero = models.Value(Decimal("0.00"), output_field=models.DecimalField(max_digits=18,
                                                                               decimal_places=2))
        return (self.annotate(arrived=Coalesce(models.Subquery(arrived), zero))
                .annotate(missing=Greatest(models.F("amount") - models.F("arrived"), zero)))


class MilestoneQuerySet(ScopedQuerySet):
    def progress(self):
        """The works' progress in per cent: each milestone's progress weighted by its share
        (the shares add up to 100), two decimals; None without milestones."""
        total = self.aggregate(total=models.Sum(models.F("share") * models.F("progress")),
                               shares=models.Sum("share"))
        if not total["shares"]:
            return None
        return (total["total"] / Decimal("100")).quantize(Decimal("0.01"), ROUND_HALF_UP)


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


class ReceiptQuerySet(ScopedQuerySet):
    def held(self):
        """Waiting for an officer's confirmation (they count toward nothing yet)."""
        return self.filter(status="held")


class TrancheQuerySet(ScopedQuerySet):
    project_path = "commitment__project__"

    def unpaid(self):
        return self.filter(paid_on__isnull=True)

    def overdue(self, on):
        """Unpaid and due before `on`, of a project still taking money (a closed or cancelled
        project's unpaid tranches were released, not forgotten)."""
        return self.unpaid().filter(due_on__lt=on, commitment__project__status__in=OPEN_STATES)


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


class JobQuerySet(models.QuerySet):
    def visible_to(self, user, session_key: str = ""):
        """The jobs `user` (or the visitor of `session_key`) may read (policies)."""
        from . import policies  # noqa: PLC0415

        return self.filter(policies.job_scope_q(user, session_key))

    def unfinished(self):
        return self.filter(status__in=("queued", "running"))


# The states named here, as strings, so that this module imports no model at load time.
REVIEW_STATES = ("submitted", "under_review", "deferred")
# drafts, and drafts withdrawn by their clerk: never part of the programme, its reports or
# its open data
UNSUBMITTED_STATES = ("draft", "withdrawn")
OPEN_STATES = ("approved", "conditionally_approved", "funding", "funded", "in_progress")


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
