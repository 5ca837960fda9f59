"""What every card, reminder, digest and notice is written with: the texts, the local time zone,
the deadlines and the bot's name. A handler's Context is this plus the update; a scheduled job
uses it directly (handlers.context.Writer), with no update at all."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.texts import Texts
from services.deadlines import DeadlinePolicy
from services.voice_rules import VoiceRules


@dataclass(kw_only=True)
class Renderer:
    """Puts cases and people into words for one locale and zone."""

    texts: Texts
    tz: ZoneInfo
    bot_username: str = "gridbot"
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    voice: VoiceRules = field(default_factory=VoiceRules)  # issue 17's thresholds

    def local(self, moment: datetime | None) -> str:
        """Show a UTC timestamp in the local zone ("11-22 14:30")."""
        return moment.astimezone(self.tz).strftime("%m-%d %H:%M") if moment else "-"

    def when(self, moment: datetime) -> str:
        """Show a moment as local day and time ("11月22日 14:30")."""
        at = moment.astimezone(self.tz)
        return self.texts("due.when", month=at.month, day=at.day, time=at.strftime("%H:%M"))

    def deep_link(self, payload: str) -> str:
        """Return a link that opens the private chat with the bot and passes `payload`."""
        return f"https://t.me/{self.bot_username}?start={payload}"

    def renderer_fields(self) -> dict[str, Any]:
        """This renderer's settings, to build a Writer or Context that renders the same way."""
        return {f.name: getattr(self, f.name) for f in fields(Renderer)}
