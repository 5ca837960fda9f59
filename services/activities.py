"""Community activities (社区活动): announce, sign up (a waiting list when full; only who may
join, services/activity_rules.py), and cancel before the start. Check-in and points:
services/activity_checkin.py."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Activity, ActivitySignup, GroupChat, Person, Role
from services import activity_rules, directory
from services.activity_rules import Eligibility
from services.clock import Clock
from services.errors import DomainError

JOINED, WAITING, CANCELLED = "joined", "waiting", "cancelled"
REASON = "activity"  # points ledger entries for attending as a volunteer
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
    eligibility: Eligibility = Eligibility()  # who may join, as read from `audience`


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
                        eligibility=new.eligibility.to_json(),
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


async def load_activity(
    session: AsyncSession, activity_id: int, *, lock: bool = False
) -> Activity:
    """Load an activity (locked for a sign-up: one place, one winner) or refuse."""
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


async def signup_of(
    session: AsyncSession, activity_id: int, person_id: int
) -> ActivitySignup | None:
    """A person's sign-up for an activity, if any."""
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


async def check_may_join(
    session: AsyncSession, activity: Activity, person: Person, *, declared: bool = False,
    in_community_group: bool = False,
) -> None:
    """Refuse politely, saying who may join, a person the activity is not for."""
    reason = await activity_rules.refusal(session, activity, person, declared=declared,
                                          in_community_group=in_community_group)
    if reason is None:
        return
    audience = activity.audience or ""
    said = {"title": activity.title[:30], "reason": reason,
            "audience": audience if len(audience) <= 40 else audience[:39] + "…"}
    if reason == activity_rules.PLACE:
        raise DomainError("activity.only_place", **said)
    if reason == activity_rules.DECLARE:
        raise DomainError("activity.only_declare", **said)
    raise DomainError("activity.only_group", **said)


async def join(
    session: AsyncSession, *, clock: Clock, activity_id: int, person: Person,
    declared: bool = False, group_chat_id: int | None = None,
) -> tuple[Activity, Signup]:
    """Sign a person up: a place while there is one, else the waiting list; only who may join
    (`declared`: they said they qualify; `group_chat_id`: the group chat they pressed in)."""
    activity = await load_activity(session, activity_id, lock=True)  # one place, one winner
    now = clock.now()
    if now >= activity.starts_at:
        raise DomainError("activity.started", title=activity.title)
    signup = await signup_of(session, activity_id, person.id or 0)
    if signup is not None and signup.status != CANCELLED:
        position = await _waiting_position(session, signup) if signup.status == WAITING else 0
        return activity, Signup(signup.status, position, already=True)
    group = await directory.community_of_chat(session, group_chat_id) if group_chat_id else None
    await check_may_join(session, activity, person, declared=declared,
                         in_community_group=group is not None and group.id == activity.community_id)
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
) -> tuple[Activity, Person | None, list[Person]]:
    """Cancel a sign-up before the start; the first on the waiting list who may still join
    takes a freed place (returned, to be told), and those passed over because they no longer
    may (moved away, no longer a volunteer) leave the list (returned, to be told)."""
    activity = await load_activity(session, activity_id, lock=True)
    if clock.now() >= activity.starts_at:
        raise DomainError("activity.started", title=activity.title)
    signup = await signup_of(session, activity_id, person.id or 0)
    if signup is None or signup.status == CANCELLED:
        raise DomainError("activity.not_signed_up", title=activity.title)
    freed = signup.status == JOINED
    signup.status = CANCELLED
    await session.flush()
    if not freed:
        return activity, None, []
    dropped: list[Person] = []
    for waiting, someone in await participants(session, activity_id, statuses=(WAITING,)):
        # What they said and where they pressed counted at sign-up; records are checked again.
        if await activity_rules.refusal(session, activity, someone, declared=True,
                                        in_community_group=True) is None:
            waiting.status = JOINED
            return activity, someone, dropped
        waiting.status = CANCELLED
        dropped.append(someone)
    return activity, None, dropped


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
