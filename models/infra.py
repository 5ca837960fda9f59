"""Plumbing tables: processed updates, the outbox and conversation state."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text
from sqlmodel import JSON, Field, SQLModel

from models.types import UTCDateTime, utcnow


class ProcessedUpdate(SQLModel, table=True):
    """A Telegram update already handled: written in the same transaction as its effects."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message to send, written with the change that caused it and drained by the sender."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "failed_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    case_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Delivery timing is the sender's (wall clock): None means "as soon as possible".
    available_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    # 2: an emergency, 1: the answer to the person who just acted, 0: the rest. Higher goes
    # first, across chats and within one chat.
    priority: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_error: str | None = Field(default=None, sa_column=Column(String(300)))


class ConversationState(SQLModel, table=True):
    """What the bot is waiting for from one person in one chat (e.g. "the building number")."""

    __tablename__ = "conversation_state"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    step: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FailedUpdate(SQLModel, table=True):
    """An update that failed outside the conversations (e.g. the library could not parse it):
    kept with its raw JSON and error; skipped after a bounded number of attempts."""

    __tablename__ = "failed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    attempts: int = 0
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    first_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    skipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StructureVersion(SQLModel, table=True):
    """One row: a number raised by every transaction that changes the structure (streets,
    communities, grids, buildings, group chats, staff roles, staff members), so that each
    process can keep a snapshot of it and know when to read it again."""

    __tablename__ = "structure_version"

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
