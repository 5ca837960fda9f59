"""Enumerations shared by models, services and handlers."""

from enum import StrEnum


class CaseKind(StrEnum):
    """What a resident's request is about."""

    REPAIR = "repair"
    DISPUTE = "dispute"
    WISH = "wish"
    EMERGENCY = "emergency"
    OTHER = "other"


class CaseStatus(StrEnum):
    """Where a case is in its closed loop."""

    NEW = "new"  # for a wish: waiting for review
    PUBLISHED = "published"  # a wish approved and open for volunteers to claim
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"  # handled by the worker, awaiting the resident's confirmation
    REOPENED = "reopened"
    RETURNED = "returned"  # sent back to the manager by the worker
    CLOSED = "closed"
    REFERRED = "referred"  # handed outside the community (police, court, property management)
    CANCELLED = "cancelled"  # withdrawn, or a wish declined at review


class CaseAction(StrEnum):
    """Everything that can happen to a case; each is one row of the lifecycle table."""

    CREATE = "create"
    ASSIGN = "assign"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    RETURN = "return"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    RATE = "rate"
    CANCEL = "cancel"
    # Micro-wishes: review, then volunteers claim and may give back.
    APPROVE = "approve"
    DECLINE = "decline"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    # Disputes: a mediation session, a move to the next tier, a referral outside, a follow-up
    # that finds the agreement broken.
    SCHEDULE = "schedule"
    ESCALATE = "escalate"
    REFER = "refer"
    RELAPSE = "relapse"
    # The scheduler: a resolved case nobody confirmed in time is closed, recorded as such.
    AUTO_CLOSE = "auto_close"
    # Issue 17: a duplicate merged into the case that survives (its followers carry over).
    MERGE = "merge"


class Urgency(StrEnum):
    """How fast a case must be handled."""

    NORMAL = "normal"
    URGENT = "urgent"


class Role(StrEnum):
    """A person's role in the sub-district."""

    ADMIN = "admin"  # sub-district (街道) admin
    MANAGER = "manager"  # community (社区) manager
    WORKER = "worker"  # grid worker (网格员)
    MEDIATOR = "mediator"
    VOLUNTEER = "volunteer"


class MediatorTier(StrEnum):
    """Mediation tiers: volunteer, community, legal."""

    VOLUNTEER = "volunteer"
    COMMUNITY = "community"
    LEGAL = "legal"
