"""Deadlines per kind and urgency, and the three rates, against hand-computed fixtures."""

from datetime import UTC, datetime, timedelta

import pytest

from models import CaseKind, CaseStatus, Urgency
from services.cases import accept_case, confirm_case, rate_case, resolve_case
from services.clock import FrozenClock
from services.deadlines import DeadlineConfigError, DeadlinePolicy
from services.metrics import CaseFacts, by, count, facts_for_period
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person

T0 = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def facts(
    case_id: int, *, kind: str = CaseKind.REPAIR, status: str = CaseStatus.CLOSED,
    created: datetime = T0, accepted: datetime | None = None, closed: datetime | None = None,
    rating: int | None = None, grid: int = 1, published: datetime | None = None,
    urgency: str = Urgency.NORMAL, resolved: datetime | None = None,
    merged_into: int | None = None,
) -> CaseFacts:
    return CaseFacts(case_id, kind, urgency, status, 1, grid, None, created, published, accepted,
                     closed, rating, resolved, merged_into)


def test_a_case_merged_into_another_counts_once_in_the_rates() -> None:
    survivor = facts(1, accepted=T0 + H, closed=T0 + 2 * H, rating=5)
    merged = facts(2, status=CaseStatus.CANCELLED, accepted=T0 + H, merged_into=1)
    rates = count([survivor, merged], DeadlinePolicy(), start=T0, end=T0 + 30 * D,
                  now=T0 + 30 * D)
    assert (rates.reported, rates.closed, rates.response_due) == (1, 1, 1)


def test_default_deadlines_follow_the_issue() -> None:
    policy = DeadlinePolicy()
    assert policy.allowance(CaseKind.EMERGENCY, Urgency.NORMAL).accept == timedelta(minutes=15)
    repair = policy.allowance(CaseKind.REPAIR, Urgency.NORMAL)
    assert (repair.accept, repair.resolve) == (2 * H, 3 * D)
    dispute = policy.allowance(CaseKind.DISPUTE, Urgency.NORMAL)
    assert (dispute.accept, dispute.resolve) == (1 * D, 14 * D)
    wish = policy.allowance(CaseKind.WISH, Urgency.NORMAL)
    assert (wish.accept, wish.resolve) == (3 * D, 7 * D)


def test_a_wish_counts_from_publication_and_claim() -> None:
    due = DeadlinePolicy().due(kind=CaseKind.WISH, urgency=Urgency.NORMAL, created_at=T0,
                               published_at=T0 + D, accepted_at=None)
    assert due.accept == T0 + 4 * D and due.resolve is None
    due = DeadlinePolicy().due(kind=CaseKind.WISH, urgency=Urgency.NORMAL, created_at=T0,
                               published_at=T0 + D, accepted_at=T0 + 2 * D)
    assert due.resolve == T0 + 9 * D


def test_overrides_change_one_allowance_and_bad_ones_are_explained() -> None:
    policy = DeadlinePolicy("repair.accept=1h, dispute.urgent.resolve=5d")
    assert policy.allowance(CaseKind.REPAIR, Urgency.URGENT).accept == 1 * H
    assert policy.allowance(CaseKind.REPAIR, Urgency.NORMAL).resolve == 3 * D
    assert policy.allowance(CaseKind.DISPUTE, Urgency.URGENT).resolve == 5 * D
    assert policy.allowance(CaseKind.DISPUTE, Urgency.NORMAL).resolve == 14 * D
    with pytest.raises(DeadlineConfigError, match="repair.accept=2h"):
        DeadlinePolicy("repair.accept=two hours")


def test_the_three_rates_match_a_hand_computed_day() -> None:
    day, end = T0, T0 + D
    now = T0 + 5 * D
    cases = [
        # 1: accepted in 1h (in time), closed in 2 days with 5 stars
        facts(1, accepted=T0 + H, closed=T0 + 2 * D, rating=5),
        # 2: accepted after 3h (late), closed in 4 days (late), 3 stars
        facts(2, accepted=T0 + 3 * H, closed=T0 + 4 * D, rating=3),
        # 3: accepted in time, still being handled (resolution due T0+3d, missed)
        facts(3, status=CaseStatus.ACCEPTED, accepted=T0 + H),
        # 4: cancelled before anyone accepted it: not counted anywhere
        facts(4, status=CaseStatus.CANCELLED, closed=T0 + H),
        # 5: reported the day before, closed on our day with 4 stars, its deadlines were earlier
        facts(5, created=T0 - D, accepted=T0 - D + H, closed=T0 + 10 * H, rating=4),
    ]
    rates = count(cases, DeadlinePolicy(), start=day, end=end, now=now)
    assert rates.reported == 3  # 1, 2, 3; not 4 (cancelled unaccepted), 5 came the day before
    assert rates.overdue == [2]  # accepted late
    assert (rates.response_due, rates.responded) == (3, 2)  # 1, 2, 3 due; 2 late
    assert rates.closed == 1 and (rates.rated, rates.satisfied) == (1, 1)  # only 5 closed that day
    # Resolution fell due on T0+3d for 1, 2, 3: not in [T0, T0+1d).
    assert rates.resolution_due == 0 and rates.resolution_rate is None
    later = count(cases, DeadlinePolicy(), start=T0 + 3 * D, end=T0 + 4 * D, now=now)
    assert (later.resolution_due, later.resolved) == (3, 2)  # 3 is still open
    assert sorted(later.overdue) == [2, 3]  # 2 closed late, 3 not closed
    assert later.resolution_rate == pytest.approx(2 / 3)


