"""Building the scheduler: started paused, resumed while this replica is the leader."""

from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.texts import Texts
from scheduler.dispute_jobs import ask_dispute_followups, repeat_emergency_alerts
from scheduler.jobs import prune_processed_updates
from scheduler.notices import PROGRESS_EVERY_S, report_notice_progress
from services.clock import Clock


def build_scheduler(
    *, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
    locale: str = "zh", emergency_repeat_min: int = 5, dispute_followup_days: int = 7,
    dispute_followup_hour: int = 10,
) -> AsyncIOScheduler:
    """Create the scheduler with every job; the caller starts it paused."""
    scheduler = AsyncIOScheduler(timezone=tz)
    base = {"sessions": sessions, "clock": clock}
    scheduler.add_job(prune_processed_updates, "cron", hour=3, minute=30, kwargs=base,
                      id="prune_processed_updates", coalesce=True, max_instances=1)
    texts = Texts(locale)
    # Emergencies: checked every minute; the repeat interval itself comes from the alert rows.
    scheduler.add_job(repeat_emergency_alerts, "interval", minutes=1,
                      kwargs={**base, "texts": texts, "every_minutes": emergency_repeat_min},
                      id="repeat_emergency_alerts", coalesce=True, max_instances=1)
    # Follow-ups once a day at a decent local hour, so quiet hours never matter.
    scheduler.add_job(ask_dispute_followups, "cron", hour=dispute_followup_hour, minute=0,
                      kwargs={**base, "texts": texts, "after_days": dispute_followup_days},
                      id="ask_dispute_followups", coalesce=True, max_instances=1)
    scheduler.add_job(report_notice_progress, "interval", seconds=PROGRESS_EVERY_S,
                      kwargs={"sessions": sessions, "clock": clock},
                      id="report_notice_progress", coalesce=True, max_instances=1)
    return scheduler
