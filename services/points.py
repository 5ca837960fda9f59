"""Volunteer points (积分超市): an append-only ledger, items managers define, redemptions.

The balance is always the sum of the ledger and can never go negative: every debit locks the
person's row first (SELECT … FOR UPDATE on PostgreSQL; SQLite runs one writer at a time), then
checks the sum inside the same transaction.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Person, PointsEntry, Redemption, Role, ShopItem
from services import directory
from services.clock import Clock
from services.errors import DomainError

REASON_WISH, REASON_REDEEM, REASON_REFUND = "wish", "redeem", "refund"
PENDING, HANDED, CANCELLED = "pending", "handed", "cancelled"
MAX_COST, MAX_STOCK = 100_000, 10_000


async def balance(session: AsyncSession, person_id: int) -> int:
    """Return the person's points: the sum of their ledger."""
    result = await session.execute(
        select(func.coalesce(func.sum(col(PointsEntry.delta)), 0))
        .where(col(PointsEntry.person_id) == person_id))
    return int(result.scalar_one())


async def lock_person(session: AsyncSession, person_id: int) -> None:
    """Serialise changes to one person's points (a no-op on SQLite, which has one writer).

    FOR NO KEY UPDATE: rows that merely reference the person (a redemption, a case event) take
    KEY SHARE locks, which this does not wait for, so no deadlock; two of these still queue."""
    await session.execute(select(col(Person.id)).where(col(Person.id) == person_id)
                          .with_for_update(key_share=True))


async def add_entry(
    session: AsyncSession, *, at: datetime, person_id: int, community_id: int | None, delta: int,
    reason: str, note: str | None = None, case_id: int | None = None,
    redemption_id: int | None = None,
) -> int:
    """Append one ledger entry and return the new balance; refuse to go below zero."""
    await lock_person(session, person_id)
    current = await balance(session, person_id)
    if current + delta < 0:
        raise DomainError("points.not_enough", balance=current, cost=-delta)
    session.add(PointsEntry(person_id=person_id, community_id=community_id, delta=delta,
                            reason=reason, note=note, case_id=case_id,
                            redemption_id=redemption_id, at=at))
    await session.flush()
    return current + delta


async def history(session: AsyncSession, person_id: int, limit: int = 10) -> Sequence[PointsEntry]:
    """List the person's latest ledger entries, newest first."""
    result = await session.execute(
        select(PointsEntry).where(col(PointsEntry.person_id) == person_id)
        .order_by(col(PointsEntry.at).desc(), col(PointsEntry.id).desc()).limit(limit))
    return result.scalars().all()


async def month_rank(
    session: AsyncSession, community_id: int, *, since: datetime, limit: int = 10
) -> list[tuple[str, int]]:
    """Rank the community's volunteers by points earned with wishes since `since`."""
    total = func.sum(col(PointsEntry.delta))
    result = await session.execute(
        select(col(Person.name), total)
        .join(Person, col(Person.id) == col(PointsEntry.person_id))
        .where(col(PointsEntry.community_id) == community_id,
               col(PointsEntry.reason) == REASON_WISH, col(PointsEntry.at) >= since)
        .group_by(col(Person.id), col(Person.name))
        .order_by(total.desc(), col(Person.id)).limit(limit))
    return [(name, int(points)) for name, points in result.all()]


async def _require_manager(session: AsyncSession, actor: Person) -> int:
    community_id = await directory.managed_community(session, actor.id or 0)
    if community_id is None:
        raise DomainError("points.not_manager")
    return community_id


async def define_item(
    session: AsyncSession, *, actor: Person, name: str, cost: int, stock: int
) -> ShopItem:
    """Let a manager add an item to the community's shop, or change its cost and stock."""
    community_id = await _require_manager(session, actor)
    name = name.strip()[:60]
    if not name or not 0 < cost <= MAX_COST or not 0 <= stock <= MAX_STOCK:
        raise DomainError("points.bad_item")
    found = await session.execute(select(ShopItem).where(
        col(ShopItem.community_id) == community_id, col(ShopItem.name) == name))
    item = found.scalar_one_or_none()
    if item is None:
        item = ShopItem(community_id=community_id, name=name, cost=cost, stock=stock)
    else:
        item.cost, item.stock = cost, stock
    session.add(item)
    await session.flush()
    return item


