"""The daily digest's numbers: yesterday's new / closed / overdue and the three rates, the open
backlog by grid and worker, the oldest overdue cases, missed home visits, and a 14-day series."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseKind, Community, Grid, Person
from services import metrics, visits
from services.deadlines import DeadlinePolicy
from services.lifecycle import OPEN_STATUSES
from services.metrics import Rates

OLDEST = 5  # overdue cases listed per community


@dataclass(frozen=True, slots=True)
class GridBacklog:
    """Open cases of one grid, per assignee (None: nobody yet)."""

    grid: str
    total: int
    by_worker: list[tuple[str | None, int]]


@dataclass(frozen=True, slots=True)
class OverdueCase:
    """An open case past its deadline."""

    id: int
    kind: str
    created_at: datetime


@dataclass(slots=True)
class CommunityDigest:
    """One community's digest for one day."""

    community_id: int
    name: str
    day: date
    rates: Rates
    backlog: int = 0
    grids: list[GridBacklog] = field(default_factory=list)
    oldest_overdue: list[OverdueCase] = field(default_factory=list)
    missed_visits: int = 0


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One day of the chart: new and closed cases and the three rates (None: nothing due)."""

    day: date
    new: int
    closed: int
    response: float | None
    resolution: float | None
    satisfaction: float | None


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def yesterday(now: datetime, tz: ZoneInfo) -> date:
    """The local day before `now`."""
    return now.astimezone(tz).date() - timedelta(days=1)


async def build(
    session: AsyncSession, *, policy: DeadlinePolicy, tz: ZoneInfo, now: datetime,
    community_ids: list[int] | None = None,
) -> list[CommunityDigest]:
    """Each community's digest for yesterday (local), as known at `now`."""
    day = yesterday(now, tz)
    start, end = local_day_bounds(day, tz)
    query = select(Community).order_by(col(Community.id))
    if community_ids is not None:
        query = query.where(col(Community.id).in_(community_ids))
    communities = list((await session.execute(query)).scalars().all())
    ids = [c.id for c in communities if c.id is not None]
    facts = await metrics.facts_for_period(session, policy, start=start, end=end,
                                           community_ids=ids)
    rates = metrics.by(facts, "community_id", policy, start=start, end=end, now=now)
    digests = {c.id: CommunityDigest(c.id or 0, c.name, day, rates.get(c.id) or Rates())
               for c in communities}
    await _add_backlog(session, digests, ids)
    await _add_oldest_overdue(session, digests, ids, policy, now)
    for community_id, n in (await visits.missed(session, community_ids=ids, now=now,
                                                tz=tz)).items():
        digests[community_id].missed_visits = n
    return list(digests.values())


async def _add_backlog(
    session: AsyncSession, digests: dict[int | None, CommunityDigest], ids: list[int]
) -> None:
    rows = await session.execute(
        select(col(Case.community_id), col(Case.grid_id), col(Case.assignee_id), func.count())
        .where(col(Case.status).in_(OPEN_STATUSES), col(Case.community_id).in_(ids))
        .group_by(col(Case.community_id), col(Case.grid_id), col(Case.assignee_id)))
    counts = rows.all()
    names = await _names(session, {g for _c, g, _a, _n in counts}, {a for _c, _g, a, _n in counts})
    grids: dict[tuple[int | None, int | None], list[tuple[str | None, int]]] = defaultdict(list)
    for community_id, grid_id, assignee_id, n in counts:
        grids[(community_id, grid_id)].append((names[1].get(assignee_id), n))
    for (community_id, grid_id), workers in sorted(grids.items(), key=lambda kv: kv[0][1] or 0):
        digest = digests[community_id]
        total = sum(n for _name, n in workers)
        digest.backlog += total
        digest.grids.append(GridBacklog(names[0].get(grid_id, "-"), total,
                                        sorted(workers, key=lambda w: -w[1])))


async def _names(
    session: AsyncSession, grid_ids: set[int | None], person_ids: set[int | None]
) -> tuple[dict[int | None, str], dict[int | None, str]]:
    grids = await session.execute(select(col(Grid.id), col(Grid.name))
                                  .where(col(Grid.id).in_([g for g in grid_ids if g])))
    people = await session.execute(select(col(Person.id), col(Person.name))
                                   .where(col(Person.id).in_([p for p in person_ids if p])))
    return dict(grids.all()), dict(people.all())


