"""The three rates governments judge a community by, computed from the cases themselves.

Definitions (stated once, also in the README):
- 响应率 response rate: of the cases whose acceptance fell due in the period, the share accepted
  within the deadline (a wish counts from its publication, and "accepted" means claimed).
  A case not accepted yet whose deadline has not passed is not counted yet; cancelled cases are
  not counted.
- 解决率 resolution rate: of the cases whose resolution fell due in the period, the share closed
  as solved (confirmed by the resident, or closed when nobody confirmed in time). Referred or
  still open cases count as not solved; cancelled cases are not counted.
- 满意率 satisfaction rate: of the cases closed in the period that the resident rated, the share
  rated 4 or 5 stars. A case closed by timeout has no rating and does not count.

The monthly evaluation of grid workers (考评, services/evaluation.py) uses the same counts, over
the cases whose assignee is the worker (the person holding the case, i.e. the last one it was
assigned to), for the last calendar month:
- 办结件数 cases handled: cases closed as solved in the month (`closed` below).
- 按时响应率 response in time: the response rate above.
- 按时办结率 resolution in time: of the cases whose resolution fell due in the month, the share
  closed as solved by the deadline (`resolved_in_time`; the 解决率 above counts late ones too).
- 平均满意度 average satisfaction: the mean of the stars the residents gave to the cases closed
  in the month (`average_rating`); a case closed by timeout has no rating and does not count.
- 走访回访 follow-ups done: home visits the worker logged in the month (visited, not at home or
  needs help), from the visit records.
The community average beside each worker's row: the same rates over all the community's cases,
and cases handled and follow-ups per worker.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseKind, CaseStatus
from services.deadlines import DeadlinePolicy, resolved_moment

SATISFIED_FROM = 4  # stars


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the rates need to know about one case."""

    id: int
    kind: str
    urgency: str
    status: str
    community_id: int | None
    grid_id: int | None
    assignee_id: int | None
    created_at: datetime
    published_at: datetime | None
    accepted_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    resolved_at: datetime | None = None
    merged_into_id: int | None = None  # a repeat merged into another case counts once, there


@dataclass(slots=True)
class Rates:
    """Counts behind the three rates for one period and one scope (community, grid, ...)."""

    reported: int = 0  # new cases in the period
    closed: int = 0  # closed as solved in the period
    response_due: int = 0
    responded: int = 0
    resolution_due: int = 0
    resolved: int = 0
    resolved_in_time: int = 0  # of `resolved`, closed by the deadline
    rated: int = 0
    satisfied: int = 0
    stars: int = 0  # the sum of the ratings counted in `rated`
    overdue: list[int] = field(default_factory=list)  # cases that missed a deadline in the period

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self) -> float | None:
        """Share accepted in time, or None when nothing fell due."""
        return self._share(self.responded, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        """Share closed as solved among those due, or None when nothing fell due."""
        return self._share(self.resolved, self.resolution_due)

    @property
    def resolution_in_time_rate(self) -> float | None:
        """Share closed as solved by the deadline among those due, or None."""
        return self._share(self.resolved_in_time, self.resolution_due)

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of 4-5 star ratings, or None when nothing was rated."""
        return self._share(self.satisfied, self.rated)

    @property
    def average_rating(self) -> float | None:
        """Mean stars of the rated cases, or None when nothing was rated."""
        return self.stars / self.rated if self.rated else None

    def add(self, other: "Rates") -> None:
        """Add another scope's counts to these."""
        for name in ("reported", "closed", "response_due", "responded", "resolution_due",
                     "resolved", "resolved_in_time", "rated", "satisfied", "stars"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.overdue.extend(other.overdue)


def _inside(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def count(
    facts: Iterable[CaseFacts], policy: DeadlinePolicy, *, start: datetime, end: datetime,
    now: datetime,
) -> Rates:
    """Compute the rates for cases in [start, end), as known at `now`."""
    rates = Rates()
    for case in facts:
        if (case.status == CaseStatus.CANCELLED and case.accepted_at is None
                or case.merged_into_id is not None):
            continue
        if _inside(case.published_at if case.kind == "wish" else case.created_at, start, end):
            rates.reported += 1
        solved = case.status == CaseStatus.CLOSED and case.closed_at is not None
        if solved and _inside(case.closed_at, start, end):
            rates.closed += 1
            if case.rating is not None:
                rates.rated += 1
                rates.satisfied += case.rating >= SATISFIED_FROM
                rates.stars += case.rating
        due = policy.due(kind=case.kind, urgency=case.urgency, created_at=case.created_at,
                         published_at=case.published_at, accepted_at=case.accepted_at)
        missed = False
        if _inside(due.accept, start, end) and case.status != CaseStatus.CANCELLED:
            late = due.accept_late(case.accepted_at, now)
            in_time = case.accepted_at is not None and not late
            if in_time or late:
                rates.response_due += 1
                rates.responded += in_time
                missed = late
        if _inside(due.resolve, start, end) and case.status != CaseStatus.CANCELLED:
            assert due.resolve is not None
            late = due.resolve_late(
                resolved_moment(case.status, case.resolved_at, case.closed_at), now)
            if solved or now > due.resolve:
                rates.resolution_due += 1
                rates.resolved += solved
                rates.resolved_in_time += solved and not late
            missed = missed or late
        if missed:
            rates.overdue.append(case.id)
    return rates


def by(
    facts: Iterable[CaseFacts], key: str, policy: DeadlinePolicy, *, start: datetime,
    end: datetime, now: datetime,
) -> dict[int | None, Rates]:
    """The rates per community, grid or assignee (`key` names the CaseFacts field)."""
    groups: dict[int | None, list[CaseFacts]] = defaultdict(list)
    for case in facts:
        groups[getattr(case, key)].append(case)
    return {k: count(v, policy, start=start, end=end, now=now) for k, v in groups.items()}


async def facts_for_period(
    session: AsyncSession, policy: DeadlinePolicy, *, start: datetime, end: datetime,
    community_ids: list[int] | None = None,
) -> list[CaseFacts]:
    """Load the facts of every case that may count in [start, end) (in the communities given)."""
    lookback = start - policy.longest_resolve
    columns = [col(getattr(Case, name)) for name in CaseFacts.__slots__]
    # Three disjoint index ranges rather than one OR, which would read every case ever reported.
    # An older case counts only if it closed in the period, or is a wish claimed lately (a
    # wish's resolution runs from its claim).
    older = col(Case.created_at) < lookback
    branches = (col(Case.created_at) >= lookback, and_(older, col(Case.closed_at) >= start),
                and_(older, col(Case.kind) == CaseKind.WISH, col(Case.accepted_at) >= lookback))
    found: dict[int, CaseFacts] = {}
    for branch in branches:
        query = select(*columns).where(col(Case.created_at) < end, branch)
        if community_ids is not None:
            query = query.where(col(Case.community_id).in_(community_ids))
        for row in (await session.execute(query)).all():
            if row[0] not in found:
                found[row[0]] = CaseFacts(*row)
    return sorted(found.values(), key=lambda facts: facts.id)
