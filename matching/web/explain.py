"""What an officer reads before deciding: the match explanation in the reader's language,
the impact on each envelope, and the association's history."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext

from .. import rules
from ..errors import ServiceError
from ..models import Commitment, MatchRecord, Project, Receipt, TopUp
from ..services.schemes import envelopes_for, rules_of
from ..services.topups import match_top_ups, offered_top_ups, preview_match


@dataclass
class MatchLine:
    """One party of the match as the pages show it: a scheme party or a top-up."""

    role: str
    funder: str
    target: Decimal
    matched: Decimal
    bound_by: str
    top_up: bool = False


@dataclass
class Explanation:
    steps: list[str]
    record: MatchRecord | None  # None: computed now, for a project not yet approved
    result: rules.MatchResult | None
    problems: list[str]
    lines: list[MatchLine] = field(default_factory=list)
    gap: Decimal | None = None
    offered: list[TopUp] = field(default_factory=list)  # top-ups offered, not yet approved


@dataclass
class EnvelopeImpact:
    funder: str
    amount: Decimal
    target: Decimal
    available_before: Decimal
    available_after: Decimal

    @property
    def short(self) -> bool:
        return self.available_after < 0


def render_step(step: dict) -> str:
    """A stored step, {"template", "params"}, in the active language."""
    return gettext(step["template"]) % step["params"]


def explain(project: Project) -> Explanation:
    """The latest stored computation with the project's commitments, or, before approval, the
    match under the current rules: the top-ups offered so far, against what is left in the
    envelopes now (services.topups.preview_match)."""
    record = (MatchRecord.objects.filter(project=project).select_related("scheme_version")
              .order_by("-id").first())
    if record is not None:
        commitments = list(Commitment.objects.filter(project=project).select_related("funder")
                           .order_by("position"))
        limits = _limits(_recomputed(project, record, commitments))
        lines = [MatchLine(c.role, c.funder.name if c.funder_id else project.association.name,
                           c.target, c.matched, limits.get(c.role, c.bound_by),
                           c.top_up_id is not None) for c in commitments]
        return Explanation([render_step(s) for s in record.result["steps"]], record, None, [],
                           lines, Decimal(record.result["gap"]))
    offered = offered_top_ups(project)
    try:
        result = preview_match(project, offered=offered)
        names = _names(project, result, offered)
    except ServiceError as error:
        return Explanation([], None, None, [error.message])
    except rules.RulesError as error:
        return Explanation([], None, None, [gettext(m) for ms in error.errors.values()
                                            for m in ms])
    owed, limits = result.owed(), _limits(result)
    lines = [MatchLine(role, names.get(role, role), target, owed[role], limits[role],
                       role in result.top_ups)
             for role, target in result.commitment_targets().items()]
    return Explanation([step.render(gettext) for step in result.steps], None, result, [],
                       lines, result.gap, offered)


def _limits(result: rules.MatchResult | None) -> dict[str, str]:
    """What limits each party, for the pages: its envelope when that bound its match, else
    the cap or ceiling that cut its target (the limit that opened the gap), else its share;
    a top-up is a top-up; the association's target is its share (or its raise)."""
    if result is None:
        return {}
    limits = {role: "envelope" if result.bound_by.get(role) == "envelope" else limit
              for role, limit in result.target_limits.items()}
    limits[rules.ASSOCIATION] = ""
    limits.update({role: result.bound_by[role] for role in result.top_ups})
    return limits


def _recomputed(project, record, commitments) -> rules.MatchResult | None:
    """The stored match computed again from its rules version (pure arithmetic), for what
    limited each party; None if it cannot be (the page then shows what was stored)."""
    top_ups, raised = match_top_ups([project.pk])[project.pk]
    try:
        return rules.compute_match(
            rules_of(record.scheme_version), cost=project.cost, received=project.received,
            category=project.category, top_ups=top_ups, raised=raised,
            envelopes={c.role: c.reserved for c in commitments if c.role != rules.ASSOCIATION})
    except rules.RulesError:
        return None


def _names(project: Project, result: rules.MatchResult, offered: list[TopUp]) \
        -> dict[str, str]:
    names = {role: e.funder.name for role, e in
             envelopes_for(project, list(result.matches)).items()}
    names[rules.ASSOCIATION] = project.association.name
    names.update({t.role: t.funder.name for t in offered if t.funder_id})
    return names


def envelope_impact(project: Project, explanation: Explanation) -> list[EnvelopeImpact]:
    """Per envelope: what is available before and after this project's reservation (a
    funder's share and its top-up come out of one envelope)."""
    commitments = list(Commitment.objects.filter(project=project, envelope__isnull=False)
                       .select_related("envelope__funder").order_by("position"))
    if commitments:
        by_envelope: dict[int, list] = {}
        for c in commitments:
            by_envelope.setdefault(c.envelope_id, []).append(c)
        return [EnvelopeImpact(held[0].envelope.funder.name, held[0].envelope.amount,
                               sum(c.target for c in held),
                               held[0].envelope.available + sum(c.reserved for c in held),
                               held[0].envelope.available)
                for held in by_envelope.values()]
    result = explanation.result
    if result is None:
        return []
    needs: dict[int, tuple] = {}
    for role, envelope in envelopes_for(project, list(result.matches)).items():
        needs[envelope.pk] = (envelope, result.targets[role])
    for top_up in explanation.offered:
        if top_up.envelope_id:
            envelope, need = needs.get(top_up.envelope_id, (top_up.envelope, Decimal(0)))
            needs[top_up.envelope_id] = (envelope, need + top_up.amount)
    return [EnvelopeImpact(envelope.funder.name, envelope.amount, need, envelope.available,
                           envelope.available - need) for envelope, need in needs.values()]


def association_history(project: Project, user) -> dict:
    """The association's other projects the officer may see (his district's, and public ones
    elsewhere), and its receipts on projects of his district."""
    visible = (Q(pk__in=Project.objects.visible_to(user).values("pk"))
               | Q(pk__in=Project.objects.public().values("pk")))
    projects = (Project.objects.filter(visible, association_id=project.association_id)
                .exclude(pk=project.pk).select_related("mahalla").order_by("-created_at"))
    receipts = (Receipt.objects.filter(association_id=project.association_id,
                                       project__in=Project.objects.visible_to(user))
                .select_related("project").order_by("-received_on", "-id"))
    return {"projects": projects[:20], "receipts": receipts[:20]}
