"""The regional report: where the money went, per district and mahalla, per head.

Every figure comes from GROUP BY queries over the cached totals that the ledger keeps on
projects and commitments (in the ledger's own transaction), never from the ledger's million
rows, and never by loading projects into Python: Python only merges a handful of aggregated
rows per district. Amounts are in the scheme currency; schemes run in the national currency,
so a report covers one country.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import datetime

from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exports import Column, Table
from ..models import (Commitment, Complaint, ComplaintStatus, Country, District, Mahalla, Pledge,
                      PledgeStatus, Project, Scheme)
from ..models.complaints import ANSWER_WITHIN_DAYS
from ..places import name_expr
from ..querysets import UNSUBMITTED_STATES
from ..regional_totals import SOURCE
from . import equity
from .common import (PARTY_ORDER, STATE_GROUPS, ZERO, Filters, Report, party_label, ratio,
                     state_labels)

MONEY = ("received", "matched", "disbursed")
COMPLAINT_FIGURES = ("complaints", "complaints_answered", "complaints_late")
DAY_SECONDS = Decimal(86400)


def _country(filters: Filters) -> Country | None:
    if filters.district:
        return Country.objects.filter(regions__districts=filters.district).first()
    if filters.region:
        return Country.objects.filter(regions=filters.region).first()
    if filters.country:
        return Country.objects.filter(pk=filters.country).first()
    return Country.objects.order_by("pk").first()


def _project_totals(filters: Filters, group: str) -> dict[int, dict]:
    states = {f"state_{key}": Count("id", filter=Q(status__in=values))
              for key, values in STATE_GROUPS.items()}
    rows = (Project.objects.filter(filters.projects()).order_by().values(group)
            .annotate(projects=Count("id"), **states, received=Sum("received"),
                      matched=Sum("matched"), disbursed=Sum("disbursed")))
    return {row.pop(group): row for row in rows}


def _party_totals(filters: Filters, group: str) -> dict[int, dict]:
    """Per place and party: what each party has matched and paid out."""
    rows = (Commitment.objects.filter(filters.projects("project__")).order_by()
            .values(f"project__{group}", "role")
            .annotate(matched=Sum("matched"), disbursed=Sum("disbursed")))
    found: dict[int, dict] = defaultdict(dict)
    for row in rows:
        key = row[f"project__{group}"]
        found[key][f"matched_{row['role']}"] = row["matched"]
        found[key][f"disbursed_{row['role']}"] = row["disbursed"]
    return found


def _pledged(filters: Filters, group: str) -> dict[int, dict]:
    """Announced pledges per place, per currency (a pledge is not converted: it is a promise
    in the currency raised, and the day of conversion is not known yet)."""
    rows = (Pledge.objects.filter(filters.projects("project__"), status=PledgeStatus.ANNOUNCED)
            .order_by().values(f"project__{group}", "currency").annotate(total=Sum("amount")))
    found: dict[int, dict] = defaultdict(dict)
    for row in rows:
        found[row[f"project__{group}"]][f"pledged_{row['currency']}"] = row["total"]
    return found


# Per district, scheme, currency, party and pledge currency, over the summary rows of the
# programme's states (`models/summaries.py`): a few hundred rows, whatever the number of projects.
SUMMARY_SQL = f"""
SELECT t.district_id, t.scheme_id, s.fiscal_year, t.currency, t.role, t.pledge_currency,
       {{states}}, sum(t.projects), sum(t.received), sum(t.matched), sum(t.disbursed),
       sum(t.pledged)
