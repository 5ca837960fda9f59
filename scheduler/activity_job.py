"""Scheduled job: activity reminders (a day and an hour before) and weekly repetition."""

import logging

from handlers.activities import announce_repeat, send_reminder
from scheduler.env import JobEnv
from scheduler.jobs import queue, writer
from services import activity_schedule

log = logging.getLogger("gridbot.jobs")


async def activity_tick(env: JobEnv) -> int:
    """Send the reminders due now and post the next occurrence of started weekly activities;
    return how many reminders and new occurrences."""
    async with env.sessions() as session, session.begin():
        ctx = writer(env, session)
        due = await activity_schedule.claim_reminders(session, env.clock.now())
        for activity, step in due:
            await send_reminder(ctx, activity, step)
            # The hour-before reminder must not wait out quiet hours: it would come too late.
            queue(env, ctx, urgent=step == "hour")
        created = await activity_schedule.repeat_weekly(session, clock=env.clock)
        for activity in created:
            await announce_repeat(ctx, activity)
        queue(env, ctx, urgent=False)
    if due or created:
        log.info("activity jobs", extra={"reminders": len(due), "repeated": len(created)})
    return len(due) + len(created)
