"""Scheduled job: the monthly evaluation (考评) on the first of each month."""

import logging

from handlers.evaluation import send_evaluations
from scheduler.env import JobEnv
from scheduler.jobs import queue, writer
from services import evaluation
from services.reminders import claim_once

log = logging.getLogger("gridbot.jobs")
# Runs every day at the digest time and sends once per month: on the 1st, or on the 2nd or 3rd
# when the bot was down on the 1st. Later in the month it waits for the next one.
CATCH_UP_DAYS = 3


async def monthly_evaluation(env: JobEnv) -> int:
    """Send last month's evaluation to workers, managers and admins once; return how many."""
    now = env.clock.now()
    if now.astimezone(env.tz).day > CATCH_UP_DAYS:
        return 0
    async with env.sessions() as session, session.begin():
        month = evaluation.last_month(now, env.tz).strftime("%Y-%m")
        if not await claim_once(session, kind="evaluation", key=month, at=now):
            return 0
        ctx = writer(env, session)
        sent = await send_evaluations(ctx)
        queue(env, ctx, urgent=True)  # it goes at the configured time, quiet hours or not
    log.info("evaluation queued", extra={"recipients": sent, "month": month})
    return sent
