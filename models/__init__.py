"""All tables; importing this module registers every one of them with SQLModel's metadata."""

from models.audit import DataAccess
from models.case import Case, CaseEvent
from models.enums import CaseAction, CaseKind, CaseStatus, MediatorTier, Role, Urgency
from models.infra import ConversationState, OutboxMessage, ProcessedUpdate
from models.reminder import ReminderSent, ScheduledSend, VisitDay, VisitLog
from models.structure import Building, Community, Grid, GroupChat, Person, StaffRole, Street

__all__ = [
    "Building", "Case", "CaseAction", "CaseEvent", "CaseKind", "CaseStatus", "Community",
    "ConversationState", "DataAccess", "GroupChat", "Grid", "MediatorTier", "OutboxMessage",
    "Person", "ProcessedUpdate", "ReminderSent", "Role", "ScheduledSend", "StaffRole", "Street",
    "Urgency", "VisitDay", "VisitLog",
]
