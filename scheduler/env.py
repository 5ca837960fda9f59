"""What the scheduled jobs need besides a session: the clock, texts, zone and the timing."""

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.renderer import Renderer
from handlers.texts import Texts
from services.clock import Clock
from services.quiet_hours import QuietHours
from services.reminders import ReminderRules
from services.timing import Timing


@dataclass
class JobEnv:
    """Everything the jobs share; built once from the settings (already parsed and checked)."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    tz: ZoneInfo
    texts: Texts = field(default_factory=Texts)
    bot_username: str = "gridbot"
    timing: Timing = field(default_factory=Timing)
    rules: ReminderRules = field(init=False)

    def __post_init__(self) -> None:
        self.rules = self.timing.reminder_rules()

    @property
    def renderer(self) -> Renderer:
        """What the jobs write their messages with."""
        return Renderer(texts=self.texts, tz=self.tz, bot_username=self.bot_username,
                        deadlines=self.rules.policy, voice=self.timing.voice_rules())

    @property
    def quiet(self) -> QuietHours:
        """The quiet hours in the jobs' zone."""
        quiet = self.timing.quiet_hours
        return quiet if quiet.tz == self.tz else QuietHours(quiet.start, quiet.end, self.tz)

    @property
    def visit_weekday(self) -> int:
        """The default home-visit day, Monday = 0."""
        return self.timing.visit_day

    @property
    def outbox_keep(self) -> timedelta:
        """How long delivered messages are kept."""
        return self.timing.outbox_keep

    @property
    def wish_match_delay(self) -> timedelta:
        """How long a wish is offered only to volunteers with matching skills."""
        return self.timing.wish_match_delay

    @classmethod
    def from_settings(
        cls, timing: Timing, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
        texts: Texts, bot_username: str,
    ) -> "JobEnv":
        """Build from the bot's settings (any Timing: the bot's Settings is one)."""
        return cls(sessions=sessions, clock=clock, tz=timing.timezone, texts=texts,
                   bot_username=bot_username, timing=timing)
