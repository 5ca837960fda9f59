"""The timing settings (zone, deadlines, reminders, quiet hours, digest, visits, repeats), parsed
once into typed values with their one set of defaults. `bot.config.Settings` reads them from the
environment; the scheduler and tests use them as they are, without importing bot/."""

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import NoDecode  # read as text, never as JSON

from services.deadlines import DeadlinePolicy
from services.numbers import is_digits
from services.quiet_hours import QuietHours
from services.reminders import ReminderRules
from services.voice_rules import VoiceRules

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_ZONE = "Asia/Shanghai"
DEFAULT_QUIET_HOURS = "22:00-07:00"
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def span(text: str) -> timedelta:
    """Read "1d", "12h" or "30m"."""
    match = re.fullmatch(r"(\d+)([mhd])", text.strip())
    if match is None:
        raise ValueError(f"cannot read the duration {text!r}; write e.g. 1d, 12h or 30m")
    return int(match[1]) * _UNITS[match[2]]


def clock_time(text: str) -> time:
    """Read a local time of day such as "08:30"."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"cannot read the time {text!r}; write e.g. 08:30")
    return time(int(match[1]), int(match[2]))


def _count_of(unit: timedelta, low: int, high: int | None) -> Any:
    """A validator reading a whole number of `unit`s (the variable's name says which unit)."""
    def read(value: Any) -> Any:
        if isinstance(value, timedelta):
            return value
        wanted = f"from {low} to {high}" if high is not None else f"of at least {low}"
        text = str(value).strip()
        if isinstance(value, bool) or not is_digits(text) or int(text) < low or (
                high is not None and int(text) > high):
            raise ValueError(f"write a whole number {wanted}, not {value!r}")
        return int(text) * unit
    return read


class Timing(BaseModel):
    """When things happen: every duration a timedelta, every time of day a time."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    timezone: Annotated[ZoneInfo, NoDecode] = Field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    # Overrides of the default deadlines, e.g. "repair.accept=1h,dispute.urgent.resolve=7d".
    deadlines: Annotated[DeadlinePolicy, NoDecode] = Field(default_factory=DeadlinePolicy)
    digest_time: time = time(8, 30)  # local
    # Local; non-urgent messages wait until it ends. Empty: no quiet hours.
    quiet_hours: Annotated[QuietHours, NoDecode] = Field(
        default_factory=lambda: QuietHours.parse(DEFAULT_QUIET_HOURS, ZoneInfo(DEFAULT_ZONE)))
    remind_at_fraction: float = Field(default=0.75, gt=0, lt=1)
    confirm_remind_after: timedelta = timedelta(days=1)
    confirm_close_after: timedelta = timedelta(days=3)
    visit_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "wed"
    outbox_keep: timedelta = Field(default=timedelta(days=30), validation_alias=AliasChoices(
        "outbox_keep_days", "outbox_keep"))
    # An emergency alert is sent again this often until someone presses 我来处理; the parties of
    # an agreement are asked whether it held this long after, at this local hour.
    emergency_repeat: timedelta = Field(default=timedelta(minutes=5), validation_alias=AliasChoices(
        "emergency_repeat_min", "emergency_repeat"))
    dispute_followup_after: timedelta = Field(
        default=timedelta(days=7),
        validation_alias=AliasChoices("dispute_followup_days", "dispute_followup_after"))
    dispute_followup_hour: int = Field(default=10, ge=7, le=20)
    # Issue 20: a wish goes first to volunteers with matching skills, to everyone after this.
    wish_match_delay: timedelta = timedelta(hours=2)
    # Issue 17: a report alike an open case this recent is offered as 我也遇到; this many
    # affected residents make a case urgent; a suggestion is answered within this.
    duplicate_window: timedelta = timedelta(hours=48)
    followers_urgent_at: int = Field(default=5, ge=2, le=1000)
    suggestion_reply_within: timedelta = timedelta(days=3)
    # "是紧急情况吗？" left unanswered this long: the on-duty staff are alerted anyway.
    danger_unanswered_after: timedelta = timedelta(minutes=3)

    @field_validator("timezone", mode="before")
    @classmethod
    def _zone(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return ZoneInfo(value.strip())
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}; write e.g. Asia/Shanghai") from None
        return value

    @field_validator("deadlines", mode="before")
    @classmethod
    def _deadlines(cls, value: Any) -> Any:
        return DeadlinePolicy(value) if isinstance(value, str) else value

    @field_validator("digest_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return clock_time(value) if isinstance(value, str) else value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet(cls, value: Any) -> Any:
        return QuietHours.parse(value, ZoneInfo(DEFAULT_ZONE)) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _quiet_in_zone(self) -> "Timing":
        """Quiet hours are local: in the configured zone, whichever was read first."""
        quiet = self.quiet_hours
        if quiet.tz != self.timezone:
            self.quiet_hours = QuietHours(quiet.start, quiet.end, self.timezone)
        return self

    @field_validator("confirm_remind_after", "confirm_close_after", "wish_match_delay",
                     "duplicate_window", "suggestion_reply_within", mode="before")
    @classmethod
    def _span(cls, value: Any) -> Any:
        return span(value) if isinstance(value, str) else value

    _outbox_keep = field_validator("outbox_keep", mode="before")(
        _count_of(timedelta(days=1), 1, None))
    _emergency_repeat = field_validator("emergency_repeat", mode="before")(
        _count_of(timedelta(minutes=1), 1, 60))

    @field_validator("danger_unanswered_after", mode="before")
    @classmethod
    def _danger_after(cls, value: Any) -> Any:
        after = span(value) if isinstance(value, str) else value
        if isinstance(after, timedelta) and not timedelta(minutes=1) <= after <= timedelta(
                minutes=30):
            raise ValueError("write between 1m and 30m: an emergency must not wait longer")
        return after
    _followup_after = field_validator("dispute_followup_after", mode="before")(
        _count_of(timedelta(days=1), 1, 90))

    @property
    def visit_day(self) -> int:
        """The default home-visit day, Monday = 0."""
        return WEEKDAYS.index(self.visit_weekday)

    def voice_rules(self) -> VoiceRules:
        """The duplicate, followers and suggestion settings of issue 17."""
        return VoiceRules(duplicate_window=self.duplicate_window,
                          followers_urgent_at=self.followers_urgent_at,
                          suggestion_reply_within=self.suggestion_reply_within)

    def reminder_rules(self) -> ReminderRules:
        """The reminder ladder these settings describe."""
        return ReminderRules(self.deadlines, remind_at=self.remind_at_fraction,
                             confirm_remind_after=self.confirm_remind_after,
                             confirm_close_after=self.confirm_close_after)
