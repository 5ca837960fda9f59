"""What the scheduler does for activities: the reminders a day and an hour before, each sent
once (recorded with its messages), and the next occurrence of a weekly activity."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Activity, Person
from services import activities
from services.activities import NewActivity
from services.activity_rules import Eligibility
from services.clock import Clock
from services.reminders import claim_once

DAY_BEFORE, HOUR_BEFORE = timedelta(days=1), timedelta(hours=1)
WEEK = timedelta(days=7)


async def claim_reminders(session: AsyncSession, now: datetime) -> list[tuple[Activity, str]]:
    """Claim the reminders due now ("day" or "hour"); a claimed one is never sent again."""
    soon = (await session.scalars(select(Activity).where(
        col(Activity.starts_at) > now, col(Activity.starts_at) <= now + DAY_BEFORE)
        .order_by(col(Activity.starts_at)))).all()
    due = []
    for activity in soon:
        step = "hour" if activity.starts_at - now <= HOUR_BEFORE else "day"
        if await claim_once(session, kind="activity", key=f"{activity.id}:{step}", at=now):
            due.append((activity, step))
    return due


async def repeat_weekly(session: AsyncSession, *, clock: Clock) -> list[Activity]:
    """Create next week's occurrence of each weekly activity that has started (once)."""
    now = clock.now()
    started = (await session.scalars(select(Activity).where(
        col(Activity.weekly).is_(True), col(Activity.starts_at) <= now,
        col(Activity.starts_at) > now - WEEK))).all()
    created = []
    for activity in started:
        if not await claim_once(session, kind="activity_repeat", key=str(activity.id), at=now):
            continue
        organiser = await session.get(Person, activity.organiser_id)
        assert organiser is not None
        created.append(await activities.create(
            session, clock=clock, organiser=organiser, community_id=activity.community_id,
            previous_id=activity.id, new=NewActivity(
                title=activity.title, place=activity.place, starts_at=activity.starts_at + WEEK,
                capacity=activity.capacity, audience=activity.audience, points=activity.points,
                hours=activity.hours, weekly=True, eligibility=Eligibility.of(activity))))
    return created