FROM {SOURCE} JOIN matching_scheme s ON s.id = t.scheme_id
WHERE t.status <> ALL(%(unsubmitted)s) AND t.district_id = ANY(%(districts)s)
GROUP BY 1, 2, 3, 4, 5, 6"""


class _Summary:
    """The district figures, the trend's matched money per year and district, and the
    projects kept in another currency, from one read of the summary rows (the same sums
    as GROUP BYs over the projects, commitments and pledges: `ledger.verify` checks it)."""

    def __init__(self, filters: Filters, district_ids: set[int]):
        trend_ids = district_ids
        if filters.district:  # the trend covers the whole region (or country) in any case
            trend_ids = set(District.objects.filter(
                Filters(country=filters.country, region=filters.region).places(""))
                .values_list("id", flat=True))
        states = ", ".join(f"coalesce(sum(t.projects) FILTER (WHERE t.status = ANY(%(state_{k})s)), 0)"
                           for k in STATE_GROUPS)
        params = {"unsubmitted": list(UNSUBMITTED_STATES), "districts": sorted(trend_ids),
                  **{f"state_{k}": list(v) for k, v in STATE_GROUPS.items()}}
        with connection.cursor() as cursor:
            cursor.execute(SUMMARY_SQL.format(states=states), params)
            rows = cursor.fetchall()
        self.totals: dict[int, dict] = {}
        self.parties: dict[int, dict] = defaultdict(dict)
        self.pledged: dict[int, dict] = defaultdict(dict)
        self.by_year: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        years_with_projects: set[int] = set()
        self.other_currency = 0
        schemes = None if filters.scheme_ids is None else set(filters.scheme_ids)
        n = len(STATE_GROUPS)
        for district, scheme, year, currency, role, pledge_currency, *figures in rows:
            counts, (projects, received, matched, disbursed, pledged) = figures[:n], figures[n:]
            same = not filters.currency or currency == filters.currency
            project_row = not role and not pledge_currency
            if project_row and same:  # the trend: every year, every district of the scope
                self.by_year[year][district] += matched
                if projects:
                    years_with_projects.add(year)
            if district not in district_ids or (schemes is not None and scheme not in schemes):
                continue
            if not same:
                if project_row:
                    self.other_currency += projects
            elif project_row:
                found = self.totals.setdefault(district, {
                    "projects": 0, **{f"state_{k}": 0 for k in STATE_GROUPS},
                    **{m: ZERO for m in MONEY}})
                found["projects"] += projects
                for key, count in zip(STATE_GROUPS, counts):
                    found[f"state_{key}"] += count
                for key, amount in zip(MONEY, (received, matched, disbursed)):
                    found[key] += amount
            elif role:
                party = self.parties[district]
                party[f"matched_{role}"] = party.get(f"matched_{role}", ZERO) + matched
                party[f"disbursed_{role}"] = party.get(f"disbursed_{role}", ZERO) + disbursed
            elif pledged:
                key = f"pledged_{pledge_currency}"
                self.pledged[district][key] = self.pledged[district].get(key, ZERO) + pledged
        self.by_year = {y: v for y, v in self.by_year.items() if y in years_with_projects}


def _complaint_totals(filters: Filters, group: str) -> dict[int, dict]:
    """Per place: complaints about its projects, those answered, those late (answered after
    their 15 days or still waiting past them) and the average days an answer took."""
    allowed = datetime.timedelta(days=ANSWER_WITHIN_DAYS)
    late = (Q(status=ComplaintStatus.RECEIVED, filed_at__lt=timezone.now() - allowed)
            | Q(answered_at__gt=F("filed_at") + allowed))
    answered = Q(status=ComplaintStatus.ANSWERED)
    rows = (Complaint.objects.filter(filters.projects("project__")).order_by()
            .values(f"project__{group}")
            .annotate(complaints=Count("id"), complaints_answered=Count("id", filter=answered),
                      complaints_late=Count("id", filter=late),
                      answer_time=Avg(F("answered_at") - F("filed_at"), filter=answered)))
    return {row.pop(f"project__{group}"): row for row in rows}


def answer_days(answer_time: datetime.timedelta | None) -> Decimal | None:
    if answer_time is None:
        return None
    return (Decimal(answer_time.total_seconds()) / DAY_SECONDS).quantize(Decimal("0.1"))


def _roles(filters: Filters) -> list[str]:
    schemes = Scheme.objects.all()
    if filters.scheme_ids is not None:  # the schemes in scope, looked up once for the report
        schemes = schemes.filter(pk__in=filters.scheme_ids)
    found = set(schemes.values_list("parties__role", flat=True).distinct())
    return [r for r in PARTY_ORDER if r in found]


def _columns(place: str, roles: list[str], currencies: list[str], currency: str) \
        -> list[Column]:
    """The page shows what a citizen compares; the downloads carry every column (by state,
    by party, pledges per currency)."""
    labels = state_labels()

    def amount(key, label, **kw):
        return Column(key, label, kind="money", currency=currency, **kw)

    cols = [Column("region_name", _("Region"), page=False)]
    if place == "mahalla":
        cols.append(Column("district_name", _("District"), page=False))
    no_population = _("no population")
    cols += [Column("name", _("Mahalla") if place == "mahalla" else _("District")),
             Column("population", _("Population"), kind="count", missing=_("not known")),
             Column("population_year", _("Population year"), page=False),
             Column("projects", _("Projects"), kind="count")]
    cols += [Column(f"state_{k}", labels[k], kind="count", page=False) for k in STATE_GROUPS]
    cols += [Column(f"pledged_{c}", _("Pledged (%(c)s)") % {"c": c}, kind="money", currency=c,
                    page=False) for c in currencies]
    cols += [amount("received", _("Received from migrants")),
             amount("matched", _("Matched by co-funders")),
             amount("disbursed", _("Disbursed"), page=False)]
    for role in roles:
        cols += [amount(f"matched_{role}", _("Matched: %(p)s") % {"p": party_label(role)},
                        page=False),
                 amount(f"disbursed_{role}", _("Disbursed: %(p)s") % {"p": party_label(role)},
                        page=False)]
    cols += [Column("received_per_capita", _("Received per head"), kind="per_head",
                    currency=currency, page=False, missing=no_population),
             Column("matched_per_capita", _("Matched per head"), kind="per_head",
                    currency=currency, missing=no_population,
                    help=_("Money matched by co-funders divided by the people who live there; "
                           "empty where no population figure is known.")),
             Column("money_share", _("Share of matched money"), kind="share", page=False),
             Column("population_share", _("Share of population"), kind="share", page=False,
                    missing=no_population),
             Column("share_ratio", _("Money share / population share"), kind="ratio",
                    missing=no_population,
                    help=_("Its share of all the matched money divided by its share of all the "
                           "people: 1 is a fair share for its people; above 1 it got more than "
                           "its share, below 1 less, 0 nothing."))]
    if place == "district":
        cols += [Column("mahallas", _("Mahallas"), kind="count", page=False),
                 Column("mahallas_without_project", _("Mahallas without a project"),
                        kind="count", page=False)]
    cols += [Column("complaints", _("Complaints"), kind="count"),
             Column("complaints_answered", _("Complaints answered"), kind="count", page=False),
             Column("complaints_late", _("Complaints answered late or overdue"), kind="count",
                    page=False),
             Column("answer_days", _("Average days to answer"), kind="days")]
    return cols


def _fill(rows: list[dict], roles: list[str]) -> None:
    """Per-head figures and shares, computed over the already aggregated rows. A place
    whose population is not known has none of them (None: "no population"), and its people
    are not guessed into the others' shares."""
    people = sum(r["population"] for r in rows if r["population"])
    matched_total = sum((r["matched"] for r in rows), ZERO)
    for r in rows:
        for role in roles:
            r.setdefault(f"matched_{role}", ZERO)
            r.setdefault(f"disbursed_{role}", ZERO)
        r["received_per_capita"] = equity.per_capita(r["received"], r["population"])
        r["matched_per_capita"] = equity.per_capita(r["matched"], r["population"])
        r["money_share"] = ratio(r["matched"], matched_total)
        r["population_share"] = ratio(r["population"], people) if r["population"] else None
        r["share_ratio"] = equity.share_ratio(r["matched"], matched_total, r["population"],
                                              people)