def test_a_deadline_that_has_not_passed_is_not_counted_yet() -> None:
    waiting = facts(1, status=CaseStatus.ASSIGNED)
    rates = count([waiting], DeadlinePolicy(), start=T0, end=T0 + D, now=T0 + H)
    assert rates.response_due == 0 and rates.response_rate is None
    rates = count([waiting], DeadlinePolicy(), start=T0, end=T0 + D, now=T0 + 3 * H)
    assert (rates.response_due, rates.responded, rates.overdue) == (1, 0, [1])


def test_rates_per_grid_add_up_to_the_whole() -> None:
    cases = [facts(1, grid=1, accepted=T0 + H), facts(2, grid=2, accepted=T0 + 5 * H),
             facts(3, grid=2, accepted=T0 + H)]
    per_grid = by(cases, "grid_id", DeadlinePolicy(), start=T0, end=T0 + D, now=T0 + 2 * D)
    assert per_grid[1].response_rate == 1.0 and per_grid[2].response_rate == 0.5
    whole = count(cases, DeadlinePolicy(), start=T0, end=T0 + D, now=T0 + 2 * D)
    assert whole.response_rate == pytest.approx(2 / 3)


async def test_facts_come_from_the_cases_in_the_database(sessions: Sessions,
                                                         clock: FrozenClock) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        reported = await make_case(s, clock, reporter=resident)
        worker_id = reported.case.assignee_id
        case_id = reported.case.id or 0
    start = clock.now()
    clock.advance(minutes=30)
    async with sessions() as s, s.begin():
        worker = await s.get_one(type(resident), worker_id)
        await accept_case(s, clock=clock, case_id=case_id, actor=worker)
        await resolve_case(s, clock=clock, case_id=case_id, actor=worker, note="换了灯泡")
    clock.advance(hours=1)
    async with sessions() as s, s.begin():
        resident = await person(s, 5001)
        await confirm_case(s, clock=clock, case_id=case_id, actor=resident)
        await rate_case(s, clock=clock, case_id=case_id, actor=resident, stars=5)
    async with sessions() as s:
        found = await facts_for_period(s, DeadlinePolicy(), start=start, end=start + D)
    (only,) = found
    assert only.id == case_id and only.status == CaseStatus.CLOSED and only.rating == 5
    rates = count(found, DeadlinePolicy(), start=start, end=start + D, now=clock.now())
    assert (rates.reported, rates.responded, rates.closed, rates.satisfied) == (1, 1, 1, 1)


def test_on_time_means_at_or_before_the_deadline_for_every_count() -> None:
    due = DeadlinePolicy().due(kind=CaseKind.REPAIR, urgency=Urgency.NORMAL, created_at=T0)
    assert not due.accept_late(T0 + 2 * H, T0 + D)  # accepted exactly at the deadline
    assert due.accept_late(T0 + 2 * H + timedelta(seconds=1), T0 + D)
    assert not due.accept_late(None, T0 + 2 * H)  # not yet: the deadline is only now
    assert due.accept_late(None, T0 + 2 * H + timedelta(seconds=1))
    assert not due.resolve_late(T0 + 3 * D, T0 + 9 * D)  # fixed exactly at the deadline


def test_a_fix_in_time_closed_later_by_timeout_is_on_time_and_a_late_fix_is_not() -> None:
    start, end, now = T0 + 3 * D - H, T0 + 4 * D - H, T0 + 7 * D  # the day holding the deadline
    in_time = facts(1, accepted=T0 + H, resolved=T0 + 3 * D, closed=T0 + 6 * D)
    late_fix = facts(2, accepted=T0 + H, resolved=T0 + 3 * D + timedelta(minutes=1),
                     closed=T0 + 4 * D)
    waiting = facts(3, status=CaseStatus.RESOLVED, accepted=T0 + H, resolved=T0 + D)
    reopened = facts(4, status=CaseStatus.REOPENED, accepted=T0 + H, resolved=T0 + D)
    rates = count([in_time, late_fix, waiting, reopened], DeadlinePolicy(), start=start, end=end,
                  now=now)
    assert rates.overdue == [2, 4]
