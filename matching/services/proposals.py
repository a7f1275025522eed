"""An association proposes a project for one of its home mahallas; the mahalla's clerk adopts
it as a draft project (and carries it from there) or declines it with a reason."""

from decimal import Decimal

from django.utils.translation import gettext as _

from .. import currencies
from ..errors import Forbidden, InvalidInput, NotAllowed
from ..models import Category, ProjectProposal, ProposalStatus, Role
from .base import record_decision, required_reason, service
from .projects import project_create


@service
def proposal_create(*, actor, mahalla, title: str, category: str, description: str,
                    cost: Decimal) -> ProjectProposal:
    """An association user proposes a project in one of his association's home mahallas.
    A lapsed registration may still propose (the clerk's draft shows what it must fix)."""
    if actor.role != Role.ASSOCIATION or actor.association_id is None:
        raise Forbidden(_("Only an association's users may propose its projects."))
    association = actor.association
    if not association.home_mahallas.filter(pk=mahalla.pk).exists():
        raise InvalidInput(_("Choose one of the association's home mahallas."), field="mahalla")
    if category not in Category.values:
        raise InvalidInput(_("Unknown category."), field="category")
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise InvalidInput(_("Give the project a title."), field="title")
    if not description:
        raise InvalidInput(_("Describe the project: what, where, for how many people."),
                           field="description")
    currency = mahalla.district.region.country.currency
    problem = currencies.amount_error(str(cost), currencies.minor_unit(currency), positive=True)
    if problem:
        raise InvalidInput(problem, field="cost")
    return ProjectProposal.objects.create(
        association=association, mahalla=mahalla, title=title, category=category,
        description=description, cost=cost, currency=currency, proposed_by=actor)


def _lock_waiting(actor, proposal: ProjectProposal) -> ProjectProposal:
    if not (actor.role == Role.CLERK and actor.mahallas.filter(pk=proposal.mahalla_id).exists()):
        raise Forbidden(_("Only a clerk of the mahalla may decide on its proposals."))
    proposal = ProjectProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise NotAllowed(_("This proposal was already decided."))
    return proposal


@service
def proposal_adopt(*, actor, proposal: ProjectProposal, scheme, title: str, category: str,
                   cost: Decimal, description: str = "", executor: str = "",
                   executor_kind: str = "contractor", deadline=None):
    """The clerk makes the proposal her draft project, under the scheme she chooses (she
    may correct the title, category and cost): one transaction, so a proposal is adopted
    once and its project exists exactly when it says so."""
    proposal = _lock_waiting(actor, proposal)
    project = project_create(actor=actor, mahalla=proposal.mahalla,
                             association=proposal.association, scheme=scheme, category=category,
                             title=title, cost=cost, description=description,
                             executor=executor, executor_kind=executor_kind, deadline=deadline)
    proposal.project = project
    record_decision(proposal, status=ProposalStatus.ADOPTED, actor=actor, also=("project",))
    return project


@service
def proposal_decline(*, actor, proposal: ProjectProposal, reason: str) -> ProjectProposal:
    reason = required_reason(reason, _("Give the reason: the association is told it."))
    proposal = _lock_waiting(actor, proposal)
    record_decision(proposal, status=ProposalStatus.DECLINED, actor=actor, reason=reason)
    return proposal
