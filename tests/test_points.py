"""The points ledger on a real database: never negative, every change with a reason, the balance
is the ledger's sum, and two simultaneous redemptions cannot overdraw."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.db import Sessions
from models import PointsEntry, Redemption, ShopItem
from services import directory, points
from services.clock import FrozenClock
from services.errors import DomainError
from tests.conftest import TEST_DATABASE_URL
from tests.factories import load_sample, person

SUN, LI, QIAN, CHEN, ZHANG = 930001, 930002, 930004, 910001, 940001


async def _shop(sessions: Sessions, clock: FrozenClock, *, earned: int, cost: int,
                stock: int = 10) -> tuple[int, int]:
    """A yulan item, and SUN with `earned` points from a wish; returns (item id, SUN's id)."""
    async with sessions() as s, s.begin():
        await load_sample(s)
        item = await points.define_item(s, actor=await person(s, CHEN), name="老花镜", cost=cost,
                                        stock=stock)
        sun = await person(s, SUN)
        await points.add_entry(s, at=clock.now(), person_id=sun.id or 0,
                               community_id=item.community_id, delta=earned,
                               reason=points.REASON_WISH)
        return item.id or 0, sun.id or 0


async def _ledger_sum(sessions: Sessions, person_id: int) -> int:
    async with sessions() as s:
        total = await s.execute(select(func.coalesce(func.sum(col(PointsEntry.delta)), 0))
                                .where(col(PointsEntry.person_id) == person_id))
        return int(total.scalar_one())


async def test_a_redemption_beyond_the_balance_is_refused_and_changes_nothing(
    sessions: Sessions, clock: FrozenClock
) -> None:
    item_id, sun_id = await _shop(sessions, clock, earned=30, cost=50)
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as refused:
            await points.redeem(s, clock=clock, actor=await person(s, SUN), item_id=item_id)
    assert refused.value.key == "points.not_enough"
    assert refused.value.params == {"balance": 30, "cost": 50}
    async with sessions() as s:
        item = await s.get(ShopItem, item_id)
        assert item is not None and item.stock == 10
        assert await points.balance(s, sun_id) == 30 == await _ledger_sum(sessions, sun_id)


async def test_a_debit_that_would_go_negative_is_refused_by_the_ledger_itself(
    sessions: Sessions, clock: FrozenClock
) -> None:
    _item_id, sun_id = await _shop(sessions, clock, earned=5, cost=50)
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError):
            await points.add_entry(s, at=clock.now(), person_id=sun_id, community_id=None,
                                   delta=-6, reason=points.REASON_REDEEM)
        assert await points.add_entry(s, at=clock.now(), person_id=sun_id, community_id=None,
                                      delta=-5, reason=points.REASON_REDEEM) == 0


@pytest.mark.parametrize("attempts", [2, 3])
async def test_simultaneous_redemptions_cannot_overdraw(
    sessions: Sessions, clock: FrozenClock, attempts: int
) -> None:
    item_id, sun_id = await _shop(sessions, clock, earned=60, cost=50)
    # Different items, so that nothing but the person's own lock stands between the two debits.
    async with sessions() as s, s.begin():
        chen = await person(s, CHEN)
        items = [item_id] + [(await points.define_item(s, actor=chen, name=name, cost=50,
                                                       stock=10)).id or 0
                             for name in ("毛巾", "雨伞")[:attempts - 1]]
    ready = asyncio.Barrier(attempts)

    async def redeem(item_id: int) -> str:
        try:
            async with sessions() as s, s.begin():
                sun = await person(s, SUN)
                await points.balance(s, sun_id)  # everybody sees 60 points…
                await ready.wait()  # …before anybody redeems
                await points.redeem(s, clock=clock, actor=sun, item_id=item_id)
            return "ok"
        except DomainError as refusal:
            return refusal.key
        except Exception as exc:  # SQLite may refuse a second writer outright
            return f"{type(exc).__name__}: {exc}"

    outcomes = await asyncio.gather(*(redeem(i) for i in items))
    assert outcomes.count("ok") == 1, outcomes
    if TEST_DATABASE_URL.startswith("postgresql"):
        assert sorted(outcomes) == ["ok"] + ["points.not_enough"] * (attempts - 1)
    async with sessions() as s:
        assert await points.balance(s, sun_id) == 10 == await _ledger_sum(sessions, sun_id)
        stock = (await s.execute(select(func.sum(col(ShopItem.stock))))).scalar_one()
        assert stock == 10 * attempts - 1
        assert len((await s.execute(select(Redemption))).all()) == 1


