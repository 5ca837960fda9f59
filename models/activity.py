"""Community activities (社区活动): announced to the groups, joined with a button, checked in at
the door; volunteers' hours and points go to the points ledger."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from models.types import UTCDateTime, utcnow


class Activity(SQLModel, table=True):
    """One occurrence of an activity; a weekly one gets its next occurrence when it starts."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_community_start", "community_id", "starts_at"),
                      Index("ix_activity_starts_at", "starts_at"))

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    organiser_id: int = Field(foreign_key="person.id")
    title: str = Field(max_length=100)
    place: str = Field(max_length=200)
    audience: str | None = Field(default=None, max_length=200)  # who may join, as announced
    # Who may join, as checked at sign-up (services/activity_rules.py): {"buildings": ["3"],
    # "community": true, "groups": ["volunteer", "elderly"]}; empty: everyone.
    eligibility: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    hours: float = 2.0  # how long it lasts: volunteers' hours credited at check-in
    capacity: int  # places; further sign-ups wait
    points: int = 0  # for each volunteer who attends
    weekly: bool = False
    previous_id: int | None = Field(default=None, foreign_key="activity.id")  # weekly series
    # A short code read out at the door: attendees send /checkin CODE.
    code: str = Field(sa_column=Column(String(8), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActivitySignup(SQLModel, table=True):
    """A person's place (or place on the waiting list) in one activity, and their attendance."""

    __tablename__ = "activity_signup"
    __table_args__ = (UniqueConstraint("activity_id", "person_id", name="uq_signup_person"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    status: str = Field(max_length=10)  # joined, waiting, cancelled
    volunteer: bool = False  # signed up as a volunteer of the community: hours and points
    signed_at: datetime = Field(sa_type=UTCDateTime)  # the waiting list's order
    checked_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    points: int = 0  # credited at check-in
