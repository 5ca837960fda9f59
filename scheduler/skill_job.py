"""Scheduled job: a wish offered to volunteers with matching skills goes to everyone once
WISH_MATCH_DELAY has passed and none of them claimed it."""

import logging

from handlers.skills import widen
from scheduler.env import JobEnv
from scheduler.jobs import queue, writer
from services import skills

log = logging.getLogger("gridbot.jobs")


async def widen_wish_offers(env: JobEnv) -> int:
    """Offer every wish whose skill-first time is up to all volunteers; return how many."""
    async with env.sessions() as session, session.begin():
        ctx = writer(env, session)
        due = await skills.claim_widening(session, now=env.clock.now(),
                                          delay=env.wish_match_delay)
        for case, details, matched in due:
            await widen(ctx, case, details, matched)
        queue(env, ctx, urgent=False)
    if due:
        log.info("wishes widened", extra={"wishes": len(due)})
    return len(due)
