"""Quiet hours: non-urgent messages wait for the morning; the outbox lets later replies pass."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import OutboxMessage
from scheduler.jobs import prune_outbox
from scheduler.setup import build_scheduler
from services import outbox
from services.clock import FrozenClock
from services.quiet_hours import QuietHours
from tests.conftest import Sessions
from tests.test_reminders import env_for

TZ = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(UTC)


@pytest.mark.parametrize(("moment", "release"), [
    (local(2, 21, 59), None),
    (local(2, 22, 0), local(3, 7, 0)),
    (local(2, 23, 30), local(3, 7, 0)),
    (local(3, 0, 10), local(3, 7, 0)),
    (local(3, 6, 59), local(3, 7, 0)),
    (local(3, 7, 0), None),
    (local(3, 12, 0), None),
])
def test_quiet_hours_release_at_seven_local(moment: datetime, release: datetime | None) -> None:
    assert QuietHours.parse("22:00-07:00", TZ).release_at(moment) == release


def test_a_daytime_span_and_no_span_work_too() -> None:
    assert QuietHours.parse("12:00-14:00", TZ).release_at(local(2, 13)) == local(2, 14)
    assert QuietHours.parse("", TZ).release_at(local(2, 23)) is None
    with pytest.raises(ValueError, match="22:00-07:00"):
        QuietHours.parse("late", TZ)


async def test_a_deferred_reminder_does_not_hold_back_later_replies(sessions: Sessions) -> None:
    now = local(2, 23)
    async with sessions() as session, session.begin():
        outbox.enqueue(session, chat_id=1, payload={"text": "reminder"}, at=now,
                       available_at=local(3, 7))
        outbox.enqueue(session, chat_id=1, payload={"text": "reply"}, at=now)
    async with sessions() as session, session.begin():
        leased = await outbox.lease_batch(session, now=now, owner="a", limit=10)
    assert [r.payload["text"] for r in leased] == ["reply"]
    async with sessions() as session, session.begin():
        await outbox.mark_sent(session, row_id=leased[0].id or 0, at=now, message_id=1)
        leased = await outbox.lease_batch(session, now=local(3, 7, 1), owner="a", limit=10)
    assert [r.payload["text"] for r in leased] == ["reminder"]


async def test_delivered_messages_are_deleted_after_the_keeping_time(sessions: Sessions) -> None:
    clock = FrozenClock()
    async with sessions() as session, session.begin():
        old = outbox.enqueue(session, chat_id=1, payload={"text": "old"}, at=clock.now())
        outbox.enqueue(session, chat_id=1, payload={"text": "unsent"}, at=clock.now())
        await session.flush()
        await outbox.mark_sent(session, row_id=old.id or 0, at=clock.now(), message_id=1)
    clock.advance(days=29)
    assert await prune_outbox(env_for(sessions, clock)) == 0
    clock.advance(days=1, seconds=1)
    assert await prune_outbox(env_for(sessions, clock)) == 1
    async with sessions() as session:
        left = (await session.execute(select(col(OutboxMessage.payload)))).scalars().all()
    assert left == [{"text": "unsent"}]
    assert timedelta(days=30) == env_for(sessions, clock).outbox_keep


def test_the_scheduler_registers_every_job(sessions: Sessions) -> None:
    env = env_for(sessions, FrozenClock())
    scheduler = build_scheduler(sessions=sessions, clock=env.clock, tz=TZ, env=env)
    assert {job.id for job in scheduler.get_jobs()} == {
        "prune_processed_updates", "prune_outbox", "remind", "daily_digest", "visit_lists",
        "repeat_emergency_alerts", "ask_dispute_followups", "report_notice_progress",
        "monthly_evaluation", "activity_tick", "widen_wish_offers", "close_votes",
        "remind_suggestions", "alert_unanswered_danger"}
