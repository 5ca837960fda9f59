"""Building the scheduler: started paused, resumed while this replica is the leader."""

from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.jobs import prune_processed_updates
from scheduler.notices import PROGRESS_EVERY_S, report_notice_progress
from services.clock import Clock


def build_scheduler(
    *, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo
) -> AsyncIOScheduler:
    """Create the scheduler with every job; the caller starts it paused."""
    scheduler = AsyncIOScheduler(timezone=tz)
    scheduler.add_job(prune_processed_updates, "cron", hour=3, minute=30,
                      kwargs={"sessions": sessions, "clock": clock},
                      id="prune_processed_updates", coalesce=True, max_instances=1)
    scheduler.add_job(report_notice_progress, "interval", seconds=PROGRESS_EVERY_S,
                      kwargs={"sessions": sessions, "clock": clock},
                      id="report_notice_progress", coalesce=True, max_instances=1)
    return scheduler
