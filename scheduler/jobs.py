"""Scheduled jobs: each opens a session, calls a service, queues its messages, and commits."""

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.context import Writer
from handlers.digest import draw, plan_digests, recipients
from handlers.reminders import send_reminder
from handlers.visits import send_lists
from scheduler.env import JobEnv
from services import digest, outbox, visits
from services.clock import Clock
from services.reminders import already_claimed, claim_due, claim_once
from services.updates import forget_processed_before

log = logging.getLogger("gridbot.jobs")

# Telegram keeps undelivered updates for at most 24 hours, so a month of ids is ample protection
# against redelivery while keeping the table from growing forever.
KEEP_PROCESSED_UPDATES = timedelta(days=30)


async def prune_processed_updates(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Forget processed update ids older than a month; return how many went."""
    async with sessions() as session, session.begin():
        removed = await forget_processed_before(session, clock.now() - KEEP_PROCESSED_UPDATES)
    log.info("pruned processed updates", extra={"removed": removed})
    return removed


async def prune_outbox(env: JobEnv) -> int:
    """Delete messages delivered more than OUTBOX_KEEP_DAYS ago; return how many went."""
    async with env.sessions() as session, session.begin():
        removed = await outbox.forget_sent_before(session, env.clock.now() - env.outbox_keep)
    log.info("pruned outbox", extra={"removed": removed})
    return removed


def writer(env: JobEnv, session: AsyncSession) -> Writer:
    """The renderer on this session: scheduled work writes its messages with it (no update)."""
    return Writer.of(env.renderer, session=session, clock=env.clock)


def queue_messages(w: Writer, *, at: datetime, available_at: datetime | None = None,
                   priority: int = outbox.NORMAL) -> int:
    """Write the writer's messages to the outbox (in its session); return how many."""
    for message in w.effects.messages:
        outbox.enqueue(w.session, chat_id=message.chat_id, payload=message.to_payload(), at=at,
                       case_id=message.case_id, available_at=available_at, priority=priority)
    count = len(w.effects.messages)
    w.effects.messages.clear()
    return count


def queue(env: JobEnv, w: Writer, *, urgent: bool) -> int:
    """Write the messages to the outbox; non-urgent ones wait out quiet hours."""
    now = env.clock.now()
    return queue_messages(w, at=now, available_at=None if urgent else env.quiet.release_at(now),
                          priority=outbox.URGENT if urgent else outbox.NORMAL)


async def remind(env: JobEnv, *, limit: int = 500) -> int:
    """One reminder tick: claim every due step and queue its messages; return how many steps."""
    async with env.sessions() as session, session.begin():
        w = writer(env, session)
        due = await claim_due(session, clock=env.clock, rules=env.rules, limit=limit)
        now = env.clock.now()
        for reminder in due:
            deliver_at = now if reminder.urgent else env.quiet.release_at(now) or now
            if reminder.overtaken(deliver_at):  # claimed, so never sent: its moment has passed
                continue
            await send_reminder(w, reminder)
            queue(env, w, urgent=reminder.urgent)
    if due:
        log.info("reminders queued", extra={"steps": len(due)})
    return len(due)


async def daily_digest(env: JobEnv) -> int:
    """Send yesterday's digest to every manager and admin, once per day; return how many.

    The digest is written from a read, its charts drawn off the event loop with no transaction
    open, and everything is queued in one short write transaction that also claims the day."""
    now = env.clock.now()
    day = digest.yesterday(now, env.tz).isoformat()
    async with env.sessions() as session:
        if await already_claimed(session, kind="digest", key=day):
            return 0
        plan = await plan_digests(writer(env, session))
    messages = await asyncio.to_thread(draw, plan)
    async with env.sessions() as session, session.begin():
        if not await claim_once(session, kind="digest", key=day, at=now):
            return 0  # another run got there while the charts were drawn
        w = writer(env, session)
        w.effects.messages.extend(messages)
        queue(env, w, urgent=True)  # it goes at the configured time, quiet hours or not
    sent = recipients(plan)
    log.info("digest queued", extra={"recipients": sent})
    return sent


async def visit_lists(env: JobEnv) -> int:
    """Give grid workers their home-visit lists in communities whose visit day is today."""
    async with env.sessions() as session, session.begin():
        rounds = await visits.claim_rounds(session, now=env.clock.now(), tz=env.tz,
                                           default_weekday=env.visit_weekday)
        w = writer(env, session)
        sent = sum([await send_lists(w, community, week) for community, week in rounds])
        queue(env, w, urgent=False)
    if sent:
        log.info("visit lists queued", extra={"lists": sent})
    return sent
