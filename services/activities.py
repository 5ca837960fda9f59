"""Community activities (社区活动): announce, sign up (a waiting list when full), cancel before the
start, check in at the door (the organiser, or the attendee with the code read out), and credit
volunteers' points to the points ledger."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Activity, ActivitySignup, GroupChat, Person, Role
from services import directory, points
from services.clock import Clock
from services.errors import DomainError

JOINED, WAITING, CANCELLED = "joined", "waiting", "cancelled"
REASON = "activity"  # points ledger entries for attending as a volunteer
# Check-in is open from an hour before the start until an hour after the end.
CHECKIN_MARGIN = timedelta(hours=1)
MAX_CAPACITY, MAX_POINTS, MAX_HOURS = 10_000, 1_000, 24


@dataclass(frozen=True)
class NewActivity:
    """What a manager announces."""

    title: str
    place: str
    starts_at: datetime
    capacity: int
    audience: str | None = None
    points: int = 0
    hours: float = 2.0
    weekly: bool = False


@dataclass(frozen=True)
class Signup:
    """Where a person stands after signing up: joined, or waiting at `position`."""

    status: str
    position: int = 0
    already: bool = False


async def create(
    session: AsyncSession, *, clock: Clock, organiser: Person, community_id: int,
    new: NewActivity, previous_id: int | None = None,
) -> Activity:
    """Create an activity of the community, with its check-in code."""
    if not new.title.strip() or not new.place.strip():
        raise DomainError("activity.missing")
    if new.starts_at <= clock.now():
        raise DomainError("activity.in_the_past")
    if not 1 <= new.capacity <= MAX_CAPACITY or not 0 <= new.points <= MAX_POINTS or not (
            0 < new.hours <= MAX_HOURS):
        raise DomainError("activity.bad_numbers")
    activity = Activity(community_id=community_id, organiser_id=organiser.id or 0,
                        title=new.title.strip()[:100], place=new.place.strip()[:200],
                        audience=(new.audience or None) and new.audience[:200],
                        starts_at=new.starts_at, hours=new.hours, capacity=new.capacity,
                        points=new.points, weekly=new.weekly, previous_id=previous_id,
                        code=f"{secrets.randbelow(10_000):04d}", created_at=clock.now())
    session.add(activity)
    await session.flush()
    return activity


async def group_chats(session: AsyncSession, community_id: int) -> list[int]:
    """The residents' group chats an activity of the community is announced in."""
    result = await session.execute(select(col(GroupChat.chat_id)).where(
        col(GroupChat.community_id) == community_id).order_by(col(GroupChat.chat_id)))
    return list(result.scalars().all())


async def _activity(session: AsyncSession, activity_id: int, *, lock: bool = False) -> Activity:
    query = select(Activity).where(col(Activity.id) == activity_id)
    found = await session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise DomainError("activity.not_found")
    return found


async def counts(session: AsyncSession, activity_id: int) -> dict[str, int]:
    """How many joined and how many wait."""
    rows = await session.execute(
        select(col(ActivitySignup.status), func.count()).where(
            col(ActivitySignup.activity_id) == activity_id).group_by(col(ActivitySignup.status)))
    found = {str(status): int(n) for status, n in rows.all()}
    return {JOINED: found.get(JOINED, 0), WAITING: found.get(WAITING, 0)}


async def _signup(session: AsyncSession, activity_id: int, person_id: int) -> ActivitySignup | None:
    return await session.scalar(select(ActivitySignup).where(
        col(ActivitySignup.activity_id) == activity_id,
        col(ActivitySignup.person_id) == person_id))


async def _waiting_position(session: AsyncSession, signup: ActivitySignup) -> int:
    ahead = await session.scalar(select(func.count()).where(
        col(ActivitySignup.activity_id) == signup.activity_id,
        col(ActivitySignup.status) == WAITING,
        or_(col(ActivitySignup.signed_at) < signup.signed_at,
            and_(col(ActivitySignup.signed_at) == signup.signed_at,
                 col(ActivitySignup.id) < signup.id))))
    return int(ahead or 0) + 1