async def shop(session: AsyncSession, community_id: int) -> Sequence[ShopItem]:
    """List a community's items, cheapest first."""
    result = await session.execute(select(ShopItem).where(
        col(ShopItem.community_id) == community_id).order_by(col(ShopItem.cost), col(ShopItem.id)))
    return result.scalars().all()


async def redeem(
    session: AsyncSession, *, clock: Clock, actor: Person, item_id: int
) -> tuple[Redemption, ShopItem, int]:
    """Exchange points for an item: debit at once, reserve one from stock, await hand-over."""
    assert actor.id is not None
    await lock_person(session, actor.id)  # first, so the balance read below is the real one
    item = await session.get(ShopItem, item_id)
    if item is None or not await directory.has_role(session, actor.id, Role.VOLUNTEER,
                                                    community_id=item.community_id):
        raise DomainError("points.no_item")
    if item.cost > await balance(session, actor.id):  # before touching the stock
        raise DomainError("points.not_enough", balance=await balance(session, actor.id),
                          cost=item.cost)
    taken = await session.execute(
        update(ShopItem).where(col(ShopItem.id) == item_id, col(ShopItem.stock) > 0)
        .values(stock=col(ShopItem.stock) - 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("points.out_of_stock", name=item.name)
    await session.refresh(item)
    now = clock.now()
    redemption = Redemption(item_id=item_id, person_id=actor.id, community_id=item.community_id,
                            cost=item.cost, created_at=now)
    session.add(redemption)
    await session.flush()
    left = await add_entry(session, at=now, person_id=actor.id, community_id=item.community_id,
                           delta=-item.cost, reason=REASON_REDEEM, note=item.name,
                           redemption_id=redemption.id)
    return redemption, item, left


async def pending_redemption(
    session: AsyncSession, *, actor: Person, redemption_id: int
) -> Redemption:
    """A redemption still waiting for hand-over that this manager may decide; else refuse."""
    redemption = await session.get(Redemption, redemption_id)
    if redemption is None or not await directory.is_manager_of(session, actor.id or 0,
                                                               redemption.community_id):
        raise DomainError("points.no_redemption")
    if redemption.status != PENDING:
        raise DomainError("points.already_decided")
    return redemption


async def _decide(
    session: AsyncSession, *, clock: Clock, actor: Person, redemption_id: int, status: str,
    note: str | None,
) -> Redemption:
    redemption = await session.get(Redemption, redemption_id)
    if redemption is None or not await directory.is_manager_of(session, actor.id or 0,
                                                               redemption.community_id):
        raise DomainError("points.no_redemption")
    decided = await session.execute(
        update(Redemption).where(col(Redemption.id) == redemption_id,
                                 col(Redemption.status) == PENDING)
        .values(status=status, decided_at=clock.now(), decided_by_id=actor.id, note=note)
        .execution_options(synchronize_session=False))
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("points.already_decided")
    await session.refresh(redemption)
    return redemption


async def hand_over(
    session: AsyncSession, *, clock: Clock, actor: Person, redemption_id: int
) -> Redemption:
    """Let a manager record that the volunteer received the item."""
    return await _decide(session, clock=clock, actor=actor, redemption_id=redemption_id,
                         status=HANDED, note=None)


async def cancel_redemption(
    session: AsyncSession, *, clock: Clock, actor: Person, redemption_id: int, reason: str
) -> tuple[Redemption, int]:
    """Let a manager cancel a pending redemption: points back (with the reason), stock back."""
    reason = reason.strip()[:500]
    redemption = await _decide(session, clock=clock, actor=actor, redemption_id=redemption_id,
                               status=CANCELLED, note=reason)
    await session.execute(
        update(ShopItem).where(col(ShopItem.id) == redemption.item_id)
        .values(stock=col(ShopItem.stock) + 1).execution_options(synchronize_session=False))
    left = await add_entry(session, at=clock.now(), person_id=redemption.person_id,
                           community_id=redemption.community_id, delta=redemption.cost,
                           reason=REASON_REFUND, note=reason, redemption_id=redemption.id)
    return redemption, left


async def pending(session: AsyncSession, community_id: int) -> Sequence[Redemption]:
    """List a community's redemptions waiting for hand-over, oldest first."""
    result = await session.execute(select(Redemption).where(
        col(Redemption.community_id) == community_id, col(Redemption.status) == PENDING)
        .order_by(col(Redemption.id)))
    return result.scalars().all()


async def find_item(session: AsyncSession, item_id: int) -> ShopItem | None:
    """Fetch an item."""
    return await session.get(ShopItem, item_id)
