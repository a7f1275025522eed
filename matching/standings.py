"""A call's standings: each application's score on each criterion, its total and its place.

A criterion's score for an application (0 to 10) is the value the system computed at the close
where there is one, else the mean of the valid score sheets' scores. The total is the weighted
mean of the criteria's scores, out of 100: Σ weight × score / Σ weight × 10. An application
with a criterion nobody has scored yet has no total (it is not complete).

These are reads: who may see them is the callers' business (`ScoreSheet.objects.visible_to`
for the members' sheets, the call's status for the public).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from .models import Application, CriterionKind, CriterionValue, Score, ScoreSheet

CENT = Decimal("0.01")


@dataclass
class Standing:
    application: Application
    scores: dict[int, Decimal | None]  # criterion id → 0..10, None: not scored yet
    counts: dict[int, int]  # criterion id → how many members' scores make it
    computed: dict[int, CriterionValue] = field(default_factory=dict)
    sheets: int = 0
    total: Decimal | None = None  # out of 100
    position: int | None = None

    @property
    def complete(self) -> bool:
        return self.total is not None

    @property
    def hundredths(self) -> int:
        """The total in hundredths of a point: the allocation's integer score."""
        return int(self.total * 100) if self.total is not None else 0


def _mean(total: int, count: int) -> Decimal:
    return (Decimal(total) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def standings(call, criteria=None, applications=None) -> list[Standing]:
    """The standings of the call's active applications (or of `applications`), best first
    (ties: the earlier application first), complete ones before incomplete ones."""
    criteria = list(criteria if criteria is not None else call.criteria.all())
    if applications is None:
        applications = list(call.applications.active()
                            .select_related("mahalla", "district", "association", "project"))
    ids = [a.pk for a in applications]
    computed = {}
    for value in CriterionValue.objects.filter(application_id__in=ids):
        computed.setdefault(value.application_id, {})[value.criterion_id] = value
    means = {}
    for row in (Score.objects.filter(sheet__application_id__in=ids, sheet__voided_at__isnull=True)
                .values("sheet__application_id", "criterion_id")
                .annotate(total=Sum("value"), n=Count("id"))):
        means[row["sheet__application_id"], row["criterion_id"]] = (row["total"], row["n"])
    sheets = dict(ScoreSheet.objects.valid().filter(application_id__in=ids)
                  .values_list("application_id").annotate(n=Count("id")))
    weight = sum((c.weight for c in criteria), Decimal(0))
    result = []
    for application in applications:
        mine = computed.get(application.pk, {})
        scores, counts = {}, {}
        for criterion in criteria:
            value = mine.get(criterion.pk)
            if value is not None and value.score is not None:
                scores[criterion.pk], counts[criterion.pk] = value.score, 0
            elif (application.pk, criterion.pk) in means:
                total, n = means[application.pk, criterion.pk]
                scores[criterion.pk], counts[criterion.pk] = _mean(total, n), n
            else:
                scores[criterion.pk], counts[criterion.pk] = None, 0
        standing = Standing(application, scores, counts, mine, sheets.get(application.pk, 0))
        if weight and all(s is not None for s in scores.values()):
            standing.total = (sum(c.weight * scores[c.pk] for c in criteria) * 10 / weight) \
                .quantize(CENT, rounding=ROUND_HALF_UP)
        result.append(standing)
    result.sort(key=lambda s: (s.total is None, -(s.total or 0), s.application.pk))
    for position, standing in enumerate(result, start=1):
        standing.position = position if standing.complete else None
    return result


def describe(value: CriterionValue, kind: str) -> str:
    """Where a computed figure comes from, in the reader's language."""
    basis = value.basis or {}
    if basis.get("missing") == "population":
        return _("%(place)s has no known population: the members score this criterion.") % {
            "place": basis.get("place", "")}
    population = (_("population %(people)s (%(year)s, %(source)s)") % {
        "people": basis.get("population"), "year": basis.get("year") or "?",
        "source": basis.get("source") or _("source not given")}) if "population" in basis else ""
    if kind == CriterionKind.EQUITY:
        return _("%(place)s: %(matched)s %(currency)s matched in %(projects)s projects so far "
                 "(on %(on)s), %(population)s.") % {**basis, "population": population}
    if kind == CriterionKind.SHARE:
        return _("The association had %(received)s %(currency)s in hand of a cost of "
                 "%(cost)s when it applied.") % basis
    return _("%(place)s: %(population)s, for a cost of %(cost)s %(currency)s.") % {
        **basis, "population": population}
