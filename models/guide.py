"""The service guide (办事指南): what residents can get done where, and what they asked it."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import JSON, Field, SQLModel

from models.types import UTCDateTime, utcnow


class GuideEntry(SQLModel, table=True):
    """One service: who may apply, what to bring, where and when, phone, link, and the words
    residents use for it. Street-wide when `community_id` is None."""

    __tablename__ = "guide_entry"
    __table_args__ = (Index("ix_guide_entry_scope", "street_id", "community_id"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    name: str = Field(max_length=100)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    who: str | None = Field(default=None, max_length=500)
    bring: str | None = Field(default=None, max_length=500)
    place: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=32)
    link: str | None = Field(default=None, max_length=300)
    # "file" entries are the structure file's (an import removes those it no longer lists);
    # "chat" entries were written by a manager with /guide add and are left alone by imports.
    source: str = Field(default="chat", max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GuideQuestion(SQLModel, table=True):
    """A resident's question and what the guide did with it, so managers see the gaps."""

    __tablename__ = "guide_question"
    __table_args__ = (Index("ix_guide_question_community_at", "community_id", "asked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int | None = Field(default=None)
    text: str = Field(max_length=4000)
    entry_id: int | None = Field(default=None, foreign_key="guide_entry.id")
    # answered -> helpful | not_helpful (then a case); unanswered (no match: a case as before)
    outcome: str = Field(max_length=12)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
