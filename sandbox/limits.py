"""Telegram's flood limits: 30 sends/s overall, 20/min per group, ~1/s per private chat."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from sandbox.errors import ApiError

GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
PRIVATE_BURST = 3
PRIVATE_PER_SECOND = 1.0


class FloodLimiter:
    """Counts message sends and edits; answers 429 with retry_after when a limit is hit."""

    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._clock = clock
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, tuple[float, float]] = {}  # chat -> (tokens, last refill)

    def acquire(self, chat_id: int, chat_type: str) -> None:
        """Count one send into chat_id or raise ApiError(429) without counting it."""
        if not self.enabled:
            return
        now = self._clock()
        waits = [_window_wait(self._global, now, 1.0, GLOBAL_PER_SECOND)]
        if chat_type == "private":
            tokens, last = self._private.get(chat_id, (PRIVATE_BURST, now))
            tokens = min(PRIVATE_BURST, tokens + (now - last) * PRIVATE_PER_SECOND)
            waits.append(0.0 if tokens >= 1 else (1 - tokens) / PRIVATE_PER_SECOND)
        else:
            window = self._groups.setdefault(chat_id, deque())
            waits.append(_window_wait(window, now, 60.0, GROUP_PER_MINUTE))
        wait = max(waits)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"retry after {retry}", retry_after=retry)
        self._global.append(now)
        if chat_type == "private":
            self._private[chat_id] = (tokens - 1, now)
        else:
            self._groups[chat_id].append(now)


def _window_wait(window: deque[float], now: float, span: float, limit: int) -> float:
    """Seconds until a sliding window of `span` seconds has room for one more event."""
    while window and window[0] <= now - span:
        window.popleft()
    return 0.0 if len(window) < limit else window[0] + span - now
