"""The personal-data audit trail: record each view, and list them for managers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, DataAccess, Person
from services import direct
from services.outgoing import View as Seen

_TABLE: Table = DataAccess.__table__  # type: ignore[attr-defined]  # Core statements
_RECORD = direct.Statement(insert(_TABLE))


async def record_view(
    session: AsyncSession, *, viewer_id: int, at: datetime, what: str,
    subject_id: int | None = None, case_id: int | None = None,
) -> None:
    """Record that `viewer_id` saw personal data (of `subject_id`, or in case `case_id`)."""
    session.add(DataAccess(at=at, viewer_id=viewer_id, subject_id=subject_id, case_id=case_id,
                           what=what))


async def record_delivered(session: AsyncSession, views: Sequence[Seen], *, at: datetime) -> None:
    """Record the views that delivered messages gave (a card's flat and phone), with one
    INSERT: the person saw them when the message arrived, not when it was written."""
    if views:
        # One statement built once, run for many rows (a multi-row VALUES built per call was
        # compiled anew whenever the number of views changed).
        await direct.run(session, _RECORD, [
            {"at": at, "viewer_id": v.viewer_id, "subject_id": v.subject_id,
             "case_id": v.case_id, "what": v.what} for v in views])


@dataclass(frozen=True, slots=True)
class View:
    """One recorded view, as a manager reads it."""

    at: datetime
    viewer_id: int
    subject_id: int | None
    case_id: int | None
    what: str


async def views_in_community(
    session: AsyncSession, community_id: int, *, since: datetime, limit: int = 50,
) -> list[View]:
    """The latest views of personal data in one community's cases or residents, newest first."""
    in_case = col(DataAccess.case_id).in_(
        select(col(Case.id)).where(col(Case.community_id) == community_id))
    of_resident = col(DataAccess.subject_id).in_(
        select(col(Person.id)).where(col(Person.community_id) == community_id))
    rows = await session.execute(
        select(DataAccess).where(col(DataAccess.at) >= since, in_case | of_resident)
        .order_by(col(DataAccess.at).desc(), col(DataAccess.id).desc()).limit(limit))
    return [View(r.at, r.viewer_id, r.subject_id, r.case_id, r.what) for r in rows.scalars()]
