"""The outbox: messages written in the same transaction as the change that caused them, then
leased, sent and marked by the sender. Per chat, messages go out in the order they were written."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import OutboxMessage

MAX_ATTEMPTS = 8
Row = OutboxMessage
_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]  # Core statements


def enqueue(
    session: AsyncSession, *, chat_id: int, payload: dict[str, Any], at: datetime,
    case_id: int | None = None, available_at: datetime | None = None,
) -> OutboxMessage:
    """Queue one message for sending (not before `available_at`, e.g. after quiet hours)."""
    row = OutboxMessage(chat_id=chat_id, payload=payload, case_id=case_id, created_at=at,
                        available_at=available_at)
    session.add(row)
    return row


async def enqueue_all(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue several messages (keys: chat_id, payload, at, case_id) with one INSERT statement.
    For the per-update replies: no ORM objects to track, ids in the given order."""
    if rows:
        await session.execute(insert(_TABLE), [
            {"chat_id": r["chat_id"], "payload": r["payload"], "case_id": r.get("case_id"),
             "created_at": r["at"], "attempts": 0} for r in rows])


def _pending() -> tuple[Any, ...]:
    return (col(Row.sent_at).is_(None), col(Row.failed_at).is_(None))


async def lease_batch(
    session: AsyncSession, *, now: datetime, owner: str, limit: int, lease_s: float = 30.0
) -> list[OutboxMessage]:
    """Lease due messages for sending, keeping each chat's messages in order across replicas."""
    due = (
        select(Row).where(*_pending(),
                        or_(col(Row.available_at).is_(None), col(Row.available_at) <= now),
                        or_(col(Row.lease_until).is_(None), col(Row.lease_until) < now))
        .order_by(col(Row.id)).limit(limit).with_for_update(skip_locked=True)
    )
    candidates = list((await session.execute(due)).scalars().all())
    if not candidates:
        return []
    # A chat may only go ahead from its oldest pending message: an older one that is leased
    # elsewhere or waiting for a retry holds the later ones back. A message deferred on purpose
    # (quiet hours: never tried yet, available later) does not hold back the replies after it.
    top = max(r.id or 0 for r in candidates)
    chats = {r.chat_id for r in candidates}
    deferred = and_(col(Row.attempts) == 0, col(Row.available_at).is_not(None),
                    col(Row.available_at) > now)
    queued = await session.execute(
        select(col(Row.id), col(Row.chat_id))
        .where(*_pending(), col(Row.chat_id).in_(chats), col(Row.id) <= top, ~deferred)
        .order_by(col(Row.id))
    )
    order: dict[int, list[int]] = defaultdict(list)
    for row_id, chat_id in queued.all():
        assert row_id is not None  # a primary key read back from the database
        order[chat_id].append(row_id)
    by_id = {r.id: r for r in candidates}
    leased: list[OutboxMessage] = []
    for chat_ids in order.values():
        for row_id in chat_ids:
            if row_id not in by_id:
                break
            leased.append(by_id[row_id])
    if leased:
        await session.execute(
            update(Row).where(col(Row.id).in_([r.id for r in leased]))
            .values(lease_until=now + timedelta(seconds=lease_s), lease_owner=owner)
        )
    return sorted(leased, key=lambda r: r.id or 0)


_MARK_SENT = (
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
        await session.execute(_MARK_SENT, [{"row_id": row_id, "message_id": message_id, "at": at}
                                           for row_id, message_id in sent])


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
