"""The outbox sender: leases queued messages, sends them through the channel's transport within
the flood limits, and records what happened. Channel-neutral."""

import asyncio
import contextlib
import contextvars
import heapq
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import FloodLimiter
from bot.records import Records
from models import OutboxMessage
from services import audit, outbox
from services.outgoing import Message, is_plain_text, views_of

log = logging.getLogger("gridbot.sender")
SEND_CONCURRENCY = 8  # sends on the wire at once: what a crash can repeat at most
SEND_TIMEOUT_S = 20.0  # a send not answered by then is tried again later (at most)
MAX_TEXT, MAX_BUTTONS, MAX_MERGED = 4096, 90, 40
COLLECT_S = 2.0  # a busy group's next summary waits this long for more to say
# The idle look for what no hand-off brought (another replica's leftovers, retries, messages
# after quiet hours) is made every idle_poll_s, less often while it keeps finding nothing:
# such work then waits at most this long (a retry of our own is looked for when it is due).
IDLE_MAX_S = 2.0
# A batch of delivery records that failed to commit is tried again after these pauses (s).
RECORD_RETRY_PAUSES_S = (0.1, 0.5)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one message."""

    status: Literal["sent", "retry", "failed"]
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""


Outcome = tuple[OutboxMessage, Delivery | None]  # None: held back unsent
# A message failed for good: (its recording session, the row, the error) -> e.g. tell a manager.
OnFailed = Callable[[AsyncSession, OutboxMessage, str], Awaitable[None]]


class Transport(Protocol):
    """Sends one outbox payload through a chat platform."""

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery: ...


def _buttons(row: OutboxMessage) -> int:
    return sum(len(r) for r in row.payload.get("buttons") or [])


def merged_payload(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One message saying what several plain messages said, with all their buttons."""
    messages = [Message.from_json(p) for p in payloads]
    return Message("\n".join(m.text for m in messages),
                   tuple(row for m in messages for row in m.buttons)).to_json()


def wall_clock() -> datetime:
    """Delivery timing uses the real clock, whatever clock the domain runs on."""
    return datetime.now(UTC)


