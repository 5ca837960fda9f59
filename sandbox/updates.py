"""The update queue behind getUpdates and webhooks, with Telegram's confirmation rules."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sandbox.errors import ApiError

# Without an explicit allowed_updates Telegram sends everything except these.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Updates not yet confirmed by the bot, in update_id order."""

    def __init__(self, first_update_id: int = 100_000_001) -> None:
        self._updates: list[dict[str, Any]] = []
        self._next_id = first_update_id
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._poll_end_reason = ""
        self.polls = 0  # long polls waiting right now (tests wait on it instead of sleeping)
        self.closed = False

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue a new update unless the bot's allowed_updates excludes its kind."""
        if (kind in NOT_BY_DEFAULT) if self.allowed is None else (kind not in self.allowed):
            return None  # Telegram never creates updates the bot opted out of
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._updates.append(update)
        self.notify()
        return update

    def set_allowed(self, kinds: list[str] | None) -> None:
        """Apply allowed_updates: None keeps the setting, [] restores the default."""
        if kinds is not None:
            self.allowed = frozenset(kinds) if kinds else None

    def confirm(self, offset: int) -> None:
        """Forget updates below offset; a negative offset keeps only the last -offset ones."""
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """The oldest `limit` pending updates, left in the queue."""
        return self._updates[:limit]

    def remove(self, update_id: int) -> None:
        """Drop one update, e.g. after a successful webhook delivery."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    def clear(self) -> None:
        """Drop every pending update (drop_pending_updates)."""
        self._updates.clear()

    @property
    def pending(self) -> int:
        """How many updates await confirmation or delivery."""
        return len(self._updates)

    def notify(self) -> None:
        """Wake everyone waiting for the queue to change."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Sleep until the queue changes or timeout seconds pass."""
        event = self._changed
        # asyncio.timeout, unlike wait_for on 3.11, never swallows a concurrent cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await event.wait()

    def interrupt_polls(self, reason: str) -> None:
        """End any running long poll with 409 Conflict, as Telegram does."""
        self._poll_generation += 1
        self._poll_end_reason = reason
        self.notify()

    async def long_poll(self, limit: int, timeout: float) -> list[dict[str, Any]]:
        """getUpdates' wait: answer as soon as updates exist or the timeout passes."""
        self.interrupt_polls("terminated by other getUpdates request; "
                             "make sure that only one bot instance is running")
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0)
        self.polls += 1
        try:
            while True:
                if self._poll_generation != generation:
                    raise ApiError(409, self._poll_end_reason)
                updates = self.peek(limit)
                remaining = deadline - loop.time()
                if updates or remaining <= 0 or self.closed:
                    return updates
                await self.wait(remaining)
        finally:
            self.polls -= 1
