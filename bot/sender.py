"""The outbox sender: leases queued messages, sends them through the channel's transport within
the flood limits, and records what happened. Channel-neutral."""

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import FloodLimiter
from models import OutboxMessage
from services import outbox

log = logging.getLogger("gridbot.sender")


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one message."""

    status: Literal["sent", "retry", "failed"]
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""


Outcome = tuple[OutboxMessage, Delivery | None]  # None: held back unsent


class Transport(Protocol):
    """Sends one outbox payload through a chat platform."""

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery: ...


def wall_clock() -> datetime:
    """Delivery timing uses the real clock, whatever clock the domain runs on."""
    return datetime.now(UTC)


class OutboxSender:
    """Drains the outbox: per chat in order, across chats concurrently, within flood limits."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], transport: Transport,
                 limiter: FloodLimiter, *, batch: int = 200, idle_poll_s: float = 0.5,
                 lease_s: float = 30.0, clock: Callable[[], datetime] = wall_clock) -> None:
        self.sessions, self.transport, self.limiter = sessions, transport, limiter
        self.clock = clock  # the demo's time travel passes the bot's moved clock
        self.batch, self.idle_poll_s, self.lease_s = batch, idle_poll_s, lease_s
        self.owner = uuid.uuid4().hex[:16]
        self._wake = asyncio.Event()
        self.sent = 0
        self._outcomes: list[tuple[list[Outcome], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Ask for a drain now (new messages were committed)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until told to stop."""
        while not stop.is_set():
            self._wake.clear()  # before the drain: a wake during it must not be lost
            try:
                handled = await self.drain_once()
            except Exception:
                log.exception("outbox drain failed")
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll_s)
                except TimeoutError:
                    pass

    async def drain_once(self) -> int:
        """Send one leased batch; return how many messages were handled."""
        async with self.sessions() as session, session.begin():
            rows = await outbox.lease_batch(session, now=self.clock(), owner=self.owner,
                                            limit=self.batch, lease_s=self.lease_s)
        if not rows:
            return 0
        by_chat: dict[int, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_id].append(row)
        await asyncio.gather(*(self._send_chat(chat, msgs) for chat, msgs in by_chat.items()))
        return len(rows)

    async def _send_chat(self, chat_id: int, rows: Sequence[OutboxMessage]) -> None:
        # Each delivery is recorded as soon as Telegram answers: a crash can then repeat at most
        # the message that was on the wire, never a whole batch.
        for index, row in enumerate(rows):
            await self.limiter.acquire(chat_id)
            try:
                delivery = await self.transport.deliver(chat_id, row.payload)
            except Exception as exc:  # a bug or an unexpected answer: retry later, keep order
                log.exception("delivery crashed", extra={"outbox_id": row.id})
                delivery = Delivery("retry", retry_after=5.0, error=repr(exc))
            finally:
                self.limiter.done()
            held_back = rows[index + 1:] if delivery.status == "retry" else []
            # Later messages of this chat wait for a message that must be retried.
            await self._write([(row, delivery)] + [(r, None) for r in held_back])
            if held_back or delivery.status == "retry":
                if delivery.retry_after:
                    self.limiter.pause(chat_id, delivery.retry_after)
                return

    async def _write(self, outcomes: list[Outcome]) -> None:
        """Record outcomes and wait until they are committed. Whatever other chats delivered
        meanwhile goes into the same transaction (one commit per message was the drain's main
        cost); each chat still waits for its record before its next send."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append((outcomes, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        await done

    async def _write_batches(self) -> None:
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                async with self.sessions() as session, session.begin():
                    await self._record(session, [o for outcomes, _ in batch for o in outcomes])
            except Exception as exc:  # each waiting chat sees the failure, as it would alone
                for _, done in batch:
                    done.set_exception(exc)
            else:
                for _, done in batch:
                    done.set_result(None)

    async def _record(self, session: AsyncSession, outcomes: list[Outcome]) -> None:
        now = self.clock()
        held_back = [row.id for row, d in outcomes if d is None and row.id is not None]
        await outbox.release(session, row_ids=held_back)
        sent = [(row.id, d.message_id) for row, d in outcomes
                if d is not None and d.status == "sent" and row.id is not None]
        self.sent += len(sent)
        await outbox.mark_all_sent(session, sent, at=now)
        for row, delivery in outcomes:
            if delivery is None or row.id is None or delivery.status == "sent":
                continue
            if delivery.status == "retry":
                log.warning("send will be retried", extra={"outbox_id": row.id,
                                                          "error": delivery.error})
                await outbox.mark_retry(session, row_id=row.id, at=now,
                                        delay_s=max(delivery.retry_after, 1.0),
                                        error=delivery.error)
            else:
                log.warning("send failed for good", extra={"outbox_id": row.id,
                                                          "error": delivery.error})
                await outbox.mark_failed(session, row_id=row.id, at=now, error=delivery.error)
