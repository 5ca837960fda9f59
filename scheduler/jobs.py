"""Scheduled jobs: each opens a session, calls a service, queues its messages, and commits."""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.context import Context
from handlers.reminders import job_context, send_reminder
from scheduler.env import JobEnv
from services import outbox
from services.clock import Clock
from services.reminders import claim_due
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
                       case_id=message.case_id, available_at=later)
    count = len(ctx.effects.messages)
    ctx.effects.messages.clear()
    return count


async def remind(env: JobEnv, *, limit: int = 500) -> int:
    """One reminder tick: claim every due step and queue its messages; return how many steps."""
    async with env.sessions() as session, session.begin():
        ctx = context(env, session)
        due = await claim_due(session, clock=env.clock, rules=env.rules, limit=limit)
        for reminder in due:
            await send_reminder(ctx, reminder)
            queue(env, ctx, urgent=reminder.urgent)
    if due:
        log.info("reminders queued", extra={"steps": len(due)})
    return len(due)
