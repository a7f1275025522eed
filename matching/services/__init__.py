"""Writes that span models, take locks or talk to the outside world.

Each is `<entity>_<action>(*, actor, ...)`: keyword-only, one transaction, audited with its
actor. Reads are QuerySet methods (querysets.py), not services.
"""

from .approvals import match_recompute, project_approve, project_cancel, project_conditions_met
from .closing import final_accounting, project_close
from .contracts import project_start
from .decisions import decision_confirm, decision_record, decision_return
from .money import (clawback_record, evidence_add, pledge_create, pledge_withdraw,
                    receipt_record, receipt_refund, receipt_reverse, tranche_disburse)
from .projects import (project_complete, project_create, project_decide, project_resume,
                       project_review_start, project_submit, project_suspend)
from .recompute import matches_recompute
from .schemes import scheme_publish
from .topups import top_up_offer, top_up_withdraw

__all__ = [
    "clawback_record", "decision_confirm", "decision_record", "decision_return",
    "evidence_add", "final_accounting", "match_recompute", "matches_recompute",
    "pledge_create", "pledge_withdraw", "project_approve", "project_cancel", "project_close",
    "project_complete", "project_conditions_met", "project_create", "project_decide",
    "project_resume", "project_review_start", "project_start", "project_submit",
    "project_suspend", "receipt_record", "receipt_refund", "receipt_reverse", "scheme_publish",
    "tranche_disburse", "top_up_offer", "top_up_withdraw",
]
