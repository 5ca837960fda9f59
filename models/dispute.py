"""Disputes' mediation details and emergencies' alerts: side tables keyed by the case."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import JSON, Field, SQLModel

from models.types import UTCDateTime


class DisputeDetails(SQLModel, table=True):
    """What a dispute is about and how its mediation went; personal data, shown only to staff."""

    __tablename__ = "dispute_details"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    what: str = Field(sa_column=Column(Text, nullable=False))
    place: str | None = Field(default=None, max_length=200)
    other_party: str | None = Field(default=None, max_length=200)
    # The other party, when the bot could match them to a known resident (building and room).
    other_party_id: int | None = Field(default=None, foreign_key="person.id")
    since: str | None = Field(default=None, max_length=40)
    injury: bool = False
    property_damage: bool = False
    compensation: bool = False  # someone asks for compensation
    amount: int | None = None  # yuan, when the text names a sum
    repeated: bool = False  # the resident says it happened before, or our records show it
    proposed_tier: str = Field(max_length=20)
    tier: str = Field(max_length=20)
    tier_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    session_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    session_place: str | None = Field(default=None, max_length=200)
    outcome: str | None = Field(default=None, max_length=20)  # agreement/partial/failed/referred
    outcome_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agreement: str | None = Field(default=None, sa_column=Column(Text))
    referral_target: str | None = Field(default=None, max_length=20)
    referral_reason: str | None = Field(default=None, sa_column=Column(Text))
    followup_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followup_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followup_answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followup_held: bool | None = None


class EmergencyAlert(SQLModel, table=True):
    """An emergency's alarm: who was alerted, when last, and who took it (which stops repeats)."""

    __tablename__ = "emergency_alert"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    recipients: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_sent_at: datetime = Field(sa_type=UTCDateTime)
    last_sent_at: datetime = Field(sa_type=UTCDateTime, index=True)
    times_sent: int = 1
    acknowledged_by_id: int | None = Field(default=None, foreign_key="person.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DangerQuestion(SQLModel, table=True):
    """A resident asked "是紧急情况吗？" (danger likely, the kind unsure). Answered, it is settled;
    unanswered after DANGER_UNANSWERED_AFTER, the on-duty staff are alerted anyway (case_id)."""

    __tablename__ = "danger_question"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    person_id: int = Field(foreign_key="person.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    # The building, unit and room read from the message (the reporter's home on file otherwise).
    building: str | None = Field(default=None, max_length=20)
    unit: str | None = Field(default=None, max_length=20)
    room: str | None = Field(default=None, max_length=20)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    asked_at: datetime = Field(sa_type=UTCDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id")  # filed unanswered
