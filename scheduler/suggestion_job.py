"""Scheduled job: remind the managers of suggestions whose reply deadline has passed."""

import logging

from handlers.suggestions import remind
from scheduler.env import JobEnv
from scheduler.jobs import queue, writer
from services import suggestions

log = logging.getLogger("gridbot.jobs")


async def remind_suggestions(env: JobEnv) -> int:
    """Remind once per overdue suggestion; return how many."""
    async with env.sessions() as session, session.begin():
        ctx = writer(env, session)
        due = await suggestions.claim_overdue(session, now=env.clock.now())
        for suggestion in due:
            await remind(ctx, suggestion)
        queue(env, ctx, urgent=False)  # not urgent: it waits out quiet hours
    if due:
        log.info("suggestion reminders", extra={"suggestions": len(due)})
    return len(due)
