"""Micro-wishes (微心愿) and volunteer points (积分超市): the wish's public side, the points ledger,
redeemable items and their redemptions, and the volunteers' group chats.

A wish itself is a `Case` of kind wish; these tables only hold what a repair case does not have.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class WishDetails(SQLModel, table=True):
    """What volunteers see of a wish (never names, flats or phones), and what it is worth."""

    __tablename__ = "wish_details"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    public_text: str | None = Field(default=None, sa_column=Column(Text))
    points: int = 10
    # The worker who posted it for a resident without Telegram: they confirm on the resident's
    # behalf and hear what the resident would hear.
    posted_by_id: int | None = Field(default=None, foreign_key="person.id")
    reviewed_by_id: int | None = Field(default=None, foreign_key="person.id")
    thanks: str | None = Field(default=None, sa_column=Column(Text))


class PointsEntry(SQLModel, table=True):
    """One change of a volunteer's points; never updated or deleted: the balance is the sum."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        Index("ix_points_ledger_person", "person_id", "at"),
        Index("ix_points_ledger_community", "community_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    delta: int
    reason: str = Field(max_length=20)  # "wish", "redeem", "refund"
    note: str | None = Field(default=None, sa_column=Column(Text))
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    redemption_id: int | None = Field(default=None, foreign_key="redemption.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ShopItem(SQLModel, table=True):
    """Something a community's volunteers can exchange points for (a pair of gloves, 50 points)."""

    __tablename__ = "shop_item"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_shop_item_name"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(sa_column=Column(String(60), nullable=False))
    cost: int
    stock: int


class Redemption(SQLModel, table=True):
    """A volunteer's exchange: points debited at once, then handed over or cancelled (refunded)."""

    __tablename__ = "redemption"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="shop_item.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    cost: int
    status: str = Field(default="pending", max_length=20)  # pending, handed, cancelled
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    note: str | None = Field(default=None, sa_column=Column(Text))


class VolunteerGroup(SQLModel, table=True):
    """A volunteers' group chat of a community: published wishes are posted there too."""

    __tablename__ = "volunteer_group"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    community_id: int = Field(foreign_key="community.id", index=True)
