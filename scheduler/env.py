"""What the scheduled jobs need besides a session: the clock, texts, zone and the settings."""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from handlers.texts import Texts
from services.clock import Clock
from services.deadlines import DeadlinePolicy
from services.quiet_hours import QuietHours
from services.reminders import ReminderRules

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def span(text: str) -> timedelta:
    """Read "1d", "12h" or "30m"."""
    match = re.fullmatch(r"(\d+)([mhd])", text.strip())
    if match is None:
        raise ValueError(f"cannot read the duration {text!r}; write e.g. 1d, 12h or 30m")
    return int(match[1]) * _UNITS[match[2]]


@dataclass
class JobEnv:
    """Everything the jobs share; built once from the settings."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    tz: ZoneInfo
    texts: Texts = field(default_factory=Texts)
    bot_username: str = "gridbot"
    rules: ReminderRules = field(default_factory=lambda: ReminderRules(DeadlinePolicy()))
    quiet_hours: str = "22:00-07:00"
    digest_time: str = "08:30"
    visit_weekday: int = 2  # Wednesday
    outbox_keep: timedelta = timedelta(days=30)
    emergency_repeat_min: int = 5
    dispute_followup_days: int = 7
    dispute_followup_hour: int = 10
    wish_match_delay: timedelta = timedelta(hours=2)

    @property
    def quiet(self) -> QuietHours:
        """The quiet hours in the local zone."""
        return QuietHours.parse(self.quiet_hours, self.tz)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
        texts: Texts, bot_username: str,
    ) -> "JobEnv":
        """Build from the bot's settings."""
        s = settings
        rules = ReminderRules(DeadlinePolicy(s.deadlines), remind_at=s.remind_at_fraction,
                              confirm_remind_after=span(s.confirm_remind_after),
                              confirm_close_after=span(s.confirm_close_after))
        QuietHours.parse(s.quiet_hours, ZoneInfo(s.timezone))  # a typo stops the start, loudly
        return cls(sessions=sessions, clock=clock, tz=ZoneInfo(s.timezone), texts=texts,
                   bot_username=bot_username, rules=rules, quiet_hours=s.quiet_hours,
                   digest_time=s.digest_time, visit_weekday=WEEKDAYS.index(s.visit_weekday),
                   outbox_keep=timedelta(days=s.outbox_keep_days),
                   emergency_repeat_min=s.emergency_repeat_min,
                   dispute_followup_days=s.dispute_followup_days,
                   dispute_followup_hour=s.dispute_followup_hour,
                   wish_match_delay=span(s.wish_match_delay))
