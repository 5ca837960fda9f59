"""Keeping to Telegram's flood limits: about 30 messages a second overall, 20 a minute into one
group, and about one a second into one private chat (short bursts allowed)."""

import asyncio
import time
from collections import deque
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float, now: Callable[[], float]) -> None:
        self.rate, self.burst, self._now = rate, burst, now
        self.tokens, self.stamp = burst, now()

    def wait_time(self) -> float:
        """Return how long until a token is free (0 when one is)."""
        now = self._now()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Use one token."""
        self.tokens -= 1


class SlidingWindow:
    """At most `limit` events in any `window` seconds."""

    def __init__(self, limit: int, window: float, now: Callable[[], float]) -> None:
        self.limit, self.window, self._now = limit, window, now
        self.events: deque[float] = deque()

    def wait_time(self) -> float:
        """Return how long until one more event fits."""
        now = self._now()
        while self.events and self.events[0] <= now - self.window:
            self.events.popleft()
        return 0.0 if len(self.events) < self.limit else self.events[0] + self.window - now

    def take(self) -> None:
        """Record one event."""
        self.events.append(self._now())


class FloodLimiter:
    """Waits before each send so that Telegram never has to answer 429."""

    def __init__(self, *, global_per_s: float, group_per_min: int, private_per_s: float,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        # No saved-up burst: Telegram counts a sliding second, and a full bucket plus a second's
        # refill would put twice the rate into one (the bench saw 429s from exactly that).
        self._global = TokenBucket(global_per_s, 1, now)
        self._group_per_min, self._private_per_s = group_per_min, private_per_s
        self._chats: dict[int, TokenBucket | SlidingWindow] = {}
        self._paused_until: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def _chat(self, chat_id: int) -> TokenBucket | SlidingWindow:
        if chat_id not in self._chats:
            # Group and supergroup ids are negative in the Bot API.
            self._chats[chat_id] = (
                SlidingWindow(self._group_per_min, 60.0, self._now) if chat_id < 0
                else TokenBucket(self._private_per_s, 3, self._now)
            )
        return self._chats[chat_id]

    def pause(self, chat_id: int, seconds: float) -> None:
        """Hold a chat back after Telegram said 429 retry_after."""
        self._paused_until[chat_id] = self._now() + seconds

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message may be sent into this chat."""
        chat = self._chat(chat_id)
        while True:
            wait = max(chat.wait_time(), self._paused_until.get(chat_id, 0) - self._now())
            if wait <= 0:
                async with self._lock:
                    global_wait = self._global.wait_time()
                    if global_wait <= 0:
                        self._global.take()
                        chat.take()
                        return
                wait = global_wait
            await asyncio.sleep(wait)
