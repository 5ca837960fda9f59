"""Managers' tools: one-time invite codes for staff, and community notices with their delivery."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class InviteCode(SQLModel, table=True):
    """A one-time code that gives whoever sends `/join CODE` a staff role, until it expires."""

    __tablename__ = "invite_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    role: str = Field(max_length=20)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id")
    created_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_by_id: int | None = Field(default=None, foreign_key="person.id")
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Announcement(SQLModel, table=True):
    """A community notice (社区通知): drafted, then sent to the groups and subscribed residents."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    private_too: bool = False
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # queued for delivery
    # The manager's progress message, edited in place as deliveries are confirmed.
    progress_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    progress_outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    # Filled in with {done} and {total} (and {failed}) as deliveries are confirmed.
    progress_template: str = Field(default="", sa_column=Column(Text, nullable=False))
    done_template: str = Field(default="", sa_column=Column(Text, nullable=False))
    partial_template: str = Field(default="", sa_column=Column(Text, nullable=False))
    reported_done: int = 0
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AnnouncementDelivery(SQLModel, table=True):
    """One recipient chat of a notice and the outbox message that carries it."""

    __tablename__ = "announcement_delivery"
    __table_args__ = (Index("ix_announcement_delivery_ann", "announcement_id"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    outbox_id: int = Field(foreign_key="outbox.id")