async def test_hand_over_and_cancel_are_decided_once_and_a_cancel_refunds_with_its_reason(
    sessions: Sessions, clock: FrozenClock
) -> None:
    item_id, sun_id = await _shop(sessions, clock, earned=100, cost=30, stock=2)
    async with sessions() as s, s.begin():
        sun, chen = await person(s, SUN), await person(s, CHEN)
        first, _item, left = await points.redeem(s, clock=clock, actor=sun, item_id=item_id)
        second, _item, left = await points.redeem(s, clock=clock, actor=sun, item_id=item_id)
        assert left == 40
        with pytest.raises(DomainError) as empty:
            await points.redeem(s, clock=clock, actor=sun, item_id=item_id)
        assert empty.value.key == "points.out_of_stock"
        with pytest.raises(DomainError):  # a worker is not a manager
            await points.hand_over(s, clock=clock, actor=await person(s, ZHANG),
                                   redemption_id=first.id or 0)
        await points.hand_over(s, clock=clock, actor=chen, redemption_id=first.id or 0)
        with pytest.raises(DomainError) as twice:
            await points.cancel_redemption(s, clock=clock, actor=chen,
                                           redemption_id=first.id or 0, reason="晚了")
        assert twice.value.key == "points.already_decided"
        _r, left = await points.cancel_redemption(s, clock=clock, actor=chen,
                                                  redemption_id=second.id or 0, reason="记错库存")
        assert left == 70
    async with sessions() as s:
        entries = await points.history(s, sun_id)
        assert [(e.delta, e.reason, e.note) for e in entries][:1] == [(30, "refund", "记错库存")]
        item = await s.get(ShopItem, item_id)
        assert item is not None and item.stock == 1
    assert await _ledger_sum(sessions, sun_id) == 70


async def test_only_a_manager_defines_items_and_only_local_volunteers_redeem(
    sessions: Sessions, clock: FrozenClock
) -> None:
    item_id, _sun_id = await _shop(sessions, clock, earned=100, cost=10)
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as refused:
            await points.define_item(s, actor=await person(s, SUN), name="毛巾", cost=5, stock=1)
        assert refused.value.key == "points.not_manager"
        with pytest.raises(DomainError) as bad:
            await points.define_item(s, actor=await person(s, CHEN), name="毛巾", cost=0, stock=1)
        assert bad.value.key == "points.bad_item"
        for outsider in (QIAN, ZHANG):
            with pytest.raises(DomainError) as refused:
                await points.redeem(s, clock=clock, actor=await person(s, outsider),
                                    item_id=item_id)
            assert refused.value.key == "points.no_item"
        restocked = await points.define_item(s, actor=await person(s, CHEN), name="老花镜",
                                             cost=40, stock=3)
        assert (restocked.id, restocked.cost, restocked.stock) == (item_id, 40, 3)


async def test_the_monthly_rank_counts_wish_points_of_this_month_in_this_community(
    sessions: Sessions, clock: FrozenClock
) -> None:
    _item_id, sun_id = await _shop(sessions, clock, earned=20, cost=10)
    async with sessions() as s, s.begin():
        li = await person(s, LI, "李志愿者")
        sun = await s.get(type(li), sun_id)
        assert sun is not None
        community_id = await directory.managed_community(s, (await person(s, CHEN)).id or 0)
        await points.add_entry(s, at=clock.now(), person_id=li.id or 0,
                               community_id=community_id, delta=30, reason=points.REASON_WISH)
        await points.add_entry(s, at=clock.now() - timedelta(days=40), person_id=sun_id,
                               community_id=community_id, delta=100, reason=points.REASON_WISH)
        await points.add_entry(s, at=clock.now(), person_id=sun_id, community_id=community_id,
                               delta=-10, reason=points.REASON_REDEEM)
        ranking = await points.month_rank(s, community_id or 0,
                                          since=clock.now() - timedelta(days=10))
    assert ranking == [("李志愿者", 30), (sun.name, 20)]
