"""Scheduled jobs: each opens a session, calls a service, queues its messages, and commits."""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.context import Context
from handlers.digest import send_digests
from handlers.reminders import job_context, send_reminder
from handlers.visits import send_lists
from scheduler.env import JobEnv
from services import digest, outbox, visits
from services.clock import Clock
from services.reminders import claim_due, claim_once
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


def context(env: JobEnv, session: AsyncSession) -> Context:
    """A job context on this session."""
    return job_context(session, clock=env.clock, texts=env.texts, tz=env.tz,
                       bot_username=env.bot_username, deadlines=env.rules.policy)


def queue(env: JobEnv, ctx: Context, *, urgent: bool) -> int:
    """Write the context's messages to the outbox; non-urgent ones wait out quiet hours."""
    now = env.clock.now()
    later = None if urgent else env.quiet.release_at(now)
    for message in ctx.effects.messages:
        outbox.enqueue(ctx.session, chat_id=message.chat_id, payload=message.to_payload(), at=now,
                       case_id=message.case_id, available_at=later,
                       priority=outbox.URGENT if urgent else outbox.NORMAL)
    count = len(ctx.effects.messages)
    ctx.effects.messages.clear()
    return count


async def remind(env: JobEnv, *, limit: int = 500) -> int:
    """One reminder tick: claim every due step and queue its messages; return how many steps."""
    async with env.sessions() as session, session.begin():
        ctx = context(env, session)
        due = await claim_due(session, clock=env.clock, rules=env.rules, limit=limit)
        now = env.clock.now()
        for reminder in due:
            deliver_at = now if reminder.urgent else env.quiet.release_at(now) or now
            if reminder.overtaken(deliver_at):  # claimed, so never sent: its moment has passed
                continue
            await send_reminder(ctx, reminder)
            queue(env, ctx, urgent=reminder.urgent)
    if due:
        log.info("reminders queued", extra={"steps": len(due)})
    return len(due)


async def daily_digest(env: JobEnv) -> int:
    """Send yesterday's digest to every manager and admin, once per day; return how many."""
    async with env.sessions() as session, session.begin():
        now = env.clock.now()
        day = digest.yesterday(now, env.tz).isoformat()
        if not await claim_once(session, kind="digest", key=day, at=now):
            return 0
        ctx = context(env, session)
        sent = await send_digests(ctx)
        queue(env, ctx, urgent=True)  # it goes at the configured time, quiet hours or not
    log.info("digest queued", extra={"recipients": sent})
    return sent


async def visit_lists(env: JobEnv) -> int:
    """Give grid workers their home-visit lists in communities whose visit day is today."""
    async with env.sessions() as session, session.begin():
        rounds = await visits.claim_rounds(session, now=env.clock.now(), tz=env.tz,
                                           default_weekday=env.visit_weekday)
        ctx = context(env, session)
        sent = sum([await send_lists(ctx, community, week) for community, week in rounds])
        queue(env, ctx, urgent=False)
    if sent:
        log.info("visit lists queued", extra={"lists": sent})
    return sent
