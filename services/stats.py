"""A community's numbers for its manager: open backlog, overdue cases, how fast cases are
accepted and closed, and the three rates this month against last month."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseStatus, Grid
from services import metrics
from services.deadlines import DeadlinePolicy
from services.ledger import month_bounds
from services.lifecycle import OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class Stats:
    """What /stats shows for one community."""

    open_by_grid: dict[int | None, int]
    open_by_assignee: dict[int | None, int]
    overdue: list[int]  # open cases past a deadline now
    avg_accept: timedelta | None  # this month
    avg_close: timedelta | None
    this_month: metrics.Rates
    last_month: metrics.Rates


def _average(spans: list[timedelta]) -> timedelta | None:
    return sum(spans, timedelta()) / len(spans) if spans else None


async def community_stats(
    session: AsyncSession, *, community_id: int, policy: DeadlinePolicy, now: datetime,
    tz: ZoneInfo,
) -> Stats:
    """Compute the manager's view of one community at `now`."""
    result = await session.execute(select(Case).where(
        col(Case.community_id) == community_id, col(Case.status).in_(OPEN_STATUSES)))
    open_cases = list(result.scalars().all())
    overdue = []
    for case in open_cases:
        due = policy.due(kind=case.kind, urgency=case.urgency, created_at=case.created_at,
                         published_at=case.published_at, accepted_at=case.accepted_at)
        # Open cases: not accepted, not (or no longer) fixed; the one rule in Due decides.
        if (case.accepted_at is None and due.accept_late(None, now)) or due.resolve_late(None, now):
            overdue.append(case.id or 0)
    local = now.astimezone(tz)
    start, end = month_bounds(local.date(), tz)
    last_start, _ = month_bounds((start - timedelta(days=1)).date(), tz)
    facts = await metrics.facts_for_period(session, policy, start=last_start, end=end,
                                           community_ids=[community_id])
    this = metrics.count(facts, policy, start=start, end=end, now=now)
    last = metrics.count(facts, policy, start=last_start, end=start, now=now)
    accepts = [f.accepted_at - (f.published_at or f.created_at) for f in facts
               if f.accepted_at is not None and start <= f.accepted_at < end]
    closes = [f.closed_at - f.created_at for f in facts if f.closed_at is not None
              and f.status == CaseStatus.CLOSED and start <= f.closed_at < end]
    return Stats(
        open_by_grid=dict(Counter(c.grid_id for c in open_cases)),
        open_by_assignee=dict(Counter(c.assignee_id for c in open_cases)),
        overdue=sorted(overdue), avg_accept=_average(accepts), avg_close=_average(closes),
        this_month=this, last_month=last,
    )


def previous_month(month: date) -> date:
    """The first day of the month before."""
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


async def grid_names(session: AsyncSession, community_id: int) -> dict[int, str]:
    """The community's grids by id."""
    result = await session.execute(select(Grid).where(col(Grid.community_id) == community_id))
    return {g.id: g.name for g in result.scalars().all() if g.id is not None}
