"""Cases (工单) and their append-only history."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.enums import CaseStatus, Urgency
from models.types import UTCDateTime, utcnow


class Case(SQLModel, table=True):
    """A resident's request; its id is the case number residents and workers see (#12)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_assignee_status", "assignee_id", "status"),
        Index("ix_cases_reporter", "reporter_id", "created_at"),
        Index("ix_cases_community_status", "community_id", "status"),
        # The scheduler's reminder queries and the digest's period queries.
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_status_updated", "status", "updated_at"),
        Index("ix_cases_kind_status", "kind", "status", "accepted_at"),
        Index("ix_cases_community_created", "community_id", "created_at"),
        Index("ix_cases_closed_at", "closed_at"),
        Index("ix_cases_accepted_at", "accepted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    status: str = Field(default=CaseStatus.NEW, max_length=20)
    urgency: str = Field(default=Urgency.NORMAL, max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))
    community_id: int | None = Field(default=None, foreign_key="community.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    building_id: int | None = Field(default=None, foreign_key="building.id")
    building_label: str | None = Field(default=None, max_length=20)  # as given, even if unknown
    unit: str | None = Field(default=None, max_length=20)
    room: str | None = Field(default=None, max_length=20)
    reporter_id: int = Field(foreign_key="person.id")
    assignee_id: int | None = Field(default=None, foreign_key="person.id")
    source_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    source_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    resolution_note: str | None = Field(default=None, sa_column=Column(Text))
    rating: int | None = None
    rating_comment: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # wishes
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Issue 17: residents who said 我也遇到 (besides the reporter), and the case this one was
    # merged into (a merged case is cancelled and counted once, as its survivor).
    followers: int = Field(default=0)
    merged_into_id: int | None = Field(default=None, foreign_key="cases.id")


class CaseEvent(SQLModel, table=True):
    """One change of a case: who did what, when, from which status to which, and why."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=20)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    assignee_id: int | None = Field(default=None, foreign_key="person.id")
    note: str | None = Field(default=None, sa_column=Column(Text))