async def join(
    session: AsyncSession, *, clock: Clock, activity_id: int, person: Person
) -> tuple[Activity, Signup]:
    """Sign a person up: a place while there is one, else the waiting list."""
    activity = await _activity(session, activity_id, lock=True)  # one place, one winner
    now = clock.now()
    if now >= activity.starts_at:
        raise DomainError("activity.started", title=activity.title)
    signup = await _signup(session, activity_id, person.id or 0)
    if signup is not None and signup.status != CANCELLED:
        position = await _waiting_position(session, signup) if signup.status == WAITING else 0
        return activity, Signup(signup.status, position, already=True)
    full = (await counts(session, activity_id))[JOINED] >= activity.capacity
    volunteer = await directory.has_role(session, person.id or 0, Role.VOLUNTEER,
                                         community_id=activity.community_id)
    if signup is None:
        signup = ActivitySignup(activity_id=activity_id, person_id=person.id or 0,
                                status=WAITING if full else JOINED, volunteer=volunteer,
                                signed_at=now)
        session.add(signup)
    else:
        signup.status, signup.signed_at = (WAITING if full else JOINED), now
        signup.volunteer = volunteer
    await session.flush()
    position = await _waiting_position(session, signup) if full else 0
    return activity, Signup(signup.status, position)


async def leave(
    session: AsyncSession, *, clock: Clock, activity_id: int, person: Person
) -> tuple[Activity, Person | None]:
    """Cancel a sign-up before the start; the first on the waiting list takes a freed place
    (returned, to be told)."""
    activity = await _activity(session, activity_id, lock=True)
    if clock.now() >= activity.starts_at:
        raise DomainError("activity.started", title=activity.title)
    signup = await _signup(session, activity_id, person.id or 0)
    if signup is None or signup.status == CANCELLED:
        raise DomainError("activity.not_signed_up", title=activity.title)
    freed = signup.status == JOINED
    signup.status = CANCELLED
    await session.flush()
    if not freed:
        return activity, None
    first = await session.scalar(select(ActivitySignup).where(
        col(ActivitySignup.activity_id) == activity_id, col(ActivitySignup.status) == WAITING)
        .order_by(col(ActivitySignup.signed_at), col(ActivitySignup.id)).limit(1))
    if first is None:
        return activity, None
    first.status = JOINED
    return activity, await session.get(Person, first.person_id)


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
        signup = await _signup(session, activity.id or 0, person.id or 0)
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
    activity = await _activity(session, signup.activity_id)
    if not await may_organise(session, activity, organiser):
        raise DomainError("activity.not_organiser")
    return activity, signup, await _check_in(session, clock=clock, activity=activity,
                                             signup=signup)


async def participants(
    session: AsyncSession, activity_id: int, *, statuses: Sequence[str] = (JOINED, WAITING)
) -> list[tuple[ActivitySignup, Person]]:
    """Who signed up, in sign-up order."""
    result = await session.execute(
        select(ActivitySignup, Person).join(Person, col(Person.id) == col(ActivitySignup.person_id))
        .where(col(ActivitySignup.activity_id) == activity_id,
               col(ActivitySignup.status).in_(list(statuses)))
        .order_by(col(ActivitySignup.signed_at), col(ActivitySignup.id)))
    return [(signup, person) for signup, person in result.all()]


async def upcoming(
    session: AsyncSession, community_id: int | None, now: datetime
) -> list[Activity]:
    """The community's activities that have not started (every community's when it is not
    known), soonest first."""
    query = select(Activity).where(col(Activity.starts_at) > now)
    if community_id is not None:
        query = query.where(col(Activity.community_id) == community_id)
    return list((await session.scalars(query.order_by(col(Activity.starts_at)).limit(20))).all())


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
