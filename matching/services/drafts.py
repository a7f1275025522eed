"""A draft in the clerk's hands: edited until it is submitted, or withdrawn with a reason.

A withdrawn draft stays on record (status `withdrawn`, its reason in the timeline); money it
held goes back to the association by refund entries in the ledger, and its pledges are
withdrawn with it so that no reminder chases them.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from .. import ledger, policies
from ..errors import NotAllowed
from ..models import Pledge, PledgeStatus, Project, ProjectStatus, Receipt, Scheme
from .approvals import _refunds
from .base import service
from .projects import check_draft, lock, require_reason, require_transition, transition

S = ProjectStatus
EDITABLE = ("title", "description", "category", "cost", "scheme", "mahalla", "executor",
            "executor_kind", "deadline")


@service
def project_edit(*, project: Project, actor, title: str, mahalla, scheme: Scheme,
                 category: str, cost: Decimal, description: str = "", executor: str = "",
                 executor_kind: str = "contractor",
                 deadline: datetime.date | None = None) -> Project:
    """Change what a draft says. The association stays (its pledges and receipts are the
    draft's money); a scheme in another currency is refused once money is in, because the
    receipts were converted to the old one. The project keeps its code."""
    project = lock(project)
    policies.require(actor, "edit", project)
    if project.status != S.DRAFT:
        raise NotAllowed(_("Only a draft can be edited; project %(code)s is %(status)s.") % {
            "code": project.code, "status": project.get_status_display()},
            code="not_a_draft")
    title = check_draft(actor=actor, mahalla=mahalla, scheme=scheme, category=category,
                        cost=cost, title=title)
    if scheme.currency != project.currency and Receipt.objects.filter(project=project).exists():
        raise NotAllowed(_("This draft holds money converted to %(currency)s: choose a scheme "
                           "in %(currency)s, or withdraw the draft and start again.") % {
            "currency": project.currency}, field="scheme", code="currency_change")
    values = {"title": title, "description": description, "category": category, "cost": cost,
              "scheme": scheme, "mahalla": mahalla, "executor": executor,
              "executor_kind": executor_kind, "deadline": deadline}
    for name, value in values.items():
        setattr(project, name, value)
    project.currency = scheme.currency
    project.save(update_fields=[*EDITABLE, "currency", "updated_at"])
    return project


@service
def project_withdraw(*, project: Project, actor, reason: str) -> Project:
    """Withdraw a draft: refund every receipt it holds (newest first, by refund entries),
    withdraw its announced pledges, and keep it on record with the reason."""
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "withdraw", project)
    require_transition(project, S.WITHDRAWN)
    # `received` as read under the project's lock: nothing else moves it meanwhile
    ledger.post_many(_refunds(project, project.received, actor=actor,
                              memo=_("Refund: draft withdrawn")))
    Pledge.objects.filter(project=project, status=PledgeStatus.ANNOUNCED).update(
        status=PledgeStatus.WITHDRAWN)
    transition(project, S.WITHDRAWN, actor=actor, reason=reason)
    return project
