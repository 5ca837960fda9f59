"""The sub-district's structure: communities, grids, buildings, people and their roles."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, String, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from models.types import UTCDateTime, utcnow


class Street(SQLModel, table=True):
    """A sub-district (街道): the top of the structure."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), unique=True, nullable=False))
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    # Local emergency lines shown beside 120/119/110: [{"name": "电梯困人", "number": "96333"}].
    emergency_lines: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class Community(SQLModel, table=True):
    """A community (社区, 居委会) with its own manager, grids and group chats."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(max_length=100)
    street_id: int = Field(foreign_key="street.id", index=True)


class Grid(SQLModel, table=True):
    """A grid (网格): a few buildings looked after by one or more grid workers."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(max_length=100)
    community_id: int = Field(foreign_key="community.id", index=True)


class Building(SQLModel, table=True):
    """A residential building (楼栋), numbered within its community."""

    __table_args__ = (UniqueConstraint("community_id", "number", name="uq_building_number"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    number: str = Field(max_length=20)
    # Where it stands (optional in the structure file): a shared location proposes the nearest.
    latitude: float | None = None
    longitude: float | None = None


class GroupChat(SQLModel, table=True):
    """A residents' group chat bound to a community."""

    __tablename__ = "group_chat"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    community_id: int = Field(foreign_key="community.id", index=True)
    title: str | None = Field(default=None, max_length=200)


class Person(SQLModel, table=True):
    """Anyone the bot knows: residents and staff; Telegram id once they have talked to the bot."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    # A resident's remembered home address, asked once and reused for later reports.
    community_id: int | None = Field(default=None, foreign_key="community.id")
    building_id: int | None = Field(default=None, foreign_key="building.id")
    unit: str | None = Field(default=None, max_length=20)
    room: str | None = Field(default=None, max_length=20)
    # Set when the person opened a private chat with the bot: only then may the bot write to them.
    private_chat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Registered by a worker or manager for someone without a smartphone (they have no Telegram).
    registered_by_id: int | None = Field(default=None, foreign_key="person.id")
    # Special-care household (重点人群): e.g. ["elderly_alone", "disabled", "low_income"].
    care: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Wants community notices (社区通知) privately, not only in the group chat.
    notices_opt_in: bool = Field(default=False)


class StaffRole(SQLModel, table=True):
    """One role a person holds: admin of a street, manager of a community, worker of a grid…"""

    __tablename__ = "staff_role"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=20, index=True)
    street_id: int | None = Field(default=None, foreign_key="street.id")
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    tier: str | None = Field(default=None, max_length=20)
    party_member: bool = False
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Where the skills came from: "file" (the structure file seeds them) or "chat" (the
    # volunteer's own /skills, which later imports keep), and when they were last set.
    skills_source: str | None = Field(default=None, max_length=10)
    skills_set_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    on_leave: bool = False
