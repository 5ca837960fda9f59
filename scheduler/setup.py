"""Building the scheduler: started paused, resumed while this replica is the leader."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.activity_job import activity_tick
from scheduler.danger_job import alert_unanswered_danger
from scheduler.dispute_jobs import ask_dispute_followups, repeat_emergency_alerts
from scheduler.env import JobEnv
from scheduler.evaluation_job import monthly_evaluation
from scheduler.jobs import daily_digest, prune_outbox, prune_processed_updates, remind, visit_lists
from scheduler.notices import PROGRESS_EVERY_S, report_notice_progress
from scheduler.skill_job import widen_wish_offers
from scheduler.suggestion_job import remind_suggestions
from scheduler.vote_job import close_votes
from services.clock import Clock

VISIT_LIST_TIME = (8, 0)  # local: lists reach workers before the day's rounds
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)
EMERGENCY_CHECK_S = 10  # an emergency repeat is at most this late


def build_scheduler(
    *, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
    env: JobEnv | None = None,
) -> AsyncIOScheduler:
    """Create the scheduler with every job; the caller starts it paused."""
    env = env or JobEnv(sessions=sessions, clock=clock, tz=tz)
    scheduler = AsyncIOScheduler(timezone=tz)
    once = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    scheduler.add_job(prune_processed_updates, "cron", hour=3, minute=30,
                      kwargs={"sessions": sessions, "clock": clock},
                      id="prune_processed_updates", **once)
    scheduler.add_job(prune_outbox, "cron", hour=3, minute=40, kwargs={"env": env},
                      id="prune_outbox", **once)
    # Reminders are derived from the database, so a missed tick is simply caught up by the next.
    scheduler.add_job(remind, "interval", minutes=1, kwargs={"env": env}, id="remind",
                      coalesce=True, max_instances=1)
    timing = env.timing
    scheduler.add_job(daily_digest, "cron", hour=timing.digest_time.hour,
                      minute=timing.digest_time.minute, kwargs={"env": env},
                      id="daily_digest", **once)
    scheduler.add_job(monthly_evaluation, "cron", hour=timing.digest_time.hour,
                      minute=timing.digest_time.minute, kwargs={"env": env},
                      id="monthly_evaluation", **once)
    scheduler.add_job(activity_tick, "interval", minutes=1, kwargs={"env": env},
                      id="activity_tick", coalesce=True, max_instances=1)
    scheduler.add_job(widen_wish_offers, "interval", minutes=1, kwargs={"env": env},
                      id="widen_wish_offers", coalesce=True, max_instances=1)
    scheduler.add_job(close_votes, "interval", minutes=1, kwargs={"env": env},
                      id="close_votes", coalesce=True, max_instances=1)
    scheduler.add_job(remind_suggestions, "interval", minutes=1, kwargs={"env": env},
                      id="remind_suggestions", coalesce=True, max_instances=1)
    scheduler.add_job(visit_lists, "cron", hour=VISIT_LIST_TIME[0], minute=VISIT_LIST_TIME[1],
                      kwargs={"env": env}, id="visit_lists", **once)
    # Emergencies: checked often, so a repeat goes out within seconds of its moment; the moments
    # themselves come from the alert rows (EMERGENCY_REPEAT_MIN apart).
    base = {"sessions": sessions, "clock": clock, "texts": env.texts, "tz": env.tz}
    scheduler.add_job(repeat_emergency_alerts, "interval", seconds=EMERGENCY_CHECK_S,
                      kwargs={**base, "every_minutes": timing.emergency_repeat // MINUTE},
                      id="repeat_emergency_alerts", coalesce=True, max_instances=1)
    # A danger question nobody answered is alerted within seconds of DANGER_UNANSWERED_AFTER.
    scheduler.add_job(alert_unanswered_danger, "interval", seconds=EMERGENCY_CHECK_S,
                      kwargs={"env": env}, id="alert_unanswered_danger", coalesce=True,
                      max_instances=1)
    # Dispute follow-ups once a day at a decent local hour, so quiet hours never matter.
    scheduler.add_job(ask_dispute_followups, "cron", hour=timing.dispute_followup_hour, minute=0,
                      kwargs={**base, "after_days": timing.dispute_followup_after // DAY},
                      id="ask_dispute_followups", **once)
    # Notices: the manager's progress message is brought up to date every few seconds.
    scheduler.add_job(report_notice_progress, "interval", seconds=PROGRESS_EVERY_S,
                      kwargs={"sessions": sessions, "clock": clock},
                      id="report_notice_progress", coalesce=True, max_instances=1)
    return scheduler
