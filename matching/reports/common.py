"""What every report shares: its filters, its result, and the order of parties and states."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from ..exports import Table
from ..models import ASSOCIATION_ROLE, FunderKind, ProjectStatus
from ..querysets import UNSUBMITTED_STATES

ZERO = Decimal("0.00")
S = ProjectStatus

# Projects by state, in the order of their life. Drafts are the clerk's work in progress and
# not yet part of the programme (nor are drafts withdrawn): no report counts them.
STATE_GROUPS = {
    "in_review": (S.SUBMITTED, S.UNDER_REVIEW, S.DEFERRED),
    "approved": (S.APPROVED, S.CONDITIONALLY_APPROVED, S.FUNDING, S.FUNDED),
    "in_progress": (S.IN_PROGRESS,),
    "completed": (S.COMPLETED, S.CLOSED),
    "rejected": (S.REJECTED,),
    "stopped": (S.SUSPENDED, S.CANCELLED),
}
COMPLETED = STATE_GROUPS["completed"]
IN_PROGRAMME = ~Q(status__in=UNSUBMITTED_STATES)
PARTY_ORDER = [ASSOCIATION_ROLE, *FunderKind.values]


def state_labels() -> dict[str, str]:
    return {"in_review": _("In review"), "approved": _("Approved, funding"),
            "in_progress": _("In progress"), "completed": _("Completed"),
            "rejected": _("Rejected"), "stopped": _("Suspended or cancelled")}


def country_names() -> dict[str, str]:
    """Where migrants' associations are, by ISO code, in the reader's language."""
    return {"RU": _("Russia"), "KZ": _("Kazakhstan"), "TR": _("Turkey"),
            "KR": _("South Korea"), "AE": _("United Arab Emirates"), "US": _("United States"),
            "DE": _("Germany"), "PL": _("Poland"), "GB": _("United Kingdom"),
            "UZ": _("Uzbekistan"), "TJ": _("Tajikistan"), "KG": _("Kyrgyzstan")}


def party_label(role: str) -> str:
    if role == ASSOCIATION_ROLE:
        return _("Migrant association")
    return str(FunderKind(role).label) if role in FunderKind.values else role


@dataclass(frozen=True)
class Filters:
    """A report's scope. `year` is the schemes' fiscal year; `scheme` a scheme code."""

    year: int | None = None
    scheme: str = ""
    country: int | None = None
    region: int | None = None
    district: int | None = None
    currency: str = ""  # only projects in this currency: sums never mix currencies

    def projects(self, prefix: str = "", *, any_currency: bool = False,
                 places: bool = True) -> Q:
        """The Q selecting projects (through `prefix`, e.g. "project__") in scope (in any
        currency, with `any_currency`; in any place, with `places=False`, where the caller
        already holds the places in scope)."""
        q = Q(**{f"{prefix}status__in": [s for s in S.values if s not in UNSUBMITTED_STATES]})
        if self.scheme_ids is not None:
            q &= Q(**{f"{prefix}scheme_id__in": self.scheme_ids})
        if self.currency and not any_currency:
            q &= Q(**{f"{prefix}currency": self.currency})
        return q & self.places(f"{prefix}mahalla__district__") if places else q

    @cached_property
    def scheme_ids(self) -> list[int] | None:
        """The schemes of `year` and `scheme`, looked up once (None: every scheme).

        By id, not by a join on the scheme's code or year: PostgreSQL then knows from its
        statistics how many projects each scheme has. Through the join it guessed an average
        share, half the projects when one scheme held them all, and chose an index scan
        that cost the regional report 85 ms of its 120 ms per query."""
        if not self.year and not self.scheme:
            return None
        from ..models import Scheme

        schemes = Scheme.objects.all()
        if self.year:
            schemes = schemes.filter(fiscal_year=self.year)
        if self.scheme:
            schemes = schemes.filter(code=self.scheme)
        return list(schemes.values_list("pk", flat=True))

    def places(self, district_prefix: str) -> Q:
        """The Q selecting places whose district is reached through `district_prefix`."""
        q = Q()
        if self.district:
            q &= Q(**{f"{district_prefix}id": self.district})
        if self.region:
            q &= Q(**{f"{district_prefix}region_id": self.region})
        if self.country:
            q &= Q(**{f"{district_prefix}region__country_id": self.country})
        return q

    def as_meta(self) -> dict:
        return {"fiscal_year": self.year, "scheme": self.scheme or None,
                "country": self.country, "region": self.region, "district": self.district}


@dataclass
class Report:
    name: str
    title: str
    filters: Filters
    tables: list[Table]
    currency: str = ""
    extra: dict = field(default_factory=dict)  # figures for the page and the chart

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def meta(self) -> dict:
        return {"report": self.name, "title": self.title, "currency": self.currency,
                **self.filters.as_meta(), **{k: v for k, v in self.extra.items()
                                             if not k.startswith("_")}}


def ratio(numerator: Decimal | None, denominator: Decimal | None,
          places: str = "0.0001") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator or 0) / Decimal(denominator)).quantize(Decimal(places))
