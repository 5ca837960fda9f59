"""The outbox: messages written in the same transaction as the change that caused them, then
leased, sent and marked by the sender. Per chat, messages go out in the order they were written."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from models import OutboxMessage
from services import direct

MAX_ATTEMPTS = 8
Row = OutboxMessage
_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]  # Core statements


URGENT = 2  # an emergency: first across chats and within its chat
REPLY = 1  # the answer to the person who just acted
NORMAL = 0


def enqueue(
    session: AsyncSession, *, chat_id: int, payload: dict[str, Any], at: datetime,
    case_id: int | None = None, available_at: datetime | None = None, priority: int = NORMAL,
) -> OutboxMessage:
    """Queue one message for sending (not before `available_at`, e.g. after quiet hours)."""
    row = OutboxMessage(chat_id=chat_id, payload=payload, case_id=case_id, created_at=at,
                        available_at=available_at, priority=priority)
    session.add(row)
    return row


class Queued(NamedTuple):
    """A message just queued: its row id, and whether it came out leased to the caller."""

    id: int
    leased: bool


async def enqueue_all(session: AsyncSession, rows: Sequence[dict[str, Any]], *,
                      lease_owner: str | None = None, now: datetime | None = None,
                      lease_s: float = 30.0) -> list[Queued]:
    """Queue several messages (keys: chat_id, payload, at, case_id, priority) with one INSERT
    statement. For the per-update replies: no ORM objects to track, ids in the given order.

    With `lease_owner` (a sender in this process that will send them right after the commit),
    each message comes out leased to it when nothing else of its chat is waiting that is not
    already that sender's (retries, another replica's lease, an unleased message): then it needs
    no lease transaction, and a crash before it is sent leaves it to whoever finds the lease run
    out, as any leased message. Returns, with `lease_owner`, the ids in the given order and
    which were leased (else nothing)."""
    if not rows:
        return []
    values = [{"chat_id": r["chat_id"], "payload": r["payload"], "case_id": r.get("case_id"),
               "created_at": r["at"], "attempts": 0, "priority": r.get("priority", NORMAL)}
              for r in rows]
    if lease_owner is None:
        await direct.run(session, _INSERT, values)
        return []
    assert now is not None
    until = now + timedelta(seconds=lease_s)
    result = await direct.run(session, _insert_leased(), [
        {**v, **_lease_params(v["chat_id"], lease_owner, now, until)} for v in values])
    # One multi-row INSERT numbers its rows in order; RETURNING need not keep that order, so
    # the ids are matched to the rows per chat, in ascending order (rows of one chat agree on
    # the lease).
    by_chat: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for row_id, chat_id, owner in result.rows:
        by_chat[int(chat_id)].append((int(row_id), owner == lease_owner))
    for found in by_chat.values():
        found.sort()
    taken: dict[int, int] = defaultdict(int)
    queued = []
    for v in values:
        chat_id = int(v["chat_id"])
        queued.append(Queued(*by_chat[chat_id][taken[chat_id]]))
        taken[chat_id] += 1
    return queued


_INSERT = direct.Statement(insert(_TABLE))


@cache
def _insert_leased() -> direct.Statement:
    """The INSERT for `enqueue_all(lease_owner=…)`, built once (owner, now and until are bound
    per row): leased unless an earlier message of the chat waits that is not the owner's. Each
    bound name occurs once (asyncpg's numbered parameters in a multi-row INSERT need that)."""
    stamp = _TABLE.c.lease_until.type

    def waiting(tag: str) -> Any:
        earlier = _TABLE.alias(f"earlier_{tag}")
        return exists().where(
            earlier.c.chat_id == bindparam(f"chat_{tag}", type_=_TABLE.c.chat_id.type),
            earlier.c.sent_at.is_(None), earlier.c.failed_at.is_(None),
            ~_deferred(earlier.c, bindparam(f"now_{tag}", type_=stamp)),
            or_(earlier.c.lease_owner.is_(None),
                earlier.c.lease_owner != bindparam(f"owner_{tag}", type_=String()),
                earlier.c.lease_until.is_(None),
                earlier.c.lease_until < bindparam(f"until_{tag}", type_=stamp)))
    return direct.Statement(
        insert(_TABLE)
        .values(lease_owner=case((waiting("o"), null()), else_=bindparam("owner", type_=String())),
                lease_until=case((waiting("u"), null()), else_=bindparam("until", type_=stamp)))
        .returning(_TABLE.c.id, _TABLE.c.chat_id, _TABLE.c.lease_owner))


def _lease_params(chat_id: int, owner: str, now: datetime, until: datetime) -> dict[str, Any]:
    """The bound values of `_insert_leased` for one row besides its columns."""
    return {"owner": owner, "until": until,
            **{f"{name}_{tag}": value for tag in ("o", "u")
               for name, value in (("chat", chat_id), ("now", now), ("owner", owner),
                                   ("until", now))}}


def _pending() -> tuple[Any, ...]:
    return (col(Row.sent_at).is_(None), col(Row.failed_at).is_(None))


def _deferred(table: Any, now: Any) -> Any:
    """Deferred on purpose (quiet hours: never tried yet, available later): holds nothing back."""
    return and_(table.attempts == 0, table.available_at.is_not(None), table.available_at > now)


def _held_elsewhere(now: datetime, owner: str) -> Any:
    """Chats with a message leased by another sender or waiting for a retry: their messages
    wait for it (one pass over the pending messages, not one per candidate)."""
    other = aliased(Row)
    return (select(col(other.chat_id)).where(
        col(other.sent_at).is_(None), col(other.failed_at).is_(None), ~_deferred(other, now),
        or_(and_(col(other.lease_until) >= now, col(other.lease_owner) != owner),
            col(other.available_at) > now)).distinct())


async def lease_batch(
    session: AsyncSession, *, now: datetime, owner: str, limit: int, lease_s: float = 30.0,
    skip_chats: Collection[int] = (), per_chat: int | None = None,
) -> list[OutboxMessage]:
    """Lease due messages for sending: per chat the most urgent first, then in the order they
    were written, across replicas. Chats in `skip_chats` (being drained by this sender) are
    skipped except for their urgent messages; at most `per_chat` messages of one chat."""
    due = (
        select(Row).where(*_pending(),
                        or_(col(Row.available_at).is_(None), col(Row.available_at) <= now),
                        or_(col(Row.lease_until).is_(None), col(Row.lease_until) < now),
                        or_(col(Row.chat_id).not_in(_held_elsewhere(now, owner)),
                            col(Row.priority) >= URGENT))
        .order_by(col(Row.priority).desc(), col(Row.id)).limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip_chats:
        due = due.where(or_(col(Row.chat_id).not_in(list(skip_chats)),
                            col(Row.priority) >= URGENT))
    candidates = list((await session.execute(due)).scalars().all())
    if not candidates:
        return []
    # A message goes only when every message of its chat that must go before it (more urgent,
    # or as urgent and older) goes too, or is already this sender's: another replica may hold
    # one, or be leasing it right now (SKIP LOCKED hid it).
    chats = {r.chat_id for r in candidates}
    queued = await session.execute(
        select(col(Row.id), col(Row.chat_id), col(Row.priority), col(Row.lease_owner),
               col(Row.lease_until))
        .where(*_pending(), col(Row.chat_id).in_(chats), ~_deferred(Row, now)))
    before: dict[int, list[tuple[int, int]]] = defaultdict(list)  # chat -> (priority, id)
    for row_id, chat_id, priority, lease_owner, lease_until in queued.all():
        assert row_id is not None  # a primary key read back from the database
        mine = lease_owner == owner and lease_until is not None and lease_until >= now
        if not mine:
            before[chat_id].append((priority, row_id))
    taken: set[int] = set()
    per: dict[int, int] = defaultdict(int)
    leased: list[OutboxMessage] = []
    for row in candidates:  # most urgent first, then oldest
        assert row.id is not None
        if per_chat is not None and per[row.chat_id] >= per_chat:
            continue
        ahead = [i for p, i in before[row.chat_id]
                 if (p > row.priority or (p == row.priority and i < row.id)) and i not in taken]
        if ahead:
            continue
        taken.add(row.id)
        per[row.chat_id] += 1
        leased.append(row)
    if leased:
        await session.execute(
            update(Row).where(col(Row.id).in_([r.id for r in leased]))
            .values(lease_until=now + timedelta(seconds=lease_s), lease_owner=owner)
        )
    return leased


async def renew(session: AsyncSession, *, row_ids: Sequence[int], owner: str, now: datetime,
                lease_s: float) -> set[int]:
    """Extend this sender's leases on messages it still holds; return the ids it still holds
    (a lease that ran out may have been taken over by another sender)."""
    if not row_ids:
        return set()
    mine = (col(Row.id).in_(list(row_ids)), col(Row.lease_owner) == owner, *_pending())
    # A row being marked sent right now is locked by that transaction: skip it rather than
    # wait for it (and, updating many rows in another order, risk a deadlock).
    free = select(col(Row.id)).where(*mine).with_for_update(skip_locked=True)
    await session.execute(update(Row).where(col(Row.id).in_(free))
                          .values(lease_until=now + timedelta(seconds=lease_s)))
    held = await session.execute(select(col(Row.id)).where(*mine))
    return {int(i) for i in held.scalars() if i is not None}


# Per chat, the newest message that was finished with, and whether it was delivered (1) or given
# up on (0). Built once (it runs for every report routed to a worker who never wrote privately);
# routing reads it in one statement with the open-case counts.
# Of the table's columns (Core: no ORM part in its execution).
_ROWS = _TABLE.c
OUTCOMES = select(
    _ROWS.chat_id,
    case((_ROWS.sent_at.is_not(None), literal_column("1")), else_=literal_column("0"))
    .label("delivered"),
).where(_ROWS.id.in_(
    select(func.max(_ROWS.id)).where(
        _ROWS.chat_id.in_(bindparam("chat_ids", expanding=True)),
        or_(_ROWS.sent_at.is_not(None), _ROWS.failed_at.is_not(None)))
    .group_by(_ROWS.chat_id)))


async def reachable(session: AsyncSession, chat_ids: Collection[int]) -> dict[int, bool]:
    """Per private chat, whether the newest message that was finished with was delivered (True)
    or given up on (False, e.g. the person never pressed Start); chats never tried are absent."""
    if not chat_ids:
        return {}
    rows = await session.execute(OUTCOMES, {"chat_ids": list(chat_ids)})
    return {int(chat): bool(delivered) for chat, delivered in rows.all()}


async def chat_backlog(session: AsyncSession, chat_id: int) -> int:
    """Count the messages still to send into one chat."""
    result = await session.execute(select(func.count()).select_from(Row)
                                   .where(*_pending(), col(Row.chat_id) == chat_id))
    return int(result.scalar_one())


async def backlogs(session: AsyncSession, *, at_least: int = 1) -> dict[int, int]:
    """Messages still to send per chat, for chats with at least `at_least` of them."""
    result = await session.execute(
        select(col(Row.chat_id), func.count()).where(*_pending()).group_by(col(Row.chat_id))
        .having(func.count() >= at_least))
    return {int(chat): int(n) for chat, n in result.all()}


_MARK_SENT = direct.Statement(
    update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
    .values(sent_at=bindparam("at"), sent_message_id=bindparam("message_id"),
            attempts=_TABLE.c.attempts + 1, lease_until=None)
)


async def mark_sent(
    session: AsyncSession, *, row_id: int, at: datetime, message_id: int | None
) -> None:
    """Record a delivered message (rows of it loaded in this session are updated too)."""
    await session.execute(
        update(Row).where(col(Row.id) == row_id)
        .values(sent_at=at, sent_message_id=message_id, attempts=Row.attempts + 1, lease_until=None)
    )


async def mark_all_sent(
    session: AsyncSession, sent: Sequence[tuple[int, int | None]], *, at: datetime
) -> None:
    """Record delivered messages, (row id, Telegram message id) each, in one statement. Rows of
    them loaded in this session are not updated (the sender's recording session holds none)."""
    if sent:
        await direct.run(session, _MARK_SENT, [{"row_id": row_id, "message_id": message_id,
                                                "at": at} for row_id, message_id in sent])


async def mark_retry(
    session: AsyncSession, *, row_id: int, at: datetime, delay_s: float, error: str
) -> None:
    """Put a message back to try later, or give up after too many attempts."""
    row = await session.get(Row, row_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:300]
    row.available_at = at + timedelta(seconds=delay_s)
    row.lease_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.failed_at = at


async def mark_failed(session: AsyncSession, *, row_id: int, at: datetime, error: str) -> None:
    """Give up on a message that can never be delivered (e.g. the user never opened a chat)."""
    await session.execute(
        update(Row).where(col(Row.id) == row_id)
        .values(failed_at=at, last_error=error[:300], attempts=Row.attempts + 1, lease_until=None)
    )


async def release(session: AsyncSession, *, row_ids: Sequence[int]) -> None:
    """Give leased messages back unsent (an earlier one in the same chat must go first)."""
    if row_ids:
        await session.execute(update(Row).where(col(Row.id).in_(row_ids))
                              .values(lease_until=None))


async def pending_count(session: AsyncSession) -> int:
    """Count messages not yet sent nor given up."""
    result = await session.execute(select(func.count()).select_from(Row).where(*_pending()))
    return int(result.scalar_one())


async def forget_sent_before(session: AsyncSession, before: datetime) -> int:
    """Delete messages delivered before `before`; return how many went."""
    result = await session.execute(
        delete(Row).where(col(Row.sent_at).is_not(None), col(Row.sent_at) < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _has_callback_buttons(payload: dict[str, Any], data: str | None) -> bool:
    return any(b.get("data") and data in (None, b.get("data"))
               for row in payload.get("buttons") or [] for b in row)


async def live_cards(
    session: AsyncSession, *, case_id: int, chat_ids: Sequence[int], button_data: str | None = None,
) -> list[tuple[int, int, str]]:
    """Delivered text messages about a case in these chats whose latest version still shows
    buttons to press (or this one button): (chat id, message id, text) each, for retiring
    replaced cards."""
    if not chat_ids:
        return []
    rows = (await session.execute(
        select(Row).where(col(Row.chat_id).in_(chat_ids), col(Row.failed_at).is_(None),
                          col(Row.id) >= select(func.min(Row.id)).where(
                              col(Row.case_id) == case_id).scalar_subquery())
        .order_by(col(Row.id)))).scalars().all()
    latest: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        payload = row.payload
        if payload.get("photo_png") or payload.get("document"):
            continue
        if edited := payload.get("edit_message_id"):
            if (row.chat_id, edited) in latest:
                latest[(row.chat_id, edited)] = payload
        elif row.case_id == case_id and row.sent_message_id is not None:
            latest[(row.chat_id, row.sent_message_id)] = payload
    return [(chat_id, message_id, payload["text"])
            for (chat_id, message_id), payload in latest.items()
            if _has_callback_buttons(payload, button_data)]
