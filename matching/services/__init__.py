"""Writes that span models, take locks or talk to the outside world.

Each is `<entity>_<action>(*, actor, ...)`: keyword-only, one transaction, audited with its
actor. Reads are QuerySet methods (querysets.py), not services.
"""

from .approvals import match_recompute, project_approve, project_cancel, project_conditions_met
from .associations import application_approve, application_refuse, association_apply
from .closing import final_accounting, project_close
from .complaints import complaint_answer, complaint_file
from .contracts import project_start
from .decisions import decision_confirm, decision_record, decision_return
from .drafts import project_edit, project_withdraw
from .funders import envelope_adjust, envelope_open, funder_save
from .geography import geography_load, place_population_set
from .money import (clawback_record, evidence_add, pledge_create, pledge_withdraw,
                    receipt_confirm, receipt_record, receipt_refund, receipt_reject,
                    receipt_reverse, tranche_disburse)
from .projects import (project_create, project_decide, project_resume, project_review_start,
                       project_submit, project_suspend)
from .proposals import proposal_adopt, proposal_create, proposal_decline
from .recompute import matches_recompute
from .schemes import scheme_copy, scheme_publish, scheme_save
from .topups import top_up_offer, top_up_withdraw
from .users import (invitation_accept, invitation_resend, user_invite, user_reinstate,
                    user_update, user_withdraw)
from .works import (milestones_set, oversight_member_add, oversight_member_edit,
                    oversight_member_remove, oversight_sign_off, progress_report_create,
                    project_complete)

__all__ = [
    "application_approve", "application_refuse", "association_apply", "clawback_record",
    "complaint_answer", "complaint_file", "decision_confirm", "decision_record",
    "decision_return", "envelope_adjust", "envelope_open", "evidence_add", "final_accounting",
    "funder_save", "geography_load", "invitation_accept", "invitation_resend", "match_recompute",
    "matches_recompute", "milestones_set", "oversight_member_add", "oversight_member_edit",
    "oversight_member_remove", "oversight_sign_off", "place_population_set", "pledge_create",
    "pledge_withdraw", "progress_report_create", "project_approve", "project_cancel",
    "project_close", "project_complete", "project_conditions_met", "project_create",
    "project_decide", "project_edit", "project_resume", "project_review_start", "project_start",
    "project_submit", "project_suspend", "project_withdraw", "proposal_adopt", "proposal_create",
    "proposal_decline", "receipt_confirm", "receipt_record", "receipt_refund", "receipt_reject",
    "receipt_reverse", "scheme_copy",
    "scheme_publish", "scheme_save", "top_up_offer", "top_up_withdraw", "tranche_disburse",
    "user_invite", "user_reinstate", "user_update", "user_withdraw",
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

from .notifications import (preferences_update, telegram_link_confirm,  # noqa: E402
                            telegram_link_start, telegram_unlink)

__all__ += ["preferences_update", "telegram_link_confirm", "telegram_link_start",
            "telegram_unlink"]
