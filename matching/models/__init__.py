from .accounts import Role, User
from .associations import BoardMember, MigrantAssociation
from .geography import Country, District, Mahalla, Region
from .money import (Commitment, EntryKind, ExchangeRate, LedgerEntry, MatchRecord, Pledge, PledgeStatus,
                    Receipt, ReceiptStatus, Tranche)
from .projects import Evidence, EvidenceKind, ExecutorKind, Project, ProjectStatus, StatusChange
from .schemes import (ASSOCIATION_ROLE, BudgetEnvelope, Category, Funder, FunderKind, Scheme,
                      SchemeCategoryWeight, SchemeParty, SchemeVersion)

__all__ = [
    "ASSOCIATION_ROLE", "BoardMember", "BudgetEnvelope", "Category", "Commitment", "Country",
    "District", "EntryKind", "Evidence", "EvidenceKind", "ExchangeRate", "ExecutorKind", "Funder",
    "FunderKind", "LedgerEntry", "Mahalla", "MatchRecord", "MigrantAssociation", "Pledge", "PledgeStatus",
    "Project", "ProjectStatus", "Receipt", "ReceiptStatus", "Region", "Role", "Scheme",
    "SchemeCategoryWeight", "SchemeParty", "SchemeVersion", "StatusChange", "Tranche", "User",
]

from .outbox import OutboxMessage  # noqa: E402

__all__ += ["OutboxMessage"]

from .api import DeliveryStatus, IdempotencyKey, WebhookDelivery, WebhookEndpoint  # noqa: E402

__all__ += ["DeliveryStatus", "IdempotencyKey", "WebhookDelivery", "WebhookEndpoint"]

from .notifications import (DeliveryResult, MessageLog, NotificationChannel, Reminder,  # noqa: E402
                            ReminderKind, ReminderStatus, SubjectType)

__all__ += ["DeliveryResult", "MessageLog", "NotificationChannel", "Reminder", "ReminderKind",
            "ReminderStatus", "SubjectType"]

from .imports import ImportBatch, ImportKind, ImportMode, ImportRow, ImportStatus, RowOutcome  # noqa: E402

__all__ += ["ImportBatch", "ImportKind", "ImportMode", "ImportRow", "ImportStatus", "RowOutcome"]

from .jobs import FINISHED as JOB_FINISHED  # noqa: E402
from .jobs import Job, JobKind, JobStatus  # noqa: E402

__all__ += ["JOB_FINISHED", "Job", "JobKind", "JobStatus"]
