"""Scheduled job: a danger question ("是紧急情况吗？") left unanswered for DANGER_UNANSWERED_AFTER
is filed as a possible emergency and the on-duty staff are alerted. One transaction per run:
the alert is queued with the record that it went out (SKIP LOCKED), so it goes exactly once,
also across a restart or a second instance."""

import logging

from handlers.danger import alert_unanswered
from handlers.intake import STEP_DANGER
from scheduler.env import JobEnv
from scheduler.jobs import queue, writer
from services import danger_watch

log = logging.getLogger("gridbot.jobs")


async def alert_unanswered_danger(env: JobEnv) -> int:
    """Alert the staff of every danger question nobody answered in time; return how many."""
    async with env.sessions() as session, session.begin():
        w = writer(env, session)
        due = await danger_watch.claim_unanswered(session, now=env.clock.now(),
                                                  after=env.timing.danger_unanswered_after)
        alerted = sum([await alert_unanswered(w, question, step=STEP_DANGER) for question in due])
        queue(env, w, urgent=True)
    if due:
        log.warning("unanswered danger questions alerted", extra={"count": alerted})
    return alerted
