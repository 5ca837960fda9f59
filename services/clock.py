"""Injectable clocks: services never read the wall clock themselves."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that tests move by hand."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 1, 0, tzinfo=UTC))

    def now(self) -> datetime:
        """Return the frozen time."""
        return self.current

    def advance(self, **kwargs: float) -> None:
        """Move the clock forward by a timedelta's keyword arguments."""
        self.current += timedelta(**kwargs)


class OffsetClock:
    """The real clock moved forward by an offset read on every call (the demo's time travel:
    the offset lives in the Bot API emulator; production runs on SystemClock and never reads it)."""

    def __init__(self, offset: Callable[[], timedelta]) -> None:
        self._offset = offset

    def now(self) -> datetime:
        """Return the real time plus the current offset."""
        return datetime.now(UTC) + self._offset()
