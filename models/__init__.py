"""All tables; importing this module registers every one of them with SQLModel's metadata."""

from models.activity import Activity, ActivitySignup
from models.audit import DataAccess
from models.case import Case, CaseEvent
from models.dispute import DangerQuestion, DisputeDetails, EmergencyAlert
from models.enums import CaseAction, CaseKind, CaseStatus, MediatorTier, Role, Urgency
from models.guide import GuideEntry, GuideQuestion
from models.infra import ConversationState, FailedUpdate, OutboxMessage, ProcessedUpdate
from models.media import CaseMedia, PhoneAsked
from models.reminder import ReminderSent, ScheduledSend, VisitDay, VisitLog
from models.skills import Partner, WishOffer
from models.staff import Announcement, AnnouncementDelivery, InviteCode
from models.structure import Building, Community, Grid, GroupChat, Person, StaffRole, Street
from models.voice import CaseFollower, Suggestion, VoteBallot, VoteTopic
from models.wish import PointsEntry, Redemption, ShopItem, VolunteerGroup, WishDetails

__all__ = [
    "Activity", "ActivitySignup", "Partner", "WishOffer",
    "Announcement", "AnnouncementDelivery", "InviteCode",
    "Building", "Case", "CaseAction", "CaseEvent", "CaseKind", "CaseMedia", "CaseStatus",
    "Community", "PhoneAsked",
    "ConversationState", "DangerQuestion", "DataAccess", "DisputeDetails", "EmergencyAlert",
    "FailedUpdate",
    "GroupChat", "Grid", "GuideEntry", "GuideQuestion",
    "MediatorTier", "OutboxMessage", "Person", "PointsEntry", "ProcessedUpdate", "Redemption",
    "ReminderSent", "Role", "ScheduledSend", "ShopItem", "StaffRole", "Street", "Urgency",
    "VisitDay", "VisitLog", "VolunteerGroup", "WishDetails",
    "CaseFollower", "Suggestion", "VoteBallot", "VoteTopic",
]
