"""Running the jobs that fell due during a jump of the clock (the demo's time travel).

APScheduler fires on the real clock. When the domain clock jumps forward (the simulator's
"+1 day"), every job whose trigger would have fired in the skipped span runs once, in the order
its fire times fall, as the scheduler would have run it with coalescing on. Production never
jumps, so it never calls this."""

import inspect
import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger("gridbot.jobs")


def due_between(scheduler: BaseScheduler, since: datetime, until: datetime) -> list[str]:
    """Ids of the jobs that would have fired in (since, until], earliest first."""
    due: list[tuple[datetime, str]] = []
    for job in scheduler.get_jobs():
        fire = job.trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
        if fire is not None and fire <= until:
            due.append((fire, job.id))
    return [job_id for _, job_id in sorted(due)]


async def run_due_jobs(
    scheduler: BaseScheduler, since: datetime, until: datetime
) -> list[tuple[str, Any]]:
    """Run once each job that fell due in (since, until]; return (job id, what the job returned,
    e.g. how many messages it queued) in the order run."""
    ran: list[tuple[str, Any]] = []
    for job_id in due_between(scheduler, since, until):
        job = scheduler.get_job(job_id)
        if job is None:
            continue
        try:
            result = job.func(*job.args, **job.kwargs)
            if inspect.isawaitable(result):
                result = await result
        except Exception:  # one failing job must not keep the others from catching up
            log.exception("job %s failed while catching up", job_id)
            continue
        ran.append((job_id, result))
    return ran
