"""Residents' voice (issue 17): followers of a case (我也遇到), the suggestion box (意见建议),
and deliberation votes (居民议事) whose ballots stay secret."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class CaseFollower(SQLModel, table=True):
    """A resident affected by someone else's case: hears its progress, confirms the fix too."""

    __tablename__ = "case_follower"
    __table_args__ = (UniqueConstraint("case_id", "person_id", name="uq_follower_person"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    solved: bool | None = None  # the follower's own answer once the case is handled
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Suggestion(SQLModel, table=True):
    """A resident's suggestion in the manager's box, with the date a reply is due."""

    __tablename__ = "suggestion"
    __table_args__ = (Index("ix_suggestion_open_due", "answered_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    source_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer: str | None = Field(default=None, sa_column=Column(Text))
    answered_by_id: int | None = Field(default=None, foreign_key="person.id")
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VoteTopic(SQLModel, table=True):
    """A deliberation vote in a bound group: its options, who may vote, and its result."""

    __tablename__ = "vote_topic"
    __table_args__ = (Index("ix_vote_open_closes", "closed_at", "closes_at"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    opened_by_id: int = Field(foreign_key="person.id")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    question: str = Field(max_length=300)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Building numbers whose registered residents may vote; empty: the whole community.
    buildings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hidden: bool = False  # the running count stays hidden until the close
    quorum: int = 0  # ballots needed for the result to count; 0: none
    closes_at: datetime = Field(sa_type=UTCDateTime)
    # A random key that pseudonymises voters while the vote is open; wiped at the close.
    secret: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counts: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    eligible: int = 0  # registered residents who could vote, counted at the close
    decision: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VoteBallot(SQLModel, table=True):
    """One open ballot: a keyed hash of the voter (never their id) and the chosen option.
    Deleted at the close, when only the counts remain."""

    __tablename__ = "vote_ballot"
    __table_args__ = (UniqueConstraint("topic_id", "voter", name="uq_ballot_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="vote_topic.id", index=True)
    voter: str = Field(sa_column=Column(String(64), nullable=False))
    option: int