def _rows(places, totals, parties, pledged, complaints) -> list[dict]:
    rows = []
    for place in places:
        row = {**place, "projects": 0, **{f"state_{k}": 0 for k in STATE_GROUPS},
               **{m: ZERO for m in MONEY}, **{c: 0 for c in COMPLAINT_FIGURES}}
        row.update(totals.get(place["id"], {}))
        for m in MONEY:
            row[m] = row[m] or ZERO
        row.update(parties.get(place["id"], {}))
        row.update(pledged.get(place["id"], {}))
        row.update(complaints.get(place["id"], {}))
        row["answer_days"] = answer_days(row.pop("answer_time", None))
        rows.append(row)
    return rows


def _mahalla_counts(filters: Filters) -> dict[int, dict]:
    """Per district: its mahallas, and those without a project in scope."""
    # the mahallas are those in scope already: the subquery only asks for a project there
    has_project = Exists(Project.objects.filter(filters.projects(places=False),
                                                mahalla=OuterRef("pk")))
    rows = (Mahalla.objects.filter(filters.places("district__")).order_by().values("district")
            .annotate(mahallas=Count("id"), mahallas_without_project=Count("id",
                                                                          filter=~has_project)))
    return {row.pop("district"): row for row in rows}


def _trend(by_year: dict[int, dict[int, Decimal]], districts: list[dict]) -> list[dict]:
    """The concentration index of every fiscal year, over the same districts."""
    trend = []
    for year in sorted(by_year):
        shares = [equity.Share(by_year[year].get(d["id"], ZERO), d["population"])
                  for d in districts]
        trend.append({"year": year, "matched": sum((s.amount for s in shares), ZERO),
                      "gini": equity.gini(shares), "theil": equity.theil(shares)})
    return trend


