"""What residents and workers send besides words: photos, voice messages and map points kept
with a case (by Telegram's file_id, never the file), and when a resident was asked for a phone."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class CaseMedia(SQLModel, table=True):
    """One photo, voice message or location of a case: with the report, or proof of the work."""

    __tablename__ = "case_media"
    __table_args__ = (Index("ix_case_media_album", "added_by_id", "album"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=10)  # "photo", "voice", "location"
    purpose: str = Field(default="report", max_length=10)  # "report", "proof"
    file_id: str | None = Field(default=None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    album: str | None = Field(default=None, max_length=64)  # Telegram's media_group_id
    added_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PhoneAsked(SQLModel, table=True):
    """A resident was asked once for their phone number (never again, whatever they chose)."""

    __tablename__ = "phone_asked"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
