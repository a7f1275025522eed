"""Writes that span models, take locks or talk to the outside world.

Each is `<entity>_<action>(*, actor, ...)`: keyword-only, one transaction, audited with its
actor. Reads are QuerySet methods (querysets.py), not services.
"""

from .approvals import match_recompute, project_approve, project_cancel, project_conditions_met
from .money import (clawback_record, evidence_add, pledge_create, pledge_withdraw,
                    receipt_record, receipt_refund, receipt_reverse, tranche_disburse)
from .projects import (project_close, project_complete, project_create, project_decide,
                       project_resume, project_review_start, project_start, project_submit,
                       project_suspend)
from .associations import application_approve, application_refuse, association_apply
from .funders import envelope_adjust, envelope_open, funder_save
from .geography import geography_load, place_population_set
from .proposals import proposal_adopt, proposal_create, proposal_decline
from .recompute import matches_recompute
from .schemes import scheme_copy, scheme_publish, scheme_save
from .users import (invitation_accept, invitation_resend, user_invite, user_reinstate,
                    user_update, user_withdraw)

__all__ = [
    "clawback_record", "evidence_add", "match_recompute", "matches_recompute", "pledge_create", "pledge_withdraw",
    "project_approve", "project_cancel", "project_close", "project_complete",
    "project_conditions_met", "project_create", "project_decide", "project_resume",
    "project_review_start", "project_start", "project_submit", "project_suspend",
    "receipt_record", "receipt_refund", "receipt_reverse", "scheme_publish", "tranche_disburse",
    "application_approve", "application_refuse", "association_apply", "envelope_adjust",
    "envelope_open", "funder_save", "geography_load", "place_population_set", "proposal_adopt",
    "proposal_create", "proposal_decline", "scheme_copy", "scheme_save", "invitation_accept",
    "invitation_resend", "user_invite", "user_reinstate", "user_update", "user_withdraw",
]

from .calls import (application_submit, application_withdraw, call_close,  # noqa: E402
                    call_open, call_save)
from .scoring import interest_declare, member_add, member_remove, score_submit  # noqa: E402
from .selection import allocation_propose, call_decide  # noqa: E402
from .sessions import (session_attendance, session_publish, session_schedule,  # noqa: E402
                       votes_record)

__all__ += ["application_submit", "application_withdraw", "call_close", "call_open",
            "call_save", "interest_declare", "member_add", "member_remove", "score_submit",
            "allocation_propose", "call_decide", "session_attendance", "session_publish",
            "session_schedule", "votes_record"]
