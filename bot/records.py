"""Recording deliveries in batches: what the sender sent is written to the outbox lazily, many
deliveries to one commit, yet never later than something waits on it.

Each send holds one of SEND_CONCURRENCY slots from before it goes on the wire until its record
is committed, so the messages a crash can repeat (sent, not yet recorded) stay within that
bound. A batch is committed at once when anything waits on it: a chat's next send, a send
waiting for a slot, every slot used, an outcome other than "sent", stopping; otherwise after
LINGER_S."""

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# A record waits at most this long for others to share its commit. At 20 reports a second
# (40 sends) the slots fill sooner; at a slow pace it joins a report's receipt and card.
# Short, because until then the delivery's Telegram message id is not in the database: a
# card retired or edited by the next update needs it, and nobody acts on a card in 0.25 s.
LINGER_S = 0.25
# A batch committed at once still waits this long for the sends on the wire (a report's
# receipt and card go out together): their records then share its commit.
GATHER_S = 0.002


@dataclass(eq=False)
class Batch:
    """Outcomes that will be recorded in one commit."""

    outcomes: list[Any] = field(default_factory=list)
    slots: int = 0  # sends whose slot is freed when this batch is committed
    opened: float = 0.0  # when its first outcome came (monotonic)
    chats: set[int] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    error: BaseException | None = None


class Records:
    """The send slots and the batch of records still to commit."""

    def __init__(self, commit: Callable[[list[Any]], Awaitable[None]], *, concurrency: int,
                 linger_s: float = LINGER_S) -> None:
        self.commit, self.concurrency, self.linger_s = commit, concurrency, linger_s
        self.commits = 0  # record transactions so far (the tests count them)
        self._slots = asyncio.Semaphore(concurrency)
        self._slot_waiters = 0
        self._open = Batch()
        self._last: dict[int, Batch] = {}  # chat -> the batch holding its latest record
        self._hurry = asyncio.Event()  # commit the open batch now
        self._stopping = False
        self._on_wire = 0  # sends holding a slot whose outcome is not added yet
        self._wire_clear = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def slot(self) -> None:
        """Take a send slot; when none is free, what holds them unrecorded is committed now."""
        if self._slots.locked():
            self._slot_waiters += 1
            if self._open.slots:
                self._hurry.set()
            try:
                await self._slots.acquire()
            finally:
                self._slot_waiters -= 1
        else:
            await self._slots.acquire()
        self._on_wire += 1
        self._wire_clear.clear()

    def free_slot(self) -> None:
        """Give a slot back whose send records nothing (it never happened)."""
        self._slots.release()
        self._off_wire()

    def _off_wire(self) -> None:
        self._on_wire -= 1
        if not self._on_wire:
            self._wire_clear.set()

    def add(self, chat_id: int, outcomes: list[Any], *, slot: bool, now: bool = False) -> None:
        """Queue outcomes of one chat for recording; with `slot`, the send's slot goes with them
        and is freed at their commit. `now`: commit without lingering."""
        batch = self._open
        if not batch.outcomes:
            batch.opened = time.monotonic()
        batch.outcomes.extend(outcomes)
        batch.slots += slot
        if slot:
            self._off_wire()
        batch.chats.add(chat_id)
        self._last[chat_id] = batch
        if now or self._slot_waiters or batch.slots >= self.concurrency:
            self._hurry.set()
        if self._writer is None or self._writer.done():
            # A task of its own, outside the context of whoever added (an update's hand-off).
            self._writer = asyncio.create_task(self._write_batches(), name="outbox-records",
                                               context=contextvars.Context())

    def hurry(self, chat_id: int) -> None:
        """Something of this chat waits on its latest record: commit it now."""
        if self._last.get(chat_id) is self._open:
            self._hurry.set()

    def hurry_all(self) -> None:
        """Commit the open batch now, without its linger (someone waits for everything)."""
        if self._open.outcomes:
            self._hurry.set()

    async def recorded(self, chat_id: int) -> None:
        """Wait until the chat's latest record is committed (at once); raise what its commit
        raised."""
        batch = self._last.get(chat_id)
        if batch is None:
            return
        self.hurry(chat_id)
        await batch.done.wait()
        if self._last.get(chat_id) is batch:
            del self._last[chat_id]
        if batch.error is not None:
            raise batch.error

    async def flush(self) -> None:
        """Commit everything now (stopping)."""
        self._stopping = True  # no gathering either
        self._hurry.set()
        try:
            if self._writer is not None:
                await asyncio.gather(self._writer, return_exceptions=True)
        finally:
            self._stopping = False

    async def _write_batches(self) -> None:
        while self._open.outcomes:
            batch = self._open
            wait = batch.opened + self.linger_s - time.monotonic()
            if wait > 0 and not self._hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), wait)
            if self._on_wire and batch.slots < self.concurrency and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wire_clear.wait(), GATHER_S)
            self._hurry.clear()  # what hurries the next batch comes after this point
            self._open = Batch()
            try:
                self.commits += 1
                await self.commit(batch.outcomes)
            except Exception as exc:  # each chat waiting on it sees the failure
                batch.error = exc
            else:  # a failed record stays, for the chat's next send to see
                for chat_id in batch.chats:
                    if self._last.get(chat_id) is batch:
                        del self._last[chat_id]
            finally:
                for _ in range(batch.slots):
                    self._slots.release()
                batch.done.set()
