"""Starting the works: the executor and the works contract (amount, date, signed document)
are recorded with the start, by the clerk or the officer (DOMAIN.md, table of actions)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies
from ..errors import InvalidInput
from ..models import Contract, ExecutorKind, Project, ProjectStatus
from ..uploads import validate_upload
from .base import service
from .money import checked_amount
from .projects import lock, require_transition, transition

S = ProjectStatus


@service
def project_start(*, project: Project, actor, executor: str, executor_kind: str, amount,
                  signed_on: datetime.date | None, document) -> Contract:
    """A funded project's works start under a signed contract; the executor it names
    becomes the project's. The document is stored only if the start goes through."""
    project = lock(project)
    policies.require(actor, "start", project)
    require_transition(project, S.IN_PROGRESS)
    executor = (executor or "").strip()
    if not executor:
        raise InvalidInput(_("Name the executor of the works."), field="executor")
    if executor_kind not in ExecutorKind.values:
        raise InvalidInput(_("Unknown kind of executor."), field="executor_kind")
    amount = checked_amount(amount, project.currency, "amount")
    if signed_on is None:
        raise InvalidInput(_("Give the date the contract was signed."), field="signed_on")
    if signed_on > timezone.localdate():
        raise InvalidInput(_("A contract cannot be signed in the future."), field="signed_on")
    if document is None:
        raise InvalidInput(_("Upload the signed contract."), field="document")
    validate_upload(document, field="document")
    contract = Contract(project=project, executor=executor[:200], executor_kind=executor_kind,
                        amount=amount, signed_on=signed_on, document=document,
                        recorded_by=actor)
    contract.save()
    try:
        project.executor, project.executor_kind = contract.executor, executor_kind
        transition(project, S.IN_PROGRESS, actor=actor, also=("executor", "executor_kind"))
    except Exception:  # the row rolls back with the refusal: so does its file
        contract.document.storage.delete(contract.document.name)
        raise
    return contract
