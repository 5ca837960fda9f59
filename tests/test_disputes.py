"""Dispute services: the mediator of the proposed tier, repeated conflicts, who may see the
details, reading a session time, and the follow-up a week after an agreement."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import Sessions
from models import CaseStatus, MediatorTier, Person
from services import directory, mediation
from services import disputes as service
from services.cases import accept_case
from services.clock import FrozenClock
from services.errors import DomainError
from tests.factories import load_sample, person

TZ = ZoneInfo("Asia/Shanghai")


def _new(what: str, community_id: int | None, **facts: bool) -> service.NewDispute:
    return service.NewDispute(what=what, place=None, other_party=None, since=None,
                              injury=facts.get("injury", False),
                              property_damage=facts.get("damage", False),
                              compensation=facts.get("compensation", False),
                              repeated=facts.get("repeated", False), community_id=community_id)


async def _staff(session: object, telegram_id: int) -> Person:
    found = await directory.person_by_telegram(session, telegram_id)  # type: ignore[arg-type]
    assert found is not None
    return found


async def test_a_dispute_goes_to_a_mediator_of_its_tier_and_the_worker_and_manager_hear(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        filed = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "3号楼对门把杂物堆在楼道里", None))
        assert filed.details.tier == "volunteer" and filed.mediator is not None
        assert filed.mediator.telegram_id == 920001
        assert filed.case.status == CaseStatus.ASSIGNED
        told = {p.telegram_id for p in filed.also_notify}
        assert told == {940001, 910001}  # the grid worker of building 3 and the manager


async def test_without_a_mediator_of_that_tier_the_next_tier_up_or_the_worker_takes_it(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        small = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "12号楼隔壁的狗天天叫", None))
        assert small.mediator is not None and small.mediator.telegram_id == 920004
        assert small.details.tier == "community"  # 桥西 has only a community mediator
        big = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "12号楼邻居威胁要打人", None))
        assert big.details.proposed_tier == "legal"
        assert big.mediator is not None and big.mediator.telegram_id == 940004  # the worker


async def test_a_second_dispute_within_ninety_days_counts_as_repeated(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        first = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "3号楼楼上半夜跺脚", None))
        assert first.details.tier == "volunteer"
        clock.advance(days=30)
        again = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "3号楼楼上又在半夜跺脚", None))
        assert again.details.repeated and again.details.tier == "community"
        assert "repeated" in again.details.tier_reasons
        clock.advance(days=100)
        later = await service.file_dispute(s, clock=clock, reporter=await person(s, 5009),
                                           new=_new("5号楼门口的车位被占", None))
        assert not later.details.repeated


async def test_only_the_mediator_the_grid_worker_and_managers_may_see_the_details(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        filed = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "3号楼对门把杂物堆在楼道里", None))
        allowed = {920001: True, 940001: True, 910001: True, 900001: True, 5001: True,
                   940002: False, 920002: False, 910002: False, 5002: False}
        for telegram_id, expected in allowed.items():
            viewer = await person(s, telegram_id)
            assert await service.may_see(s, filed.case, viewer) is expected, telegram_id


def test_a_session_time_and_place_are_read_from_one_line() -> None:
    now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    at, place = mediation.parse_session("11-05 15:00 社区调解室", now=now, tz=TZ) or (None, "")
    assert at == datetime(2026, 11, 5, 7, 0, tzinfo=UTC) and place == "社区调解室"
    at, place = mediation.parse_session("11月6日下午3点半 居委会二楼", now=now, tz=TZ) or (None, "")
    assert at == datetime(2026, 11, 6, 7, 30, tzinfo=UTC) and place == "居委会二楼"
    at, _place = mediation.parse_session("1-10 9:00 调解室", now=now, tz=TZ) or (None, "")
    assert at is not None and at.year == 2027
    assert mediation.parse_session("明天下午", now=now, tz=TZ) is None
    assert mediation.parse_session("11-05 15:00", now=now, tz=TZ) is None  # no place


async def test_an_agreement_is_followed_up_once_after_the_set_days(
    sessions: Sessions, clock: FrozenClock
) -> None:
    week = timedelta(days=7)
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        filed = await service.file_dispute(s, clock=clock, reporter=resident, new=_new(
            "3号楼对门把杂物堆在楼道里", None))
        mediator = await _staff(s, 920001)
        case_id = filed.case.id or 0
        await accept_case(s, clock=clock, case_id=case_id, actor=mediator)
        await mediation.record_agreement(s, clock=clock, case_id=case_id, actor=mediator,
                                       text="三天内清走")
        clock.advance(days=6, hours=23)
        assert await mediation.followups_due(s, now=clock.now(), after=week) == []
        clock.advance(hours=1)
        due = await mediation.followups_due(s, now=clock.now(), after=week)
        assert [d.case_id for d, _case in due] == [case_id]
        mediation.mark_followup_asked(due[0][0], at=clock.now(), after=week)
        assert due[0][0].followup_due_at == filed.details.outcome_at + week  # type: ignore[operator]
        assert await mediation.followups_due(s, now=clock.now(), after=week) == []
        with pytest.raises(DomainError):  # a stranger cannot answer for the parties
            await mediation.answer_followup(s, clock=clock, case_id=case_id,
                                          actor=await person(s, 5002), held=False)
        case, _details = await mediation.answer_followup(s, clock=clock, case_id=case_id,
                                                       actor=resident, held=False)
        assert case.status == CaseStatus.REOPENED  # not yet confirmed: reopened directly
        with pytest.raises(DomainError):
            await mediation.answer_followup(s, clock=clock, case_id=case_id, actor=resident,
                                          held=True)


async def test_a_manager_changes_the_tier_but_nobody_else_can(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        filed = await service.file_dispute(s, clock=clock, reporter=await person(s, 5001),
                                           new=_new("3号楼对门把杂物堆在楼道里", None))
        case_id = filed.case.id or 0
        with pytest.raises(DomainError):
            await mediation.change_tier(s, clock=clock, case_id=case_id,
                                      actor=await _staff(s, 940001), tier=MediatorTier.LEGAL)
        case, mediator = await mediation.change_tier(s, clock=clock, case_id=case_id,
                                                   actor=await _staff(s, 910001),
                                                   tier=MediatorTier.LEGAL)
        assert mediator.telegram_id == 920003 and case.assignee_id == mediator.id
