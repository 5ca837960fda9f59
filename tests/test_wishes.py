"""The wish use cases on a real database: review rights, one claimer, credit on confirmation."""

import asyncio

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.db import Sessions
from models import CaseAction, CaseEvent, CaseKind, CaseStatus, Person, PointsEntry, Urgency
from services import points, wish_people, wishes
from services.cases import NewReport
from services.clock import FrozenClock
from services.errors import DomainError
from tests.conftest import TEST_DATABASE_URL
from tests.factories import building, load_sample, person

SUN, LI, QIAN = 930001, 930002, 930004  # yulan volunteers, qiaoxi volunteer
ZHANG, HUANG, CHEN = 940001, 940002, 910001  # grid yulan-1, grid yulan-2, yulan manager


async def _wish(sessions: Sessions, clock: FrozenClock, *, publish: bool = True) -> int:
    async with sessions() as s, s.begin():
        await load_sample(s)
        where = await building(s, "3")
        report = NewReport(text="想要一副老花镜，3号楼2单元301，电话13900001111",
                           kind=CaseKind.WISH, urgency=Urgency.NORMAL,
                           community_id=where.community_id, building=where, unit="2", room="301")
        submitted = await wishes.submit_wish(s, clock=clock, reporter=await person(s, 5001),
                                             report=report)
        assert [p.telegram_id for p in submitted.reviewers] == [ZHANG]
        case_id = submitted.case.id
        assert case_id is not None
        if publish:
            await wishes.approve_wish(s, clock=clock, case_id=case_id,
                                      actor=await person(s, ZHANG))
    return case_id


def test_the_proposed_public_wording_drops_phones_and_flats() -> None:
    proposal = wishes.propose_public_text("想要一副老花镜，3号楼2单元301，电话13900001111")
    assert "老花镜" in proposal and "3号楼" in proposal
    for secret in ("301", "2单元", "13900001111"):
        assert secret not in proposal
    assert "301" not in wishes.propose_public_text("3-2-301 想学用手机")
    assert "500元" in wishes.propose_public_text("想要一台500元以内的收音机")