class OutboxSender:
    """Drains the outbox: each chat on its own (a flooded group never holds back another chat),
    in order per chat with emergencies first, within the flood limits."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], transport: Transport,
                 limiter: FloodLimiter, *, batch: int = 200, idle_poll_s: float = 0.5,
                 idle_max_s: float = IDLE_MAX_S,
                 lease_s: float = 30.0, per_chat: int = 50, concurrency: int = SEND_CONCURRENCY,
                 on_failed: OnFailed | None = None,
                 clock: Callable[[], datetime] = wall_clock) -> None:
        self.sessions, self.transport, self.limiter = sessions, transport, limiter
        self.clock = clock  # the demo's time travel passes the bot's moved clock
        self.on_failed = on_failed
        self.batch, self.idle_poll_s, self.per_chat = batch, idle_poll_s, per_chat
        self.idle_max_s = max(idle_max_s, idle_poll_s)
        # A send is given up after send_timeout_s, and starts only with at least that much of
        # its lease left (renewed every third of it): no lease runs out while its message is
        # on the wire, so no other replica can send it again meanwhile.
        self.lease_s = lease_s
        self.send_timeout_s = min(SEND_TIMEOUT_S, lease_s * 0.6)
        self.owner = uuid.uuid4().hex[:16]
        self._wake = asyncio.Event()
        self.sent = 0
        self._queues: dict[int, list[OutboxMessage]] = {}
        self._chats: dict[int, asyncio.Task[None]] = {}
        self._leases: dict[int, float] = {}  # row id -> when its lease ends (monotonic)
        self.records = Records(self._commit, concurrency=concurrency)
        self._backlog_logged: dict[int, float] = {}
        self._stopping = False
        # Chats that may have more waiting in the database than was leased (skipped or capped
        # by a lease): their drain ends with a lease. Chats whose drain broke off, until their
        # leases run out: messages queued for them are left to those leases running out, so
        # that they go after the ones dropped.
        self._maybe_more: set[int] = set()
        self._dropped: dict[int, float] = {}
        # Chats whose send was put back for a retry, and when that was recorded (our clock): a
        # message leased to us by a transaction that may have read the chat before it was
        # recorded did not see the retry waiting, and must not overtake it.
        self._retried: dict[int, datetime] = {}
        self._due: list[float] = []  # a heap: when retries of ours are due (monotonic)

    def wake(self) -> None:
        """Ask for a drain now (new messages were committed)."""
        self._wake.set()

    def adopt(self, rows: list[OutboxMessage]) -> None:
        """Send messages that were just committed already leased to this sender (see
        `outbox.enqueue_all(lease_owner=…)`), without a lease transaction. Their lease began
        before the commit: it is counted from now less the time a commit may take."""
        now = time.monotonic()
        until = now + self.lease_s * 0.9
        for row in rows:
            assert row.id is not None
            if self._stopping or self._dropped.get(row.chat_id, 0.0) > now:
                continue  # its lease runs out and it is leased again, after the dropped ones
            if self._before_retry(row):
                # Given back: leased again in order, once the retry before it has gone.
                self.records.add(row.chat_id, [(row, None)], slot=False, now=True)
                continue
            self._take(row, until)

    def _before_retry(self, row: OutboxMessage) -> bool:
        """Whether a handed-off message was leased before a retry of its chat was recorded (its
        transaction may not have seen the retry waiting). Emergencies go first anyway."""
        retried = self._retried.get(row.chat_id)
        if retried is None or row.priority >= outbox.URGENT or row.lease_until is None:
            return False
        leased_at = row.lease_until - timedelta(seconds=self.lease_s)
        if leased_at.tzinfo is None:  # SQLite gives naive UTC back
            leased_at = leased_at.replace(tzinfo=UTC)
        if leased_at > retried:
            del self._retried[row.chat_id]  # every later transaction sees the retry
            return False
        return True

    def _take(self, row: OutboxMessage, until: float) -> None:
        """Hold a leased message in its chat's queue (most urgent first, then oldest) and make
        sure the chat is being drained."""
        assert row.id is not None
        self._leases[row.id] = until
        queue = self._queues.setdefault(row.chat_id, [])
        queue.append(row)
        queue.sort(key=lambda r: (-r.priority, r.id or 0))
        self.records.hurry(row.chat_id)  # the chat's previous send is recorded at once
        if row.chat_id not in self._chats:
            # A task of its own, outside the context of whoever queued the message.
            self._chats[row.chat_id] = asyncio.create_task(self._drain_chat(row.chat_id),
                                                           context=contextvars.Context())

    async def run(self, stop: asyncio.Event) -> None:
        """Lease and hand out messages until told to stop."""
        renewing = asyncio.create_task(self._renew_loop(stop), name="outbox-renew")
        idle = self.idle_poll_s
        try:
            while not stop.is_set():
                self._wake.clear()  # before leasing: a wake during it must not be lost
                try:
                    leased = await self._lease()
                except Exception:
                    log.exception("outbox lease failed")
                    leased = 0
                if leased >= self.batch:
                    continue
                # Nothing found: look again later, and later, up to idle_max_s; a wake (a
                # message committed unleased) or a retry of ours falling due ends the wait.
                idle = self.idle_poll_s if leased else min(idle * 2, self.idle_max_s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_wait(idle))
        finally:
            await self._finish()
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    def _idle_wait(self, idle: float) -> float:
        """How long to wait before the next look: `idle`, or until our next retry is due."""
        now = time.monotonic()
        while self._due and self._due[0] <= now:  # the look just made was after it
            heapq.heappop(self._due)
        return min(idle, self._due[0] - now) if self._due else idle

    async def drain_once(self) -> int:
        """Lease one batch and send it all; return how many messages were leased."""
        leased = await self._lease()
        while self._chats:
            await asyncio.gather(*list(self._chats.values()), return_exceptions=True)
        await self.records.flush()
        return leased

    async def _lease(self) -> int:
        # A chat being drained gets more only while its queue here runs short (a busy group's
        # summary then covers what arrived meanwhile).
        skipped = [c for c, q in self._queues.items() if len(q) >= self.per_chat // 2]
        async with self.sessions() as session:
            rows = await outbox.lease_batch(
                session, now=self.clock(), owner=self.owner, limit=self.batch,
                lease_s=self.lease_s, per_chat=self.per_chat, skip_chats=skipped)
            if rows:  # a look that leased nothing wrote nothing: no commit
                await session.commit()
        self._maybe_more.update(skipped)
        until = time.monotonic() + self.lease_s
        per_chat: dict[int, int] = {}
        for row in rows:
            per_chat[row.chat_id] = per_chat.get(row.chat_id, 0) + 1
            self._take(row, until)
        self._maybe_more.update(c for c, n in per_chat.items() if n >= self.per_chat)
        if len(rows) >= self.batch:
            self._maybe_more.update(per_chat)
        return len(rows)

    async def _renew_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.lease_s / 3)
            # Only when a lease held would run short before the next turn: a steady stream
            # sends what it leases within moments, and needs no renewal transaction.
            soon = time.monotonic() + self.lease_s * 2 / 3
            if not any(until < soon for until in self._leases.values()):
                continue
            try:
                await self._renew()
            except Exception as exc:
                log.warning("outbox leases not renewed: %r", exc)

    async def _renew(self) -> None:
        """Extend the leases of every message held; one taken over elsewhere is dropped."""
        held = list(self._leases)
        if not held:
            return
        until = time.monotonic() + self.lease_s
        async with self.sessions() as session, session.begin():
            still = await outbox.renew(session, row_ids=held, owner=self.owner,
                                       now=self.clock(), lease_s=self.lease_s)
        for row_id in held:
            if row_id not in self._leases:
                continue
            if row_id in still:
                self._leases[row_id] = until
            else:
                self._leases.pop(row_id)
                for queue in self._queues.values():
                    queue[:] = [r for r in queue if r.id != row_id]

    async def _drain_chat(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue and not self._stopping:
                # The chat's previous send is recorded before its next one: a crash repeats at
                # most the messages on the wire or not yet recorded (SEND_CONCURRENCY).
                await self.records.recorded(chat_id)
                if not queue or self._stopping:
                    break
                urgent = queue[0].priority >= outbox.URGENT
                # Emergencies and answers to whoever just acted go first on the overall limit.
                first = queue[0].priority >= outbox.REPLY
                if chat_id < 0 and not urgent:
                    await self._log_backlog(chat_id)
                    if (is_plain_text(queue[0].payload) and len(queue) < MAX_MERGED
                            and self.limiter.room(chat_id) <= self.limiter.group_limit // 2):
                        # The group has had half its minute: let a summary gather what comes.
                        await asyncio.sleep(COLLECT_S)
                        if not queue:
                            break
                await self.limiter.acquire(chat_id, urgent=first)
                try:
                    if not queue or self._stopping:
                        return
                    rows = self._next_send(chat_id, queue)
                    if any(self._leases.get(r.id or 0, 0) - time.monotonic()
                           < self.send_timeout_s for r in rows):
                        await self._renew()  # raises when the database is away: nothing sent
                        rows = [r for r in rows if (r.id or 0) in self._leases]
                        if not rows:
                            continue
                    delivery = await self._send(chat_id, rows, queue)
                finally:
                    self.limiter.done(chat_id)
                if delivery.status == "retry":
                    await self._put_back(chat_id, queue, delivery)
        except Exception:
            log.exception("outbox chat %s stopped; its messages go back to the queue", chat_id)
            for row in queue:
                self._leases.pop(row.id or 0, None)
            queue.clear()  # their leases run out and they are leased again
            self._dropped[chat_id] = time.monotonic() + self.lease_s
            self._maybe_more.add(chat_id)
        finally:
            self._queues.pop(chat_id, None)
            self._chats.pop(chat_id, None)
            if chat_id in self._maybe_more:  # more of this chat may be waiting in the database
                self._maybe_more.discard(chat_id)
                self._wake.set()

    async def _send(self, chat_id: int, rows: list[OutboxMessage],
                    queue: list[OutboxMessage]) -> Delivery:
        """Send within a slot; the slot stays taken until the outcome is recorded: lazily for a
        delivered message, at once for any other outcome."""
        await self.records.slot()
        recording = False
        try:
            delivery = await self._deliver(chat_id, rows)
            queue[:] = [r for r in queue if r not in rows]  # (a renewal may have dropped one)
            if delivery.status == "retry":  # what waits behind it goes back with it
                held: list[Outcome] = [(r, None) for r in queue]
                self.records.add(chat_id, [(r, delivery) for r in rows] + held, slot=True,
                                 now=True)
            else:
                self.records.add(chat_id, [(r, delivery) for r in rows], slot=True,
                                 now=delivery.status != "sent")
            recording = True
        finally:
            if not recording:
                self.records.free_slot()
        return delivery

    async def _put_back(self, chat_id: int, queue: list[OutboxMessage],
                        delivery: Delivery) -> None:
        """After a send to retry: wait for its record, give back what came meanwhile, and
        leave the chat to the lease that finds the retry due (then everything goes in order)."""
        held_back = list(queue)
        await self.records.recorded(chat_id)
        self._retried[chat_id] = self.clock()
        delay = max(delivery.retry_after, 1.0)
        heapq.heappush(self._due, time.monotonic() + delay + 0.05)
        if delivery.retry_after:
            self.limiter.pause(chat_id, delivery.retry_after)
        while late := [r for r in queue if r not in held_back]:  # came while recording
            self.records.add(chat_id, [(r, None) for r in late], slot=False, now=True)
            held_back += late
            await self.records.recorded(chat_id)
        for row in queue:
            self._leases.pop(row.id or 0, None)
        queue.clear()
        self._maybe_more.add(chat_id)

    def _next_send(self, chat_id: int, queue: list[OutboxMessage]) -> list[OutboxMessage]:
        """The next message, or several plain messages into a group that has more waiting than
        its limit lets through now: one summary message instead of many."""
        head = queue[0]
        # The last third of the group's minute is kept for summaries.
        if (chat_id >= 0 or not is_plain_text(head.payload) or len(queue) < 2
                or len(queue) <= self.limiter.room(chat_id) - self.limiter.group_reserve):
            return [head]
        rows, length, buttons = [head], len(head.payload.get("text") or ""), _buttons(head)
        for row in queue[1:]:
            text = row.payload.get("text") or ""
            if (not is_plain_text(row.payload) or row.priority != head.priority
                    or length + 1 + len(text) > MAX_TEXT or buttons + _buttons(row) > MAX_BUTTONS
                    or len(rows) >= MAX_MERGED):
                break
            rows.append(row)
            length, buttons = length + 1 + len(text), buttons + _buttons(row)
        return rows

    async def _deliver(self, chat_id: int, rows: list[OutboxMessage]) -> Delivery:
        payload = rows[0].payload if len(rows) == 1 else merged_payload([r.payload for r in rows])
        try:
            # asyncio.timeout rather than wait_for: no task of its own for every send.
            async with asyncio.timeout(self.send_timeout_s):
                return await self.transport.deliver(chat_id, payload)
        except Exception as exc:  # a bug or no answer in time: retry later, keep order
            log.warning("delivery crashed: %r", exc, extra={"outbox_id": rows[0].id})
            return Delivery("retry", retry_after=5.0, error=repr(exc))

    async def _log_backlog(self, chat_id: int) -> None:
        """One line a minute while a group has messages waiting for its flood limit."""
        now = time.monotonic()
        if self.limiter.room(chat_id) > 0 or now - self._backlog_logged.get(chat_id, -1e9) < 60:
            return
        self._backlog_logged[chat_id] = now
        async with self.sessions() as session:
            waiting = await outbox.chat_backlog(session, chat_id)
        log.warning("group %s has %s messages waiting for its flood limit", chat_id, waiting,
                    extra={"chat_id": chat_id, "backlog": waiting})

    async def _finish(self) -> None:
        """Stop taking messages; let the ones on the wire be recorded, give the rest back."""
        self._stopping = True
        if self._chats:
            await asyncio.wait(list(self._chats.values()), timeout=2.0)
        for task in list(self._chats.values()):
            task.cancel()
        await asyncio.gather(*list(self._chats.values()), return_exceptions=True)
        await self.records.flush()  # what was sent is recorded before the rest is given back
        held = list(self._leases)
        self._leases.clear()
        if held:
            with contextlib.suppress(Exception):
                async with self.sessions() as session, session.begin():
                    await outbox.release(session, row_ids=held)

    async def _commit(self, outcomes: list[Outcome]) -> None:
        """Record a batch of outcomes in one transaction (bot/records.py gathers them), tried
        again after a moment when it fails (a deadlock with another replica, a connection that
        broke): meanwhile its chats' next sends wait, as they wait for any record. When every
        try fails, their chats stop taking hand-offs until the leases run out: the messages
        sent but not recorded go again first, then the rest in order."""
        try:
            for pause in (*RECORD_RETRY_PAUSES_S, None):
                try:
                    async with self.sessions() as session, session.begin():
                        sent = await self._record(session, outcomes)
                    self.sent += sent
                    return
                except Exception as exc:
                    if pause is None:
                        raise
                    log.warning("recording deliveries failed, trying again",
                                extra={"error": repr(exc)[:300]})
                    await asyncio.sleep(pause)
        except Exception:
            until = time.monotonic() + self.lease_s
            for row, _ in outcomes:
                self._dropped[row.chat_id] = until
            raise
        finally:
            for row, _ in outcomes:
                self._leases.pop(row.id or 0, None)

    async def _record(self, session: AsyncSession, outcomes: list[Outcome]) -> int:
        """Write a batch's outcomes; return how many were sent."""
        now = self.clock()
        held_back = [row.id for row, d in outcomes if d is None and row.id is not None]
        await outbox.release(session, row_ids=held_back)
        sent = [(row.id, d.message_id) for row, d in outcomes
                if d is not None and d.status == "sent" and row.id is not None]
        await outbox.mark_all_sent(session, sent, at=now)
        # A card's view of personal data happened when it was delivered: recorded with it (a
        # message given up on records none; one sent again after a crash, when it is).
        await audit.record_delivered(session, [
            v for row, d in outcomes if d is not None and d.status == "sent"
            for v in views_of(row.payload)], at=now)
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
                if self.on_failed is not None:
                    try:
                        async with session.begin_nested():
                            await self.on_failed(session, row, delivery.error)
                    except Exception:
                        log.exception("could not tell anyone about a failed message")
        return len(sent)
