"""The emulator's clock: real time plus an offset that the demo's time travel moves forward.

Message dates use it, and in demo mode the bot's clock reads the same offset, so "+1 day" in the
simulator is a day later for Telegram and for the bot alike. Production bots never read it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

Listener = Callable[[datetime, datetime], Awaitable[Iterable[str] | None]]


class SandboxClock:
    """Real time moved forward by `offset`; listeners run after each jump."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self.listeners: list[Listener] = []
        self._lock = asyncio.Lock()

    def time(self) -> float:
        """Unix time on the emulator's clock."""
        return time.time() + self.offset.total_seconds()

    def now(self) -> datetime:
        """The emulator's current time (UTC)."""
        return datetime.now(UTC) + self.offset

    async def jump(self, to: datetime) -> tuple[datetime, list[str]]:
        """Move the clock forward to `to` (never back) and wait for the listeners, such as the
        bot's scheduler catching up on the jobs that fell due; returns the time before the jump
        and what the listeners reported (e.g. the jobs that ran)."""
        async with self._lock:  # two jumps at once would hand listeners overlapping spans
            before = self.now()
            if to.tzinfo is None:
                raise ValueError("the time needs a zone, e.g. 2026-11-25T08:30:00+08:00")
            if to <= before:
                raise ValueError("the clock only moves forward")
            self.offset += to - before
            notes: list[str] = []
            for listener in list(self.listeners):
                notes.extend(await listener(before, to) or ())
            return before, notes


class Changes:
    """A counter bumped by everything a chat client would see; clients wait for it to move."""

    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def bump(self) -> None:
        """Something changed: wake the waiting clients."""
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, after: int, timeout: float) -> int:
        """Return the version as soon as it is past `after`, or after `timeout` seconds."""
        if self.version <= after:
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                pass
        return self.version
