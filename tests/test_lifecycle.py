"""The case lifecycle: allowed transitions, refusals that change nothing, and the history."""

import asyncio

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.db import Sessions
from models import Case, CaseAction, CaseEvent, CaseKind, CaseStatus
from services import cases
from services.clock import FrozenClock
from services.errors import DomainError
from services.lifecycle import TRANSITIONS, Actor, allowed, may, next_actions
from tests.factories import load_sample, make_case, person

S = CaseStatus


def test_every_status_but_the_final_ones_has_a_way_forward() -> None:
    reachable = {s for t in TRANSITIONS.values() for s in t.sources}
    assert reachable == set(S) - {S.CANCELLED, S.REFERRED}
    # A closed case can only be rated, or reopened by a follow-up that finds it broken.
    after_close = {a for a in CaseAction if a != CaseAction.CREATE and allowed(S.CLOSED, a)}
    assert after_close == {CaseAction.RATE, CaseAction.RELAPSE}


async def test_a_report_is_routed_to_the_least_loaded_worker_of_its_grid(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        first = await make_case(s, clock, reporter=resident, number="7")
        second = await make_case(s, clock, reporter=resident, number="8")
        third = await make_case(s, clock, reporter=resident, number="3")
    assert first.assignee and second.assignee and third.assignee
    assert {first.assignee.name, second.assignee.name} == {"黄磊", "何静"}
    assert third.assignee.name == "张敏"
    assert first.case.status == S.ASSIGNED and first.case.grid_id is not None


async def test_a_case_without_building_goes_to_the_manager(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        reported = await make_case(s, clock, reporter=await person(s, 5001), number=None)
    assert reported.assignee is not None and reported.assignee.name == "周主任"


async def test_an_action_out_of_order_is_refused_and_changes_nothing(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        case_id = (await make_case(s, clock, reporter=resident)).case.id or 0
        worker = await person(s, 940001)
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as refusal:
            await cases.resolve_case(s, clock=clock, case_id=case_id, actor=worker, note="x")
        assert refusal.value.key == "case.not_allowed"
        with pytest.raises(DomainError) as not_reporter:
            await cases.confirm_case(s, clock=clock, case_id=case_id, actor=worker)
        assert not_reporter.value.key == "case.not_reporter"
    async with sessions() as s:
        case = await s.get(Case, case_id)
        events = (await s.execute(select(CaseEvent).where(col(CaseEvent.case_id) == case_id))
                  ).all()
    assert case is not None and case.status == S.ASSIGNED and len(events) == 2


async def test_every_step_of_the_loop_is_recorded_with_actor_and_statuses(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident, worker = await person(s, 5001), await person(s, 940001)
        case_id = (await make_case(s, clock, reporter=resident)).case.id
        assert case_id is not None
        clock.advance(minutes=5)
        await cases.accept_case(s, clock=clock, case_id=case_id, actor=worker)
        await cases.resolve_case(s, clock=clock, case_id=case_id, actor=worker, note="换了灯泡")
        await cases.reopen_case(s, clock=clock, case_id=case_id, actor=resident, words="还是不亮")
        await cases.resolve_case(s, clock=clock, case_id=case_id, actor=worker, note="换了开关")
        await cases.confirm_case(s, clock=clock, case_id=case_id, actor=resident)
        await cases.rate_case(s, clock=clock, case_id=case_id, actor=resident, stars=4)
        with pytest.raises(DomainError):
            await cases.rate_case(s, clock=clock, case_id=case_id, actor=resident, stars=5)
    async with sessions() as s:
        rows = (await s.execute(select(CaseEvent).where(col(CaseEvent.case_id) == case_id)
                                .order_by(col(CaseEvent.id)))).scalars().all()
        case = await s.get(Case, case_id)
    trail = [(e.action, e.from_status, e.to_status) for e in rows]
    assert trail == [
        ("create", None, "new"), ("assign", "new", "assigned"), ("accept", "assigned", "accepted"),
        ("resolve", "accepted", "resolved"), ("reopen", "resolved", "reopened"),
        ("resolve", "reopened", "resolved"), ("confirm", "resolved", "closed"),
        ("rate", "closed", "closed"),
    ]
    assert rows[4].note == "还是不亮" and rows[4].actor_id == resident.id
    assert case is not None and case.rating == 4 and case.resolution_note == "换了开关"
    assert case.accepted_at is not None and case.accepted_at.tzinfo is not None


async def test_two_simultaneous_accepts_let_exactly_one_through(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        case_id = (await make_case(s, clock, reporter=await person(s, 5001))).case.id or 0

    async def accept() -> str:
        try:
            async with sessions() as s, s.begin():
                worker = await person(s, 940001)
                await cases.accept_case(s, clock=clock, case_id=case_id, actor=worker)
            return "ok"
        except DomainError as refusal:
            return refusal.key
        except Exception as exc:  # SQLite may refuse the second writer outright
            return type(exc).__name__

    outcomes = await asyncio.gather(accept(), accept())
    assert outcomes.count("ok") == 1, outcomes
    async with sessions() as s:
        accepts = (await s.execute(select(CaseEvent).where(
            col(CaseEvent.case_id) == case_id, col(CaseEvent.action) == CaseAction.ACCEPT))).all()
    assert len(accepts) == 1


def test_the_next_actions_are_those_the_table_allows_for_every_kind_status_and_part() -> None:
    parts: list[Actor | tuple[Actor, ...]] = [Actor.ASSIGNEE, Actor.REPORTER,
                                              (Actor.MANAGER, Actor.ASSIGNEE), ()]
    for kind in CaseKind:
        for status in CaseStatus:
            case = Case(kind=kind, status=status, text="x", reporter_id=1)
            for viewer in parts:
                expected = tuple(a for a in TRANSITIONS if may(case, a, viewer))
                assert next_actions(case, viewer) == expected, (kind, status, viewer)
                assert next_actions(case, viewer) == expected  # asked again: the same
    case = Case(kind=CaseKind.REPAIR, status=CaseStatus.ASSIGNED, text="x", reporter_id=1)
    assert next_actions(case, Actor.ASSIGNEE) == (CaseAction.ACCEPT, CaseAction.TRANSFER,
                                                  CaseAction.RETURN, CaseAction.MERGE)
