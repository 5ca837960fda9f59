"""In order per person, concurrent across chats; and a safe getUpdates offset."""

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

Job = Callable[[], Awaitable[None]]
U = TypeVar("U")
log = logging.getLogger("gridbot.polling")
CONFLICT_RETRY_S = 10.0  # 409: another poller or a webhook; it will not clear up in a hurry
# After a fetch, the next one waits for the oldest update in flight, at most this long (s).
IN_FLIGHT_WAIT_S = 1.0


class PrioritySlots:
    """At most `limit` holders; a waiter with a higher priority is let in first."""

    def __init__(self, limit: int) -> None:
        self.free = limit
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int = 0) -> None:
        """Wait for a slot."""
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        """Give a slot back (to the most urgent waiter)."""
        while self._waiters:
            _, _, turn = heapq.heappop(self._waiters)
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class KeyedSerialRunner:
    """Runs jobs with the same key one after another, in submission order; other keys run
    concurrently (at most `limit` at a time, fewer than the database pool's connections, so
    that a more urgent job waiting for a slot is not then stuck behind others for a
    connection)."""

    def __init__(self, limit: int = 16) -> None:
        self._queues: dict[Hashable, deque[tuple[Job, int]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = PrioritySlots(limit)
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, key: Hashable, job: Job, priority: int = 0) -> None:
        """Queue a job behind the earlier ones with the same key; among the keys waiting for a
        slot, higher priorities go first."""
        queue = self._queues.get(key)
        if queue is not None:
            queue.append((job, priority))
            return
        self._queues[key] = deque([(job, priority)])
        self._idle.clear()
        task = asyncio.create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job, priority = queue[0]
                await self._slots.acquire(priority)
                try:
                    await job()
                finally:
                    self._slots.release()
                queue.popleft()
        finally:
            del self._queues[key]
            if not self._queues:
                self._idle.set()

    async def join(self) -> None:
        """Wait until every queued job has run."""
        await self._idle.wait()

    async def cancel(self) -> None:
        """Stop all running jobs (their updates stay unconfirmed and come again)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._queues.clear()
        self._idle.set()


class OffsetTracker:
    """Confirms to Telegram only the updates that are fully processed."""

    def __init__(self) -> None:
        self._pending: set[int] = set()
        self._highest = -1
        self.changed = asyncio.Event()

    def accept(self, update_id: int) -> bool:
        """Take a newly fetched update; False if it was already taken."""
        if update_id <= self._highest:
            return False
        self._highest = update_id
        self._pending.add(update_id)
        return True

    def done(self, update_id: int) -> None:
        """Mark an update processed; `changed` fires when that moves the offset."""
        lowest = update_id == min(self._pending, default=None)
        self._pending.discard(update_id)
        if lowest:
            self.changed.set()

    def offset(self) -> int | None:
        """Return the getUpdates offset: everything below it is processed."""
        if self._pending:
            return min(self._pending)
        return self._highest + 1 if self._highest >= 0 else None

    @property
    def in_flight(self) -> int:
        """Count updates taken but not yet processed."""
        return len(self._pending)


async def poll_in_order(
    *, fetch: Callable[[int | None], Awaitable[Sequence[U]]], update_id: Callable[[U], int],
    key: Callable[[U], Hashable], feed: Callable[[U], Awaitable[None]], stop: asyncio.Event,
    transient: tuple[type[BaseException], ...], conflict: tuple[type[BaseException], ...] = (),
    skip: Callable[[U, BaseException], Awaitable[bool]] | None = None,
    priority: Callable[[U], int] = lambda _update: 0,
) -> None:
    """Long-poll with any client: per-person order, concurrency across chats, and an offset that
    only moves past processed updates. A failing update is retried (the database may be down)
    until `skip` says it is broken for good: then the offset moves past it."""
    tracker, runner = OffsetTracker(), KeyedSerialRunner()

    def job(update: U) -> Job:
        async def run() -> None:
            delay = 0.05  # doubling up to 30 s: a database outage is waited out gently
            while True:
                try:
                    await feed(update)
                    tracker.done(update_id(update))
                    return
                except Exception as exc:
                    if skip is not None and await skip(update, exc):
                        tracker.done(update_id(update))
                        return
                    # One line: a broken update is recorded in full by `skip`, and a database
                    # outage would otherwise print a traceback per update and retry.
                    log.warning("update %s not processed, retrying in %.1f s: %s: %s",
                                update_id(update), delay, type(exc).__name__,
                                str(exc).strip().split("\n")[0][:200])
                    if stop.is_set():
                        return
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
        return run

    try:
        while not stop.is_set():
            try:
                # Cleared before asking, so an update finished during the fetch is not missed.
                tracker.changed.clear()
                updates = await fetch(tracker.offset())
            except conflict as exc:
                # Another process polls, or a webhook is set: nothing arrives until that changes.
                log.error("getUpdates refused (409 Conflict), retrying in %s s: %s",
                          CONFLICT_RETRY_S, exc)
                await asyncio.sleep(CONFLICT_RETRY_S)
                continue
            except transient as exc:
                log.warning("getUpdates failed, retrying: %s", exc)
                await asyncio.sleep(2)
                continue
            fresh = [u for u in updates if tracker.accept(update_id(u))]
            for update in fresh:
                try:
                    order: Hashable = key(update)
                except Exception:  # a malformed update still gets its own turn
                    order = ("update", update_id(update))
                try:
                    urgency = priority(update)
                except Exception:
                    urgency = 0
                runner.submit(order, job(update), urgency)
            if updates:
                # Fetching again before the oldest of them is done would only bring them back
                # (the offset cannot pass an update in flight): at a steady trickle that was a
                # second getUpdates round trip per update. The wait is bounded, so an update
                # that arrives meanwhile behind a stuck one is still fetched within a second.
                # (asyncio.timeout rather than wait_for: no task of its own on every poll.)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IN_FLIGHT_WAIT_S):
                        await tracker.changed.wait()
    except Exception:
        log.exception("polling stopped")  # never die silently: the process would answer no one
        raise
    finally:
        await runner.cancel()
