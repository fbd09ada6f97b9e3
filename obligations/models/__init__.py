from .api_tokens import ApiToken
from .audit import AuditEvent
from .calendar import CalendarDay
from .cases import Case, CaseCounter, CaseEvent
from .channels import Delivery, Robot
from .evidence import Evidence, EvidenceDisposal, EvidenceImmutable
from .health import SweepRun, WorkerBeat
from .invitations import Invitation
from .letters import Clause, Letter
from .notifications import CalendarFeed, Notification, PlannerWake
from .occurrences import Completion, Occurrence
from .preferences import UserPreferences
from .reviews import ExportJob, Rectification, Review, ReviewExplanation, ReviewFinding, ReviewSignature
from .schedules import Obligation, Trigger
from .signins import FailedSignIns
from .tenancy import Membership, Platform, Role
from .webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CalendarFeed",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CalendarDay",
    "Clause",
    "Completion",
    "Delivery",
    "Evidence",
    "EvidenceDisposal",
    "EvidenceImmutable",
    "ExportJob",
    "FailedSignIns",
    "Invitation",
    "Letter",
    "Membership",
    "Notification",
    "Obligation",
    "Occurrence",
    "Platform",
    "PlannerWake",
    "Rectification",
    "Review",
    "ReviewExplanation",
    "ReviewFinding",
    "ReviewSignature",
    "Robot",
    "SweepRun",
    "WorkerBeat",
    "Role",
    "Trigger",
    "UserPreferences",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
