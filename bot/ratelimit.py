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


class InFlightWindow:
    """At most `limit` sends that Telegram may count within any `window` seconds.

    Telegram counts a message when it arrives, somewhere between our send and its answer, so
    a send counts from the moment it starts until `window` seconds after its answer: sends
    delayed on the way can then never pile up with later ones into one window.
    """

    def __init__(self, limit: int, window: float, now: Callable[[], float]) -> None:
        self.limit, self.window, self._now = limit, window, now
        self.in_flight = 0
        self.answered: deque[float] = deque()

    def wait_time(self) -> float:
        """Return how long until one more send fits (a guess while sends are in flight)."""
        now = self._now()
        while self.answered and self.answered[0] <= now - self.window:
            self.answered.popleft()
        if self.in_flight + len(self.answered) < self.limit:
            return 0.0
        return self.answered[0] + self.window - now if self.answered else 0.05

    def take(self) -> None:
        """A send starts."""
        self.in_flight += 1

    def done(self) -> None:
        """A send was answered."""
        self.in_flight = max(0, self.in_flight - 1)
        self.answered.append(self._now())


class FloodLimiter:
    """Waits before each send so that Telegram never has to answer 429."""

    def __init__(self, *, global_per_s: float, group_per_min: int, private_per_s: float,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._global = InFlightWindow(max(1, int(global_per_s)), 1.0, now)
        self._group_per_min, self._private_per_s = group_per_min, private_per_s
        self.group_reserve = group_per_min // 3
        self.group_limit = group_per_min
        self._chats: dict[int, TokenBucket | SlidingWindow] = {}
        self._paused_until: dict[int, float] = {}
        self._urgent_waiting = 0

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

    def room(self, chat_id: int) -> int:
        """How many more messages fit into a group's window right now (private chats: 1)."""
        chat = self._chat(chat_id)
        if isinstance(chat, SlidingWindow):
            chat.wait_time()  # forgets the events that left the window
            return max(0, chat.limit - len(chat.events))
        return 1

    async def acquire(self, chat_id: int, *, urgent: bool = False) -> None:
        """Wait until a message may be sent into this chat; an urgent one goes before every
        waiting ordinary one when the overall limit is reached."""
        chat = self._chat(chat_id)
        counted = False  # an urgent send waiting only for the overall limit holds others back
        try:
            while True:
                wait = max(chat.wait_time(), self._paused_until.get(chat_id, 0) - self._now())
                if wait <= 0 and not urgent and self._urgent_waiting:
                    wait = 0.01
                elif wait <= 0:
                    # Checked and taken with no await in between: no other send can come
                    # between the two (a lock here could never be found held, and cost five
                    # Python calls a send).
                    global_wait = self._global.wait_time()
                    if global_wait <= 0:
                        self._global.take()
                        chat.take()
                        return
                    wait = global_wait
                    if urgent and not counted:
                        counted = True
                        self._urgent_waiting += 1
                await asyncio.sleep(wait)
        finally:
            if counted:
                self._urgent_waiting -= 1

    def done(self, chat_id: int | None = None) -> None:
        """Call after each send acquired with `acquire` was answered (or failed). Telegram
        counts a message when it arrives, which may be late in the send: the chat's limit then
        counts it from the answer (the refill during the send is not credited)."""
        self._global.done()
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if isinstance(chat, TokenBucket):
            chat.stamp = self._now()
        elif isinstance(chat, SlidingWindow) and chat.events:
            chat.events[-1] = max(chat.events[-1], self._now())
