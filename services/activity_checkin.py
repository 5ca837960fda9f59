"""Check-in at an activity (the organiser ticks people off, or the attendee sends the code read
out at the door), and volunteers' points and hours credited to the points ledger."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Activity, ActivitySignup, Person
from services import directory, points
from services.activities import (
    CANCELLED,
    JOINED,
    MAX_HOURS,
    REASON,
    load_activity,
    signup_of,
)
from services.clock import Clock
from services.errors import DomainError

# Check-in is open from an hour before the start until an hour after the end.
CHECKIN_MARGIN = timedelta(hours=1)


def checkin_open(activity: Activity, now: datetime) -> bool:
    """Tell whether check-in is open: from an hour before the start to an hour after the end."""
    end = activity.starts_at + timedelta(hours=activity.hours)
    return activity.starts_at - CHECKIN_MARGIN <= now <= end + CHECKIN_MARGIN


async def _check_in(
    session: AsyncSession, *, clock: Clock, activity: Activity, signup: ActivitySignup
) -> int:
    """Record attendance once; credit a volunteer's points; return the points credited."""
    if signup.checked_in_at is not None:
        raise DomainError("activity.already_checked_in", title=activity.title)
    if not checkin_open(activity, clock.now()):
        raise DomainError("activity.checkin_closed", title=activity.title)
    signup.checked_in_at = clock.now()
    signup.status = JOINED  # someone from the waiting list who came anyway was there
    if signup.volunteer and activity.points:
        signup.points = activity.points
        await points.add_entry(session, at=clock.now(), person_id=signup.person_id,
                               community_id=activity.community_id, delta=activity.points,
                               reason=REASON, note=f"{activity.title} ({activity.hours:g}h)")
    await session.flush()
    return signup.points


async def check_in_by_code(
    session: AsyncSession, *, clock: Clock, person: Person, code: str
) -> tuple[Activity, int]:
    """An attendee checks in with the code read out at the door (one check-in each)."""
    found = (await session.scalars(select(Activity).where(
        col(Activity.code) == code.strip(),
        col(Activity.starts_at) >= clock.now() - timedelta(hours=MAX_HOURS) - CHECKIN_MARGIN,
        col(Activity.starts_at) <= clock.now() + CHECKIN_MARGIN))).all()
    for activity in found:
        signup = await signup_of(session, activity.id or 0, person.id or 0)
        if signup is not None and signup.status != CANCELLED and checkin_open(
                activity, clock.now()):
            return activity, await _check_in(session, clock=clock, activity=activity,
                                             signup=signup)
    raise DomainError("activity.bad_code")


async def may_organise(session: AsyncSession, activity: Activity, person: Person) -> bool:
    """The organiser and the community's managers run the check-in."""
    return activity.organiser_id == person.id or await directory.is_manager_of(
        session, person.id or 0, activity.community_id)


async def check_in_by_organiser(
    session: AsyncSession, *, clock: Clock, organiser: Person, signup_id: int
) -> tuple[Activity, ActivitySignup, int]:
    """The organiser ticks an attendee off the list."""
    signup = await session.get(ActivitySignup, signup_id)
    if signup is None or signup.status == CANCELLED:
        raise DomainError("activity.not_found")
    activity = await load_activity(session, signup.activity_id)
    if not await may_organise(session, activity, organiser):
        raise DomainError("activity.not_organiser")
    return activity, signup, await _check_in(session, clock=clock, activity=activity,
                                             signup=signup)




async def checkin_now(session: AsyncSession, person: Person, now: datetime) -> list[Activity]:
    """Activities whose check-in is open that this person may run."""
    found = (await session.scalars(select(Activity).where(
        col(Activity.starts_at) >= now - timedelta(hours=MAX_HOURS) - CHECKIN_MARGIN,
        col(Activity.starts_at) <= now + CHECKIN_MARGIN).order_by(col(Activity.starts_at)))).all()
    return [a for a in found if checkin_open(a, now) and await may_organise(session, a, person)]


async def volunteer_hours(session: AsyncSession, person_id: int) -> float:
    """A volunteer's hours at the activities they attended."""
    total = await session.scalar(select(func.sum(col(Activity.hours))).join(
        ActivitySignup, col(ActivitySignup.activity_id) == col(Activity.id)).where(
        col(ActivitySignup.person_id) == person_id, col(ActivitySignup.volunteer).is_(True),
        col(ActivitySignup.checked_in_at).is_not(None)))
    return float(total or 0)
