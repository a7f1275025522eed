"""The association report (money sent, matched, projects completed, remittance cost against
the SDG 10.c target) and leverage (matched money per unit of migrant money) by scheme and
region. GROUP BY queries over receipts, projects and commitments; no ledger scan."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext as _

from ..exports import Column, Table
from ..models import ASSOCIATION_ROLE, Commitment, Project, Receipt, ReceiptStatus
from ..places import name_expr
from .common import COMPLETED, ZERO, Filters, Report, country_names, ratio

# SDG 10.c: by 2030, remittance costs under 3 % of the amount sent
SDG_TARGET = Decimal("0.03")
_SCHEME_MONEY = DecimalField(max_digits=30, decimal_places=8)


def _converted(field: str) -> ExpressionWrapper:
    """A receipt's `field` (in its own currency) at the receipt's own rate: the fee and the
    amount meet in one currency, so that their ratio is the cost of that transfer."""
    return ExpressionWrapper(F(field) * F("rate"), output_field=_SCHEME_MONEY)


def association_report(filters: Filters) -> Report:
    """Two queries: receipts per association, projects per association; per currency of the
    projects (an association with projects in two countries has two rows: sums never mix
    currencies)."""
    # a receipt recorded in error (reversed) was never sent; a refunded one was
    sent = {(row.pop("association"), row.pop("project__currency")): row for row in (
        Receipt.objects.filter(filters.projects("project__"))
        .exclude(status=ReceiptStatus.REVERSED).order_by()
        .values("association", "project__currency")
        .annotate(receipts=Count("id"), sent=Sum("converted"),
                  sent_exact=Sum(_converted("amount")), fees=Sum(_converted("fee"))))}
    rows = list(
        Project.objects.filter(filters.projects()).order_by().values(
            "association", "currency", name=F("association__name"),
            host_country=F("association__host_country"), host_city=F("association__host_city"))
        .annotate(projects=Count("id"), completed=Count("id", filter=Q(status__in=COMPLETED)),
                  received=Sum("received"), matched=Sum("matched"))
        .order_by("name", "currency"))
    for row in rows:
        money = sent.get((row["association"], row["currency"]), {})
        row["receipts"] = money.get("receipts", 0)
        row["sent"] = money.get("sent") or ZERO
        row["fees"] = (money.get("fees") or ZERO).quantize(Decimal("0.01"))
        row["remittance_cost"] = ratio(money.get("fees"), money.get("sent_exact"))
        row["meets_sdg_target"] = (None if row["remittance_cost"] is None
                                   else row["remittance_cost"] < SDG_TARGET)
    def amount(key, label, **kw):
        return Column(key, label, kind="money", currency_key="currency", **kw)

    return Report(name="associations", title=_("Association report"), filters=filters,
                  tables=[Table("associations", _("Migrant associations"), [
                      Column("name", _("Association")),
                      Column("host_country", _("Host country"), kind="choice",
                             labels=country_names()),
                      Column("host_city", _("Host city")),
                      Column("currency", _("Currency"), page=False),
                      Column("projects", _("Projects"), kind="count"),
                      Column("completed", _("Completed"), kind="count"),
                      Column("receipts", _("Transfers"), kind="count", page=False),
                      amount("sent", _("Money sent")),
                      amount("fees", _("Transfer fees"), page=False),
                      Column("remittance_cost", _("Remittance cost"), kind="share", help=_(
                          "Transfer fees over the amounts sent: what the migrants paid the "
                          "banks and transfer services for every 100 they sent, in per cent.")),
                      Column("meets_sdg_target", _("Under the 3 % SDG target"), kind="bool"),
                      amount("received", _("Money received by projects"), page=False),
                      amount("matched", _("Matched by co-funders"))], rows)],
                  extra={"sdg_target": SDG_TARGET})


def _leverage_of(matched, effective) -> Decimal | None:
    return ratio(matched, effective, "0.01")


def leverage_report(filters: Filters) -> Report:
    """Matched money per unit of the association's effective (matched) contribution, per
    scheme and region, with a total per scheme. One query."""
    key = ("project__scheme__code", "project__scheme__fiscal_year", "region_name",
           "project__scheme__currency", "project__scheme__name")
    rows = list(
        Commitment.objects.filter(filters.projects("project__")).order_by()
        .values(*key[:2], *key[3:], region_name=name_expr("project__mahalla__district__region__"))
        .annotate(projects=Count("project", distinct=True),
                  effective=Sum("matched", filter=Q(role=ASSOCIATION_ROLE)),
                  matched=Sum("matched", filter=~Q(role=ASSOCIATION_ROLE)))
        .order_by(*key))
    totals: dict[tuple, dict] = defaultdict(lambda: {"projects": 0, "effective": ZERO,
                                                     "matched": ZERO})
    out = []
    for row in rows:
        item = {"scheme": row[key[0]], "fiscal_year": row[key[1]], "region": row[key[2]],
                "currency": row[key[3]], "scheme_name": row[key[4]], "projects": row["projects"],
                "effective": row["effective"] or ZERO, "matched": row["matched"] or ZERO}
        item["leverage"] = _leverage_of(item["matched"], item["effective"])
        out.append(item)
        total = totals[(item["scheme"], item["fiscal_year"], item["currency"],
                        item["scheme_name"])]
        for k in ("projects", "effective", "matched"):
            total[k] += item[k]
    for (scheme, year, currency, name), total in totals.items():
        out.append({"scheme": scheme, "fiscal_year": year, "region": _("All regions"),
                    "currency": currency, "scheme_name": name, **total,
                    "leverage": _leverage_of(total["matched"], total["effective"])})
    return Report(name="leverage", title=_("Leverage"), filters=filters, tables=[
        Table("leverage", _("Leverage by scheme and region"), [
            Column("fiscal_year", _("Fiscal year")),
            Column("scheme", _("Scheme code"), page=False), Column("scheme_name", _("Scheme")),
            Column("region", _("Region")), Column("currency", _("Currency"), page=False),
            Column("projects", _("Projects"), kind="count"),
            Column("effective", _("Migrant money matched"), kind="money",
                   currency_key="currency"),
            Column("matched", _("Matched by co-funders"), kind="money", currency_key="currency"),
            Column("leverage", _("Leverage"), kind="ratio", help=_(
                "Money matched by co-funders for every unit of the migrants' money that was "
                "matched: 3.00 in a full 3x1 scheme."))],
            out)])