async def test_a_wish_waits_for_review_and_only_its_grid_worker_or_manager_may_publish_it(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _wish(sessions, clock, publish=False)
    async with sessions() as s, s.begin():
        case, details = await wishes.load_wish(s, case_id)
        assert case.status == CaseStatus.NEW and case.assignee_id is None
        assert details.points == wishes.DEFAULT_POINTS
        with pytest.raises(DomainError) as refused:
            await wishes.approve_wish(s, clock=clock, case_id=case_id,
                                      actor=await person(s, HUANG))
        assert refused.value.key == "wish.not_reviewer"
        await wishes.set_points(s, case_id=case_id, actor=await person(s, CHEN), value=30)
        clock.advance(hours=1)
        case, _details = await wishes.approve_wish(s, clock=clock, case_id=case_id,
                                                   actor=await person(s, CHEN))
        assert case.status == CaseStatus.PUBLISHED and case.published_at == clock.now()


async def test_only_a_volunteer_of_the_community_may_claim(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _wish(sessions, clock)
    async with sessions() as s, s.begin():
        for outsider in (QIAN, ZHANG, 5002):
            with pytest.raises(DomainError) as refused:
                await wishes.claim_wish(s, clock=clock, case_id=case_id,
                                        actor=await person(s, outsider))
            assert refused.value.key == "wish.not_volunteer"
        case, _details = await wishes.claim_wish(s, clock=clock, case_id=case_id,
                                                 actor=await person(s, LI))
        assert case.status == CaseStatus.ACCEPTED and case.accepted_at == clock.now()


@pytest.mark.parametrize("attempts", [2, 4])
async def test_simultaneous_claims_in_separate_transactions_have_exactly_one_winner(
    sessions: Sessions, clock: FrozenClock, attempts: int
) -> None:
    case_id = await _wish(sessions, clock)
    volunteers = [SUN, LI, 930003, SUN][:attempts]
    ready = asyncio.Barrier(attempts)

    async def claim(telegram_id: int) -> str:
        try:
            async with sessions() as s, s.begin():
                volunteer = await person(s, telegram_id)
                await wishes.load_wish(s, case_id)  # everybody has seen it open…
                await ready.wait()  # …before anybody presses
                await wishes.claim_wish(s, clock=clock, case_id=case_id, actor=volunteer)
            return "ok"
        except DomainError as refusal:
            return refusal.key
        except Exception as exc:  # SQLite may refuse a second writer outright
            return type(exc).__name__

    outcomes = await asyncio.gather(*(claim(v) for v in volunteers))
    assert outcomes.count("ok") == 1, outcomes
    if TEST_DATABASE_URL.startswith("postgresql"):
        assert sorted(outcomes) == ["ok"] + ["wish.taken"] * (attempts - 1)
    async with sessions() as s:
        claims = (await s.execute(select(CaseEvent).where(
            col(CaseEvent.case_id) == case_id, col(CaseEvent.action) == CaseAction.CLAIM))).all()
        case, _details = await wishes.load_wish(s, case_id)
    assert len(claims) == 1 and case.status == CaseStatus.ACCEPTED


async def test_confirmation_credits_the_claimer_once_and_thanks_are_kept_once(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _wish(sessions, clock)
    async with sessions() as s, s.begin():
        sun, resident = await person(s, SUN), await person(s, 5001)
        await wishes.claim_wish(s, clock=clock, case_id=case_id, actor=sun)
        with pytest.raises(DomainError):
            await wishes.fulfil_wish(s, clock=clock, case_id=case_id,
                                     actor=await person(s, LI), note="done")
        await wishes.fulfil_wish(s, clock=clock, case_id=case_id, actor=sun, note="送到了")
        with pytest.raises(DomainError) as refused:
            await wishes.confirm_wish(s, clock=clock, case_id=case_id, actor=sun)
        assert refused.value.key == "case.not_reporter"
        _case, _details, balance = await wishes.confirm_wish(s, clock=clock, case_id=case_id,
                                                             actor=resident)
        assert balance == wishes.DEFAULT_POINTS
        with pytest.raises(DomainError):
            await wishes.confirm_wish(s, clock=clock, case_id=case_id, actor=resident)
        await wishes.thank(s, clock=clock, case_id=case_id, actor=resident, words="谢谢")
        with pytest.raises(DomainError):
            await wishes.thank(s, clock=clock, case_id=case_id, actor=resident, words="再谢")
    async with sessions() as s:
        entries = (await s.execute(select(PointsEntry))).scalars().all()
        assert [(e.delta, e.reason, e.case_id) for e in entries] == [
            (wishes.DEFAULT_POINTS, "wish", case_id)]
        assert await points.balance(s, entries[0].person_id) == wishes.DEFAULT_POINTS


async def test_a_worker_registers_a_resident_and_posts_a_wish_they_confirm_for_them(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        zhang = await person(s, ZHANG)
        with pytest.raises(DomainError):
            await wish_people.register_resident(s, actor=zhang, name="赵奶奶", phone=None,
                                           where="12号楼")  # another community's building
        grandma, _ = await wish_people.register_resident(s, actor=zhang, name="赵奶奶",
                                                    phone="13700000000", where="3号楼1单元101")
        assert (grandma.telegram_id, grandma.registered_by_id, grandma.room) == (
            None, zhang.id, "101")
        assert [p.name for p in await wish_people.registered_residents(
            s, grandma.community_id or 0)] == ["赵奶奶"]
        with pytest.raises(DomainError):
            await wish_people.resident_for_wish(s, person_id=grandma.id or 0,
                                           actor=await person(s, 940004))  # qiaoxi worker
        where = await building(s, "3")
        report = NewReport(text="想学用手机挂号", kind=CaseKind.WISH, urgency=Urgency.NORMAL,
                           community_id=where.community_id, building=where)
        wish = await wishes.submit_wish(s, clock=clock, reporter=grandma, report=report,
                                        posted_by=zhang)
        case_id = wish.case.id or 0
        await wishes.approve_wish(s, clock=clock, case_id=case_id, actor=zhang)
        sun = await person(s, SUN)
        await wishes.claim_wish(s, clock=clock, case_id=case_id, actor=sun)
        await wishes.fulfil_wish(s, clock=clock, case_id=case_id, actor=sun, note="教会了")
        await wishes.confirm_wish(s, clock=clock, case_id=case_id, actor=zhang)
        assert (await s.get(Person, grandma.id)) is not None
        assert await points.balance(s, sun.id or 0) == wishes.DEFAULT_POINTS
