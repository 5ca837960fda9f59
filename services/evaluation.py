"""The monthly evaluation of grid workers (考评), from the records: nobody types a figure.

Each figure is defined once, in services/metrics.py, beside the digest's three rates.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Community, Grid, Person, Role, StaffRole, VisitLog
from services import metrics
from services.deadlines import DeadlinePolicy
from services.ledger import month_bounds


@dataclass(frozen=True, slots=True)
class WorkerFigures:
    """One grid worker's month."""

    person: Person
    grid: str
    rates: metrics.Rates
    followups: int

    @property
    def handled(self) -> int:
        """Cases closed as solved in the month while the worker held them."""
        return self.rates.closed


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A community's month: every worker's figures and the community's own."""

    community: Community
    month: date  # the first day of the month evaluated
    workers: list[WorkerFigures]
    rates: metrics.Rates  # over all the community's cases

    @property
    def handled_per_worker(self) -> float | None:
        """Cases handled per worker, for the community average."""
        return (sum(w.handled for w in self.workers) / len(self.workers)
                if self.workers else None)

    @property
    def followups_per_worker(self) -> float | None:
        """Follow-ups per worker, for the community average."""
        return (sum(w.followups for w in self.workers) / len(self.workers)
                if self.workers else None)


def last_month(now: datetime, tz: ZoneInfo) -> date:
    """The first day of the local month before the one `now` is in."""
    first = now.astimezone(tz).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


async def _workers(session: AsyncSession, community_id: int) -> list[tuple[Person, str]]:
    """The community's grid workers with their grid's name, by grid then person."""
    result = await session.execute(
        select(Person, col(Grid.name)).join(StaffRole, col(StaffRole.person_id) == col(Person.id))
        .join(Grid, col(Grid.id) == col(StaffRole.grid_id))
        .where(col(StaffRole.role) == Role.WORKER, col(Grid.community_id) == community_id)
        .order_by(col(Grid.code), col(Person.id)))
    seen: set[int] = set()
    workers = []
    for person, grid in result.all():
        if person.id not in seen:  # a worker of two grids is one row
            seen.add(person.id or 0)
            workers.append((person, grid))
    return workers


async def _followups(
    session: AsyncSession, worker_ids: list[int], start: datetime, end: datetime
) -> Counter[int]:
    rows = await session.execute(
        select(col(VisitLog.worker_id), func.count()).where(
            col(VisitLog.worker_id).in_(worker_ids), col(VisitLog.at) >= start,
            col(VisitLog.at) < end).group_by(col(VisitLog.worker_id)))
    return Counter({worker: n for worker, n in rows.all() if worker is not None})


async def evaluate(
    session: AsyncSession, *, community: Community, month: date, policy: DeadlinePolicy,
    tz: ZoneInfo, now: datetime,
) -> Evaluation:
    """Compute a community's evaluation for the month (figures as known at `now`)."""
    start, end = month_bounds(month, tz)
    facts = await metrics.facts_for_period(session, policy, start=start, end=end,
                                           community_ids=[community.id or 0])
    per_assignee = metrics.by(facts, "assignee_id", policy, start=start, end=end, now=now)
    workers = await _workers(session, community.id or 0)
    visits = await _followups(session, [p.id or 0 for p, _ in workers], start, end)
    rows = [WorkerFigures(person=p, grid=grid, rates=per_assignee.get(p.id) or metrics.Rates(),
                          followups=visits[p.id or 0]) for p, grid in workers]
    return Evaluation(community=community, month=month.replace(day=1), workers=rows,
                      rates=metrics.count(facts, policy, start=start, end=end, now=now))


async def evaluate_all(
    session: AsyncSession, *, month: date, policy: DeadlinePolicy, tz: ZoneInfo, now: datetime,
) -> list[Evaluation]:
    """Every community's evaluation for the month, by community code."""
    communities = (await session.scalars(select(Community).order_by(col(Community.code)))).all()
    return [await evaluate(session, community=c, month=month, policy=policy, tz=tz, now=now)
            for c in communities]
