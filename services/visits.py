"""Home visits (入户走访): managers flag special-care households; each week, on the community's
visit day, the grid worker gets the list for their grid and logs each visit."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Building, Community, DataAccess, Grid, Person, Role, VisitDay, VisitLog
from services import directory
from services.errors import DomainError
from services.reminders import claim_once
from services.residents import CARE_KINDS

LIST_VIEW = "visit_list"  # the audit record of a household shown on a worker's visit list

OUTCOMES = ("visited", "absent", "help")  # button arg 1, 2, 3
SEEN = ("visited", "help")  # a visit that reached the household


@dataclass(frozen=True, slots=True)
class Household:
    """A flagged household on a worker's list, with this week's outcome if logged."""

    person: Person
    building: str
    outcome: str | None


def iso_week(day: date) -> str:
    """Name the ISO week of a day ("2026-W47")."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(at: datetime, tz: ZoneInfo) -> str:
    """The local ISO week of a moment."""
    return iso_week(at.astimezone(tz).date())


async def grids_of(session: AsyncSession, community_id: int) -> Sequence[Grid]:
    """The community's grids."""
    result = await session.execute(select(Grid).where(col(Grid.community_id) == community_id)
                                   .order_by(col(Grid.id)))
    return result.scalars().all()


async def visit_weekday(session: AsyncSession, community_id: int, default: int) -> int:
    """The community's visit weekday (0 = Monday), or the default."""
    row = await session.get(VisitDay, community_id)
    return row.weekday if row else default


async def set_visit_weekday(
    session: AsyncSession, *, actor: Person, community_id: int, weekday: int
) -> None:
    """Let a manager choose the community's visit day."""
    if not await directory.is_manager_of(session, actor.id or 0, community_id):
        raise DomainError("visit.not_manager")
    row = await session.get(VisitDay, community_id)
    if row is None:
        session.add(VisitDay(community_id=community_id, weekday=weekday))
    else:
        row.weekday = weekday


async def flag_household(
    session: AsyncSession, *, actor: Person, community_id: int, building_number: str, unit: str,
    room: str, flags: list[str],
) -> Person:
    """Flag (or, with no flags, unflag) the household at an address; create it if unknown."""
    if not await directory.is_manager_of(session, actor.id or 0, community_id):
        raise DomainError("visit.not_manager")
    if any(flag not in CARE_KINDS for flag in flags):
        raise DomainError("visit.bad_flag", flags=", ".join(CARE_KINDS))
    buildings = await directory.buildings_numbered(session, building_number, community_id)
    building = buildings[0] if buildings else None
    if building is None:
        raise DomainError("visit.no_building", building=building_number)
    found = await session.execute(
        select(Person).where(col(Person.building_id) == building.id, col(Person.unit) == unit,
                             col(Person.room) == room).order_by(col(Person.id)).limit(1))
    household = found.scalar_one_or_none()
    if household is None:
        household = Person(name=f"{building.number}-{unit}-{room}", registered_by_id=actor.id,
                           community_id=community_id, building_id=building.id, unit=unit,
                           room=room)
    household.care = list(dict.fromkeys(flags))
    session.add(household)
    await session.flush()
    return household


async def households(
    session: AsyncSession, *, grid_id: int, week: str
) -> list[Household]:
    """The flagged households of a grid, with their outcome this week."""
    rows = await session.execute(
        select(Person, col(Building.number))
        .join(Building, col(Building.id) == col(Person.building_id))
        .where(col(Building.grid_id) == grid_id).order_by(col(Building.id), col(Person.id)))
    flagged = [(p, number) for p, number in rows.all() if p.care]
    logs = await _outcomes(session, [p.id for p, _n in flagged if p.id], week)
    return [Household(p, number, logs.get(p.id or 0)) for p, number in flagged]


async def _outcomes(session: AsyncSession, person_ids: list[int], week: str) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = await session.execute(
        select(col(VisitLog.person_id), col(VisitLog.outcome))
        .where(col(VisitLog.week) == week, col(VisitLog.person_id).in_(person_ids)))
    return dict(rows.all())


async def log_visit(
    session: AsyncSession, *, worker: Person, household_id: int, outcome: str, at: datetime,
    tz: ZoneInfo, case_id: int | None = None,
) -> tuple[Person, Building]:
    """Record this week's visit to a household (the latest press counts)."""
    if outcome not in OUTCOMES:
        raise DomainError("visit.bad_outcome")
    household = await session.get(Person, household_id)
    building = await session.get(Building, household.building_id) if household else None
    if household is None or building is None or not household.care:
        raise DomainError("visit.no_household")
    if not (await directory.has_role(session, worker.id or 0, Role.WORKER,
                                     community_id=building.community_id)
            or await directory.is_manager_of(session, worker.id or 0, building.community_id)):
        raise DomainError("visit.not_yours")
    week = week_of(at, tz)
    found = await session.execute(select(VisitLog).where(col(VisitLog.person_id) == household_id,
                                                         col(VisitLog.week) == week))
    log = found.scalar_one_or_none() or VisitLog(person_id=household_id, week=week, outcome="",
                                                  at=at)
    log.worker_id, log.outcome, log.at = worker.id, outcome, at
    log.case_id = case_id or log.case_id
    session.add(log)
    return household, building


async def claim_rounds(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, default_weekday: int
) -> list[tuple[Community, str]]:
    """The communities whose visit day is today (local) and whose list has not gone out this
    week; each is claimed so it goes out once."""
    today = now.astimezone(tz).date()
    week = iso_week(today)
    due = []
    for community in await directory.all_communities(session):
        assert community.id is not None
        if await visit_weekday(session, community.id, default_weekday) != today.weekday():
            continue
        if await claim_once(session, kind="visits", key=f"{community.id}:{week}", at=now):
            due.append((community, week))
    return due


async def missed(
    session: AsyncSession, *, community_ids: Sequence[int], now: datetime, tz: ZoneInfo
) -> dict[int, int]:
    """Flagged households of each community nobody reached last week. Only households that were
    on last week's list count (a worker was shown them then, as the audit trail records): one
    flagged since has had no visit day yet."""
    today = now.astimezone(tz).date()
    week = iso_week(today - timedelta(days=7))
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday - timedelta(days=7), datetime.min.time(), tzinfo=tz)
    end = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    listed = select(col(DataAccess.subject_id)).where(
        col(DataAccess.what) == LIST_VIEW, col(DataAccess.at) >= start, col(DataAccess.at) < end)
    rows = await session.execute(
        select(Person, col(Building.community_id))
        .join(Building, col(Building.id) == col(Person.building_id))
        .where(col(Building.community_id).in_(community_ids), col(Person.id).in_(listed)))
    flagged = [(p, c) for p, c in rows.all() if p.care]
    seen = await _outcomes(session, [p.id for p, _c in flagged if p.id], week)
    counts = dict.fromkeys(community_ids, 0)
    for person, community_id in flagged:
        if seen.get(person.id or 0) not in SEEN:
            counts[community_id] += 1
    return counts
