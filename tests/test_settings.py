"""Settings are parsed once into typed values, and a bad one stops the start with its name."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.config import Settings
from handlers.texts import Texts
from scheduler.env import JobEnv
from scheduler.setup import build_scheduler
from services.clock import FrozenClock
from services.timing import Timing


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_durations_and_times_arrive_typed() -> None:
    s = settings(digest_time="7:05", confirm_remind_after="12h", outbox_keep_days="10",
                 emergency_repeat_min=3, dispute_followup_days="14", deadlines="repair.accept=1h")
    assert s.digest_time == time(7, 5) and s.confirm_remind_after == timedelta(hours=12)
    assert s.outbox_keep == timedelta(days=10) and s.emergency_repeat == timedelta(minutes=3)
    assert s.dispute_followup_after == timedelta(days=14)
    assert s.deadlines.allowance("repair", "normal").accept == timedelta(hours=1)


def test_the_defaults_are_the_same_for_the_bot_and_the_jobs() -> None:
    bot, jobs = settings(), Timing()
    for name in Timing.model_fields:
        if name != "deadlines":
            assert getattr(bot, name) == getattr(jobs, name), name
    assert bot.deadlines.allowances() == jobs.deadlines.allowances()


def test_quiet_hours_are_kept_in_the_configured_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIET_HOURS", "23:00-06:30")
    monkeypatch.setenv("TIMEZONE", "Asia/Urumqi")
    quiet = settings().quiet_hours
    assert (quiet.start, quiet.end, quiet.tz) == (time(23), time(6, 30), ZoneInfo("Asia/Urumqi"))
    assert settings(timezone="Asia/Shanghai").quiet_hours.tz == ZoneInfo("Asia/Shanghai")


def test_the_jobs_run_on_the_settings_they_are_given() -> None:
    s = settings(remind_at_fraction=0.5, visit_weekday="fri", timezone="Asia/Urumqi")
    env = JobEnv.from_settings(s, sessions=None, clock=FrozenClock(),  # type: ignore[arg-type]
                               texts=None, bot_username="b")  # type: ignore[arg-type]
    assert env.rules.remind_at == 0.5 and env.visit_weekday == 4
    assert env.tz == ZoneInfo("Asia/Urumqi") and env.quiet.tz == env.tz


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("DIGEST_TIME", "8h30", "DIGEST_TIME: cannot read the time '8h30'; write e.g. 08:30"),
    ("QUIET_HOURS", "22-7", "QUIET_HOURS: cannot read '22-7'; write e.g. 22:00-07:00"),
    ("TIMEZONE", "Asia/Shangai", "TIMEZONE: unknown time zone 'Asia/Shangai'"),
    ("DEADLINES", "repair.acept=1h", "DEADLINES: cannot read 'repair.acept=1h'"),
    ("CONFIRM_CLOSE_AFTER", "3 days", "CONFIRM_CLOSE_AFTER: cannot read the duration '3 days'"),
    ("OUTBOX_KEEP_DAYS", "0", "OUTBOX_KEEP_DAYS: write a whole number of at least 1, not '0'"),
    ("EMERGENCY_REPEAT_MIN", "90", "EMERGENCY_REPEAT_MIN: write a whole number from 1 to 60"),
])
def test_a_bad_setting_stops_the_command_with_its_name(
    variable: str, value: str, named: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir("/")  # no .env file from the working directory
    monkeypatch.setenv(variable, value)
    assert main(["parse", "3号楼楼道灯坏了"]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err and len(err.strip().splitlines()) == 2


def test_the_digest_and_the_repeats_are_scheduled_from_the_settings() -> None:
    s = settings(digest_time="07:45", emergency_repeat_min=3, dispute_followup_days=10)
    env = JobEnv.from_settings(s, sessions=None, clock=FrozenClock(),  # type: ignore[arg-type]
                               texts=Texts(), bot_username="b")
    scheduler = build_scheduler(sessions=env.sessions, clock=env.clock, tz=env.tz, env=env)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert "hour='7', minute='45'" in str(jobs["daily_digest"].trigger)
    assert jobs["repeat_emergency_alerts"].kwargs["every_minutes"] == 3
    assert jobs["ask_dispute_followups"].kwargs["after_days"] == 10
