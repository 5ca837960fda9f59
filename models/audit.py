"""Who looked at whose personal data: one row per view, never changed."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class DataAccess(SQLModel, table=True):
    """A person saw a resident's personal data (phone, flat, dispute details)."""

    __tablename__ = "data_access"
    __table_args__ = (
        Index("ix_data_access_subject", "subject_id", "at"),
        Index("ix_data_access_case", "case_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    viewer_id: int = Field(foreign_key="person.id", index=True)
    subject_id: int | None = Field(default=None, foreign_key="person.id")  # whose data
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    what: str = Field(max_length=40)  # e.g. "case_details", "phone", "resident_profile"
