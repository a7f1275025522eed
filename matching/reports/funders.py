"""The funder report: each budget envelope's amount, reserved, disbursed and left, and the
commitments at risk because a tranche is overdue. Aggregates over the cached totals of
envelopes, commitments and tranches; overdue tranches are found through their partial index
(`tranche_due_unpaid`: due_on where paid_on is null)."""

from __future__ import annotations

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exports import Column, Table
from ..models import BudgetEnvelope, FunderKind, Tranche
from ..places import name_expr
from .common import STATE_GROUPS, ZERO, Filters, Report, party_label

# a tranche of a cancelled, rejected or suspended project is not owed (its reservation was
# released), so it is not at risk either
OWING_STATES = (*STATE_GROUPS["approved"], *STATE_GROUPS["in_progress"])
UNPAID = ExpressionWrapper(F("amount") - F("disbursed"),
                           output_field=DecimalField(max_digits=18, decimal_places=2))


def _overdue(today) -> Q:
    return Q(paid_on__isnull=True, due_on__lt=today, disbursed__lt=F("amount"),
             commitment__project__status__in=OWING_STATES)


def _envelope_scope(filters: Filters) -> Q:
    # the schemes in scope, looked up once for the report (filters.projects() reuses them)
    q = Q() if filters.scheme_ids is None else Q(scheme_id__in=filters.scheme_ids)
    if filters.country:
        q &= Q(scheme__country_id=filters.country)
    return q


def funder_report(filters: Filters) -> Report:
    """Three queries: envelopes, overdue sums per envelope, commitments at risk."""
    today = timezone.localdate()
    envelopes = list(
        BudgetEnvelope.objects.filter(_envelope_scope(filters))
        .order_by("scheme__fiscal_year", "scheme__code", "funder__name")
        .values("id", "amount", "reserved", "disbursed", scheme_code=F("scheme__code"),
                scheme_name=F("scheme__name"),
                fiscal_year=F("scheme__fiscal_year"), currency=F("scheme__currency"),
                funder_name=F("funder__name"), funder_kind=F("funder__kind")))
    overdue = {row["commitment__envelope"]: row for row in (
        Tranche.objects.filter(_overdue(today), commitment__envelope__isnull=False,
                               commitment__envelope__in=[e["id"] for e in envelopes])
        .order_by().values("commitment__envelope")
        .annotate(tranches=Count("id"), amount=Sum(UNPAID)))}
    for e in envelopes:
        e["left"] = e["amount"] - e["reserved"]
        e["reserved_unpaid"] = e["reserved"] - e["disbursed"]
        late = overdue.get(e["id"], {})
        e["overdue_tranches"] = late.get("tranches", 0)
        e["overdue_amount"] = late.get("amount") or ZERO
    risk_scope = Q(_overdue(today)) & filters.projects("commitment__project__")
    at_risk = list(
        Tranche.objects.filter(risk_scope).order_by().values(
            "commitment", project_code=F("commitment__project__code"),
            project_title=F("commitment__project__title"),
            district=name_expr("commitment__project__mahalla__district__"),
            role=F("commitment__role"), currency=F("commitment__project__currency"),
            funder_name=Coalesce("commitment__funder__name",
                                 "commitment__project__association__name"),
            target=F("commitment__target"), paid=F("commitment__disbursed"))
        .annotate(overdue_tranches=Count("id"), overdue_amount=Sum(UNPAID),
                  oldest_due=Min("due_on"))
        .order_by("oldest_due", "project_code"))
    for row in at_risk:
        row["days_overdue"] = (today - row["oldest_due"]).days
        row["party"] = party_label(row["role"])
    def amount(key, label, **kw):  # envelopes of several schemes: each row its currency
        return Column(key, label, kind="money", currency_key="currency", **kw)

    return Report(name="funders", title=_("Funder report"), filters=filters, tables=[
        Table("envelopes", _("Budget envelopes"), [
            Column("fiscal_year", _("Fiscal year"), page=False),
            Column("scheme_code", _("Scheme code"), page=False),
            Column("scheme_name", _("Scheme")),
            Column("funder_name", _("Funder")),
            Column("funder_kind", _("Kind"), kind="choice", labels=dict(FunderKind.choices)),
            Column("currency", _("Currency"), page=False), amount("amount", _("Envelope")),
            amount("reserved", _("Reserved"), help=_(
                "Set aside for approved projects: it cannot be committed twice.")),
            amount("disbursed", _("Disbursed")),
            amount("left", _("Left to commit")),
            amount("reserved_unpaid", _("Reserved, not yet paid"), page=False),
            Column("overdue_tranches", _("Overdue tranches"), kind="count"),
            amount("overdue_amount", _("Overdue amount"), page=False)], envelopes),
        Table("commitments_at_risk", _("Commitments at risk"), [
            Column("project_code", _("Project")), Column("project_title", _("Title")),
            Column("district", _("District")), Column("funder_name", _("Funder")),
            Column("party", _("Party")), Column("currency", _("Currency"), page=False),
            amount("target", _("Commitment")), amount("paid", _("Paid")),
            Column("overdue_tranches", _("Overdue tranches"), kind="count", page=False),
            amount("overdue_amount", _("Overdue amount")),
            Column("oldest_due", _("Oldest due date"), kind="date"),
            Column("days_overdue", _("Days overdue"), kind="count")], at_risk),
    ], extra={"overdue_amount": _per_currency(at_risk, "overdue_amount")})


def _per_currency(rows: list[dict], key: str) -> dict[str, object]:
    """A sum per currency (never one sum across currencies)."""
    sums: dict[str, object] = {}
    for row in rows:
        sums[row["currency"]] = sums.get(row["currency"], ZERO) + row[key]
    return sums
