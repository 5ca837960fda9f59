"""Read-only views of cases: who may see what, lists for residents and workers, history."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Building, Case, CaseEvent, CaseStatus, Community, Person, Urgency
from services import directory
from services.lifecycle import OPEN_STATUSES


@dataclass(frozen=True)
class Access:
    """What a viewer may see of a case."""

    details: bool  # text, address, history
    phone: bool  # the resident's phone number: only the assignee


async def access_to(session: AsyncSession, case: Case, viewer: Person) -> Access:
    """Decide what this person may see of the case."""
    assert viewer.id is not None
    if case.assignee_id == viewer.id:
        return Access(details=True, phone=True)
    if case.reporter_id == viewer.id:
        return Access(details=True, phone=False)
    if await directory.is_manager_of(session, viewer.id, case.community_id):
        return Access(details=True, phone=False)
    was_assignee = await session.execute(
        select(col(CaseEvent.id)).where(col(CaseEvent.case_id) == case.id,
                                        col(CaseEvent.assignee_id) == viewer.id).limit(1)
    )
    return Access(details=was_assignee.first() is not None, phone=False)


async def history(session: AsyncSession, case_id: int) -> Sequence[tuple[CaseEvent, str | None]]:
    """List a case's events in order, each with the actor's name."""
    result = await session.execute(
        select(CaseEvent, col(Person.name))
        .outerjoin(Person, col(Person.id) == col(CaseEvent.actor_id))
        .where(col(CaseEvent.case_id) == case_id).order_by(col(CaseEvent.id))
    )
    return [(event, name) for event, name in result.all()]


async def reported_by(session: AsyncSession, person_id: int, limit: int = 10) -> Sequence[Case]:
    """List a resident's latest cases, newest first."""
    result = await session.execute(
        select(Case).where(col(Case.reporter_id) == person_id)
        .order_by(col(Case.id).desc()).limit(limit)
    )
    return result.scalars().all()


async def awaiting_confirmation(session: AsyncSession, person_id: int) -> Sequence[Case]:
    """List a resident's cases that wait for them to confirm."""
    result = await session.execute(
        select(Case)
        .where(col(Case.reporter_id) == person_id, col(Case.status) == CaseStatus.RESOLVED)
        .order_by(col(Case.id))
    )
    return result.scalars().all()


async def queue_of(
    session: AsyncSession, person_id: int, *, offset: int = 0, limit: int = 10
) -> tuple[Sequence[Case], int]:
    """Return one page of a worker's open cases (urgent first, then oldest) and the total."""
    where = (col(Case.assignee_id) == person_id, col(Case.status).in_(OPEN_STATUSES))
    counted = await session.execute(select(func.count()).select_from(Case).where(*where))
    total = counted.scalar_one()
    urgent_first = sql_case((col(Case.urgency) == Urgency.URGENT, 0), else_=1)
    result = await session.execute(
        select(Case).where(*where).order_by(urgent_first, col(Case.created_at), col(Case.id))
        .offset(offset).limit(limit)
    )
    return result.scalars().all(), int(total)


async def people_by_id(session: AsyncSession, ids: set[int | None]) -> dict[int, Person]:
    """Fetch several people at once."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    result = await session.execute(select(Person).where(col(Person.id).in_(wanted)))
    return {p.id: p for p in result.scalars().all() if p.id is not None}


async def find_case(session: AsyncSession, case_id: int) -> Case | None:
    """Fetch a case, or None."""
    return await session.get(Case, case_id)


async def person(session: AsyncSession, person_id: int | None) -> Person | None:
    """Fetch a person (the reporter or assignee of a case), or None."""
    return await session.get(Person, person_id) if person_id is not None else None


async def community_of(session: AsyncSession, case: Case) -> Community | None:
    """Return the case's community, if known."""
    return await session.get(Community, case.community_id) if case.community_id else None


async def building_of(session: AsyncSession, case: Case) -> Building | None:
    """Return the case's building, if known."""
    return await session.get(Building, case.building_id) if case.building_id else None
