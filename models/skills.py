"""Resources matched to needs (资源清单、需求清单): a wish offered first to the volunteers whose
skills match it, and the partner organisations (共建单位) with what they offer."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import JSON, Field, SQLModel

from models.types import UTCDateTime


class WishOffer(SQLModel, table=True):
    """A published wish offered first to matching volunteers; widened to everyone later."""

    __tablename__ = "wish_offer"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    matched: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    offered_at: datetime = Field(sa_type=UTCDateTime, index=True)
    widened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Partner(SQLModel, table=True):
    """A partner organisation (共建单位) of the street or of one community, and what it offers."""

    __tablename__ = "partner"

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    name: str = Field(max_length=100)
    offers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    contact: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
