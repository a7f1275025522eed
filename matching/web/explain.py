"""What an officer reads before deciding: the match explanation in the reader's language,
the impact on each envelope, and the association's history."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext

from .. import rules
from ..errors import ServiceError
from ..models import Commitment, MatchRecord, Project, Receipt
from ..services.schemes import current_version, envelopes_for, rules_of


@dataclass
class Explanation:
    steps: list[str]
    record: MatchRecord | None  # None: computed now, for a project not yet approved
    result: rules.MatchResult | None
    problems: list[str]


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
    """The latest stored computation, or, before approval, a fresh one against what is left
    in the envelopes now."""
    record = MatchRecord.objects.filter(project=project).order_by("-id").first()
    if record is not None:
        return Explanation([render_step(s) for s in record.result["steps"]], record, None, [])
    try:
        rules_ = rules_of(current_version(project.scheme))
        roles = [p.role for p in rules_.co_funders]
        envelopes = {role: e.available for role, e in envelopes_for(project, roles).items()}
        result = rules.compute_match(rules_, cost=project.cost, received=project.received,
                                     category=project.category, envelopes=envelopes)
    except ServiceError as error:
        return Explanation([], None, None, [error.message])
    except rules.RulesError as error:
        return Explanation([], None, None, [gettext(m) for ms in error.errors.values()
                                            for m in ms])
    return Explanation([step.render(gettext) for step in result.steps], None, result, [])


def envelope_impact(project: Project, explanation: Explanation) -> list[EnvelopeImpact]:
    """Per co-funder envelope: what is available before and after this project's reservation."""
    commitments = list(Commitment.objects.filter(project=project, envelope__isnull=False)
                       .select_related("envelope__funder").order_by("position"))
    if commitments:
        return [EnvelopeImpact(c.envelope.funder.name, c.envelope.amount, c.target,
                               c.envelope.available + c.reserved, c.envelope.available)
                for c in commitments]
    if explanation.result is None:
        return []
    by_role = envelopes_for(project, list(explanation.result.matches))
    return [EnvelopeImpact(envelope.funder.name, envelope.amount,
                           explanation.result.targets[role], envelope.available,
                           envelope.available - explanation.result.targets[role])
            for role, envelope in by_role.items()]


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
