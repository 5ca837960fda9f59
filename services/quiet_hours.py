"""Quiet hours (default 22:00–07:00 local): non-urgent reminders wait until morning."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A nightly span in local time; start == end means no quiet hours."""

    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def parse(cls, span: str, tz: ZoneInfo) -> "QuietHours":
        """Read "22:00-07:00" (an empty string turns quiet hours off)."""
        if not span.strip():
            return cls(time(0), time(0), tz)
        match = _SPAN.match(span)
        if match is None:
            raise ValueError(f"QUIET_HOURS: cannot read {span!r}; write e.g. 22:00-07:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(time(h1, m1), time(h2, m2), tz)

    def _inside(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def release_at(self, at: datetime) -> datetime | None:
        """When a non-urgent message queued at `at` may go out: None if it need not wait."""
        local = at.astimezone(self.tz)
        if not self._inside(local.time()):
            return None
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=self.tz).astimezone(at.tzinfo)