def overdue_clause(policy: DeadlinePolicy, now: datetime) -> object:
    """SQL for "an open case past its accept or resolve deadline" (wishes from their start): the
    rule of Due.accept_late / resolve_late for open cases (now strictly after the deadline)."""
    terms = []
    for (kind, urgency), allowance in policy.allowances().items():
        same = and_(col(Case.kind) == kind, col(Case.urgency) == urgency)
        if kind == CaseKind.WISH:
            late = or_(and_(col(Case.accepted_at).is_(None),
                            col(Case.published_at) < now - allowance.accept),
                       col(Case.accepted_at) < now - allowance.resolve)
        else:
            late = or_(and_(col(Case.accepted_at).is_(None),
                            col(Case.created_at) < now - allowance.accept),
                       col(Case.created_at) < now - allowance.resolve)
        terms.append(and_(same, late))
    return and_(col(Case.status).in_(OPEN_STATUSES), or_(*terms))


async def _add_oldest_overdue(
    session: AsyncSession, digests: dict[int | None, CommunityDigest], ids: list[int],
    policy: DeadlinePolicy, now: datetime,
) -> None:
    # One small query per community and open status: each a range of the (community, status)
    # index. SQLite would otherwise walk a community's whole history in created_at order to
    # honour ORDER BY ... LIMIT; sorting by an expression keeps it on the small range.
    late = overdue_clause(policy, now)
    for community_id in ids:
        found: list[OverdueCase] = []
        for status in OPEN_STATUSES:
            rows = await session.execute(
                select(col(Case.id), col(Case.kind), col(Case.created_at))
                .where(col(Case.community_id) == community_id, col(Case.status) == status,
                       late)  # type: ignore[arg-type]
                .order_by(func.coalesce(col(Case.created_at), col(Case.created_at)))
                .limit(OLDEST))
            found += [OverdueCase(case_id or 0, kind, at) for case_id, kind, at in rows.all()]
        digests[community_id].oldest_overdue = sorted(found, key=lambda c: c.created_at)[:OLDEST]


async def series(
    session: AsyncSession, *, policy: DeadlinePolicy, tz: ZoneInfo, now: datetime, days: int = 14,
    community_ids: list[int] | None = None,
) -> list[DayPoint]:
    """The last `days` local days up to yesterday: new and closed cases and the three rates."""
    overall, _each = await series_by_community(session, policy=policy, tz=tz, now=now,
                                               days=days, community_ids=community_ids)
    return overall


async def series_by_community(
    session: AsyncSession, *, policy: DeadlinePolicy, tz: ZoneInfo, now: datetime, days: int = 14,
    community_ids: list[int] | None = None,
) -> tuple[list[DayPoint], dict[int | None, list[DayPoint]]]:
    """The day series of all the communities together, and of each one, from one query."""
    last = yesterday(now, tz)
    first = last - timedelta(days=days - 1)
    start, _ = local_day_bounds(first, tz)
    _, end = local_day_bounds(last, tz)
    facts = await metrics.facts_for_period(session, policy, start=start, end=end,
                                           community_ids=community_ids)
    # Each case counts only on the days one of its moments falls on: bucket it there once.
    buckets: dict[tuple[int | None, date], list[metrics.CaseFacts]] = defaultdict(list)
    scopes: set[int | None] = set()
    for case in facts:
        scopes.add(case.community_id)
        for day in _days_of(case, policy, tz):
            if first <= day <= last:
                buckets[(case.community_id, day)].append(case)

    def points(scope: set[int | None]) -> list[DayPoint]:
        result = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            lo, hi = local_day_bounds(day, tz)
            found = [f for key in scope for f in buckets.get((key, day), ())]
            r = metrics.count(found, policy, start=lo, end=hi, now=now)
            result.append(DayPoint(day, r.reported, r.closed, r.response_rate, r.resolution_rate,
                                   r.satisfaction_rate))
        return result

    return points(scopes), {scope: points({scope}) for scope in scopes}


def _days_of(case: metrics.CaseFacts, policy: DeadlinePolicy, tz: ZoneInfo) -> set[date]:
    due = policy.due(kind=case.kind, urgency=case.urgency, created_at=case.created_at,
                     published_at=case.published_at, accepted_at=case.accepted_at)
    reported = case.published_at if case.kind == CaseKind.WISH else case.created_at
    moments = (reported, case.closed_at, due.accept, due.resolve)
    return {moment.astimezone(tz).date() for moment in moments if moment is not None}


def total(digests: list[CommunityDigest]) -> Rates:
    """Add up every community's counts."""
    rates = Rates()
    for digest in digests:
        rates.add(digest.rates)
    return rates
