"""Writes that span models, take locks or talk to the outside world.

Each is `<entity>_<action>(*, actor, ...)`: keyword-only, one transaction, audited with its
actor. Reads are QuerySet methods (querysets.py), not services.
"""

from .approvals import match_recompute, project_approve, project_cancel, project_conditions_met
from .money import (clawback_record, evidence_add, pledge_create, pledge_withdraw,
                    receipt_confirm, receipt_record, receipt_refund, receipt_reject,
                    receipt_reverse, tranche_disburse)
from .projects import (project_close, project_complete, project_create, project_decide,
                       project_resume, project_review_start, project_start, project_submit,
                       project_suspend)
from .recompute import matches_recompute
from .schemes import scheme_publish

__all__ = [
    "clawback_record", "evidence_add", "match_recompute", "matches_recompute", "pledge_create", "pledge_withdraw",
    "project_approve", "project_cancel", "project_close", "project_complete",
    "project_conditions_met", "project_create", "project_decide", "project_resume",
    "project_review_start", "project_start", "project_submit", "project_suspend",
    "receipt_confirm", "receipt_record", "receipt_refund", "receipt_reject", "receipt_reverse", "scheme_publish", "tranche_disburse",
]
