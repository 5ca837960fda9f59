"""What the scheduler has sent, so nothing is lost or repeated across restarts and replicas, and
the home-visit (入户走访) records."""

from datetime import datetime

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class ReminderSent(SQLModel, table=True):
    """One reminder step of one case (e.g. "accept_75"), written with its outbox rows."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("case_id", "step", name="uq_reminder_case_step"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    step: str = Field(max_length=24)
    # The moment the deadline ran from: a step fires again only for a later start (a case
    # resolved a second time after a reopening gets its confirmation reminder again).
    since: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime = Field(sa_type=UTCDateTime)


class ScheduledSend(SQLModel, table=True):
    """A periodic send done once per key: a day's digest, a community's weekly visit list."""

    __tablename__ = "scheduled_send"

    kind: str = Field(sa_column=Column(String(20), primary_key=True))
    key: str = Field(sa_column=Column(String(60), primary_key=True))
    sent_at: datetime = Field(sa_type=UTCDateTime)


class VisitDay(SQLModel, table=True):
    """The weekday a community's grid workers visit special-care households (0 = Monday)."""

    __tablename__ = "visit_day"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    weekday: int = Field(ge=0, le=6)


class VisitLog(SQLModel, table=True):
    """The outcome of one household's visit in one ISO week (the latest press counts)."""

    __tablename__ = "visit_log"
    __table_args__ = (
        UniqueConstraint("person_id", "week", name="uq_visit_person_week"),
        Index("ix_visit_log_week", "week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    worker_id: int | None = Field(default=None, foreign_key="person.id")
    week: str = Field(max_length=8)  # ISO week, e.g. "2026-W47"
    outcome: str = Field(max_length=12)  # visited, absent, help
    at: datetime = Field(sa_type=UTCDateTime)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