def regional_report(filters: Filters) -> Report:
    """Per district (and, for one district, per mahalla); a dozen queries whatever the size."""
    country = _country(filters)
    currency = country.currency if country else ""
    filters = Filters(year=filters.year, scheme=filters.scheme, region=filters.region,
                      district=filters.district, country=country.pk if country else None,
                      currency=currency)
    roles = _roles(filters)
    district_places = _named(
        District.objects.filter(filters.places("")).order_by("region__name", "name")
        .values("id", "code", "population", "population_year", local_name=name_expr(),
                region_name=name_expr("region__")))
    counts = _mahalla_counts(filters)
    for place in district_places:
        place.update(counts.get(place["id"], {"mahallas": 0, "mahallas_without_project": 0}))
    summary = _Summary(filters, {place["id"] for place in district_places})
    pledged = summary.pledged
    currencies = sorted({k[8:] for p in pledged.values() for k in p})
    districts = _rows(district_places, summary.totals, summary.parties, pledged,
                      _complaint_totals(filters, "mahalla__district"))
    _fill(districts, roles)
    shares = [equity.Share(d["matched"], d["population"]) for d in districts]
    tables = [Table("districts", _("Districts"),
                    _columns("district", roles, currencies, currency), districts)]
    tables.append(Table("districts_without_projects", _("Districts without a project"),
                        [Column("region_name", _("Region")), Column("name", _("District")),
                         Column("population", _("Population"), kind="count",
                                missing=_("not known"))],
                        [d for d in districts if d["projects"] == 0]))
    if filters.district:
        tables += _mahalla_tables(filters, roles, currency)
    trend = _trend(summary.by_year, districts)
    tables.append(Table("concentration_trend", _("Concentration across years"), [
        Column("year", _("Fiscal year")),
        Column("matched", _("Matched"), kind="money", currency=currency),
        Column("gini", _("Gini index"), kind="index", help=gini_help()),
        Column("theil", _("Theil index"), kind="index", help=theil_help())], trend))
    answered = sum(d["complaints_answered"] for d in districts)
    return Report(
        name="regional", title=_("Regional report"), filters=filters, tables=tables,
        currency=currency,
        extra={"gini": equity.gini(shares), "theil": equity.theil(shares),
               "districts_without_projects": sum(1 for d in districts if d["projects"] == 0),
               "districts_without_population": sum(1 for d in districts
                                                   if d["population"] is None),
               "mahallas_without_projects": sum(d["mahallas_without_project"]
                                                for d in districts),
               "complaints": sum(d["complaints"] for d in districts),
               "complaints_answered": answered,
               "complaints_late": sum(d["complaints_late"] for d in districts),
               "answer_days": _mean_days(districts, answered),
               "other_currency_projects": summary.other_currency})


def gini_help() -> str:
    return _("Gini index: 0 when every person's district got the same matched money per "
             "head, close to 1 when one district got nearly all of it.")


def theil_help() -> str:
    return _("Theil index: another measure of the same unevenness, 0 when money per head is "
             "equal everywhere and larger the more it gathers in a few districts; unlike Gini "
             "it can be split into the gap between regions and the gap within them.")


def _mean_days(rows: list[dict], answered: int) -> Decimal | None:
    """The average over every answered complaint (each district's mean weighted by its
    answered complaints)."""
    if not answered:
        return None
    total = sum((r["answer_days"] * r["complaints_answered"] for r in rows
                 if r["answer_days"] is not None), Decimal(0))
    return (total / answered).quantize(Decimal("0.1"))


def _named(rows) -> list[dict]:
    """Rows whose place `name` is the one in the reader's language (`places.name_expr`)."""
    rows = list(rows)
    for row in rows:
        row["name"] = row.pop("local_name")
    return rows


def _mahalla_tables(filters: Filters, roles: list[str], currency: str) -> list[Table]:
    places = _named(Mahalla.objects.filter(filters.places("district__"))
                    .order_by("name").values("id", "population", "population_year",
                                             local_name=name_expr(),
                                             region_name=name_expr("district__region__"),
                                             district_name=name_expr("district__")))
    pledged = _pledged(filters, "mahalla")
    currencies = sorted({k[8:] for p in pledged.values() for k in p})
    rows = _rows(places, _project_totals(filters, "mahalla"), _party_totals(filters, "mahalla"),
                 pledged, _complaint_totals(filters, "mahalla"))
    _fill(rows, roles)
    return [Table("mahallas", _("Mahallas"),
                  _columns("mahalla", roles, currencies, currency), rows),
            Table("mahallas_without_projects", _("Mahallas without a project"),
                  [Column("district_name", _("District")), Column("name", _("Mahalla")),
                   Column("population", _("Population"), kind="count",
                          missing=_("not known"))],
                  [r for r in rows if r["projects"] == 0])]
