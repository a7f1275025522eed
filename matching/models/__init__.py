from .accounts import Role, User
from .associations import BoardMember, MigrantAssociation
from .geography import Country, District, Mahalla, PlaceKind, Region
from .money import (Commitment, EntryKind, ExchangeRate, LedgerEntry, MatchRecord, Pledge, PledgeStatus,
                    Receipt, ReceiptStatus, Tranche)
from .projects import Evidence, EvidenceKind, ExecutorKind, Project, ProjectStatus, StatusChange
from .decisions import (DECISION_CHOICES, Contract, DecisionStatus, PendingDecision,  # noqa: I001
                        TopUp, TopUpStatus)
from .schemes import (ASSOCIATION_ROLE, BudgetEnvelope, Category, Funder, FunderKind, Scheme,
                      SchemeCategoryWeight, SchemeParty, SchemeVersion)

__all__ = [
    "ASSOCIATION_ROLE", "BoardMember", "BudgetEnvelope", "Category", "Commitment", "Country",
    "District", "EntryKind", "Evidence", "EvidenceKind", "ExchangeRate", "ExecutorKind", "Funder",
    "FunderKind", "LedgerEntry", "Mahalla", "MatchRecord", "PlaceKind", "MigrantAssociation", "Pledge", "PledgeStatus",
    "Project", "ProjectStatus", "Receipt", "ReceiptStatus", "Region", "Role", "Scheme",
    "SchemeCategoryWeight", "SchemeParty", "SchemeVersion", "StatusChange", "Tranche", "User",
    "Contract", "DECISION_CHOICES", "DecisionStatus", "PendingDecision", "TopUp", "TopUpStatus",
]

from .outbox import OutboxMessage  # noqa: E402

__all__ += ["OutboxMessage"]

from .api import DeliveryStatus, IdempotencyKey, WebhookDelivery, WebhookEndpoint  # noqa: E402

__all__ += ["DeliveryStatus", "IdempotencyKey", "WebhookDelivery", "WebhookEndpoint"]

from .notifications import (CHOSEN_CHANNELS, TOPIC_OF, DeliveryResult,  # noqa: E402
                            MessageLog, NotificationChannel, NotificationPreference,
                            NotificationTopic, Reminder, ReminderKind, ReminderStatus,
                            SubjectType, TelegramLink)

__all__ += ["CHOSEN_CHANNELS", "TOPIC_OF", "DeliveryResult", "MessageLog", "NotificationChannel",
            "NotificationPreference", "NotificationTopic", "Reminder", "ReminderKind",
            "ReminderStatus", "SubjectType", "TelegramLink"]

from .imports import ImportBatch, ImportKind, ImportMode, ImportRow, ImportStatus, RowOutcome  # noqa: E402

__all__ += ["ImportBatch", "ImportKind", "ImportMode", "ImportRow", "ImportStatus", "RowOutcome"]

from .accounts import INVITATION_DAYS, Invitation  # noqa: E402
from .associations import (MIN_MEMBERS, REGISTRATION_YEARS, ApplicationKind,  # noqa: E402
                           ApplicationStatus, RegistrationApplication)
from .proposals import ProjectProposal, ProposalStatus  # noqa: E402
from .schemes import EnvelopeAdjustment  # noqa: E402

__all__ += ["INVITATION_DAYS", "Invitation", "MIN_MEMBERS", "REGISTRATION_YEARS",
            "ApplicationKind", "ApplicationStatus", "RegistrationApplication", "ProjectProposal",
            "ProposalStatus", "EnvelopeAdjustment"]
from .works import (CommitteeRole, Milestone, MilestoneProgress, OversightMember,  # noqa: E402
                    ProgressReport, SignOff)

__all__ += ["CommitteeRole", "Milestone", "MilestoneProgress", "OversightMember",
            "ProgressReport", "SignOff"]

from .checks import CheckSource, LedgerCheck  # noqa: E402

__all__ += ["CheckSource", "LedgerCheck"]
from .complaints import Complaint, ComplaintCategory, ComplaintStatus  # noqa: E402

__all__ += ["Complaint", "ComplaintCategory", "ComplaintStatus"]

from .jobs import FINISHED as JOB_FINISHED  # noqa: E402
from .jobs import Job, JobKind, JobStatus  # noqa: E402

__all__ += ["JOB_FINISHED", "Job", "JobKind", "JobStatus"]

from .calls import (COMPUTED_KINDS, SCORE_MAX, Application, Call, CallEnvelope,  # noqa: E402
                    CallStatus, Criterion, CriterionKind, CriterionValue)
from .committee import (Attendance, CommitteeMember, CommitteeSession, Interest,  # noqa: E402
                        Score, ScoreSheet, SessionStatus, Vote, VoteChoice)
from .selection import AllocationRun, CallDecision, Outcome  # noqa: E402

__all__ += ["COMPUTED_KINDS", "SCORE_MAX", "Application", "Call", "CallEnvelope", "CallStatus",
            "Criterion", "CriterionKind", "CriterionValue", "Attendance", "CommitteeMember",
            "CommitteeSession", "Interest", "Score", "ScoreSheet", "SessionStatus", "Vote",
            "VoteChoice", "AllocationRun", "CallDecision", "Outcome"]

from .summaries import RegionalTotal  # noqa: E402

__all__ += ["RegionalTotal"]
