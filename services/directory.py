"""Query helpers over the structure: who is who, and where. They never commit."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Building,
    Case,
    Community,
    ConversationState,
    Grid,
    GroupChat,
    Person,
    Role,
    StaffRole,
    Street,
)
from models.construct import as_loaded, new_row
from services import conversation, direct, structure_snapshot, updates
from services.lifecycle import OPEN_STATUSES

_BY_TELEGRAM = select(Person).where(col(Person.telegram_id) == bindparam("telegram_id"))
# "Who is this", one statement per update: the person, their conversation state in this chat and
# the structure stamp. Outer joins from a one-row anchor, so that a first contact (no person yet)
# still gets its row: the state (none) and the stamp. Built once: it runs for every update.
# Columns, not entities: the rows become the session's objects without the ORM's loading work
# (models/construct.as_loaded), and the statement runs directly (services/direct.py).
_ANCHOR = select(literal(1).label("one")).subquery("anchor")
_PEOPLE: Table = Person.__table__  # type: ignore[attr-defined]
_STATES: Table = ConversationState.__table__  # type: ignore[attr-defined]
_PERSON_KEYS = tuple(c.key for c in _PEOPLE.columns)
_STATE_KEYS = tuple(c.key for c in _STATES.columns)
_ADD_PERSON = direct.Statement(insert(_PEOPLE).returning(_PEOPLE.c.id))


def _who_statement(*claimed: Any) -> direct.Statement:
    return direct.Statement(
        select(*_PEOPLE.columns, *_STATES.columns, structure_snapshot.STAMP.label("stamp"),
               *claimed)
        .select_from(_ANCHOR)
        .outerjoin(_PEOPLE, _PEOPLE.c.telegram_id == bindparam("telegram_id"))
        .outerjoin(_STATES, and_(_STATES.c.chat_id == bindparam("chat_id"),
                                 _STATES.c.user_id == bindparam("telegram_id"))))


_WHO = _who_statement()
_WHO_CLAIMING: dict[str, direct.Statement] = {}  # per database kind that can claim in it


async def person_by_telegram(session: AsyncSession, telegram_id: int) -> Person | None:
    """Find the person with this Telegram id."""
    result = await session.execute(_BY_TELEGRAM, {"telegram_id": telegram_id})
    return result.scalar_one_or_none()


async def _who(session: AsyncSession, telegram_id: int, chat_id: int | None) -> Person | None:
    """The person with this Telegram id; with a chat, their conversation state there and the
    structure stamp are read in the same statement and left where their modules look for them."""
    if chat_id is None:
        return await person_by_telegram(session, telegram_id)
    (found,) = (await direct.run(session, _WHO, {"telegram_id": telegram_id,
                                                 "chat_id": chat_id})).rows
    return _found(session, found, telegram_id, chat_id)


def _found(session: AsyncSession, found: Sequence[Any], telegram_id: int,
           chat_id: int) -> Person | None:
    people, states = len(_PERSON_KEYS), len(_STATE_KEYS)
    sync = session.sync_session
    person = None if found[0] is None else as_loaded(
        sync, Person, dict(zip(_PERSON_KEYS, found[:people], strict=True)))
    state = None if found[people] is None else as_loaded(
        sync, ConversationState,
        dict(zip(_STATE_KEYS, found[people:people + states], strict=True)))
    stamp = found[people + states]
    conversation.remember(session, chat_id=chat_id, user_id=telegram_id, row=state)
    structure_snapshot.remember_stamp(session, stamp)
    return person


async def ensure_person(
    session: AsyncSession, *, telegram_id: int, name: str, private_chat_at: datetime | None = None,
    chat_id: int | None = None,
) -> Person:
    """Return the person with this Telegram id, creating a resident on first contact (with the
    chat of the update, its conversation state and the structure stamp come in the same query)."""
    person = await _who(session, telegram_id, chat_id)
    return await _ensured(session, person, telegram_id=telegram_id, name=name,
                          private_chat_at=private_chat_at)


async def claim_and_ensure_person(
    session: AsyncSession, *, update_id: int, at: datetime, telegram_id: int, name: str,
    private_chat_at: datetime | None, chat_id: int,
) -> Person | None:
    """Claim the update (services/updates.py) and return its sender as `ensure_person` does;
    None when the update was processed already, and then nothing else is done. On PostgreSQL the
    claim is part of the "who is this" statement: one round trip for both."""
    dialect = session.get_bind().dialect.name
    claimed = updates.claimed_in_query(dialect)
    if claimed is None:
        if not await updates.claim_update(session, update_id=update_id, at=at):
            return None
        return await ensure_person(session, telegram_id=telegram_id, name=name,
                                   private_chat_at=private_chat_at, chat_id=chat_id)
    statement = _WHO_CLAIMING.get(dialect)
    if statement is None:
        statement = _WHO_CLAIMING[dialect] = _who_statement(claimed.label("claimed"))
    (found,) = (await direct.run(session, statement, {
        "telegram_id": telegram_id, "chat_id": chat_id, "update_id": update_id,
        "at": at})).rows
    if not found[-1]:
        return None  # processed already: not even a first contact is registered again
    person = _found(session, found[:-1], telegram_id, chat_id)
    return await _ensured(session, person, telegram_id=telegram_id, name=name,
                          private_chat_at=private_chat_at)


async def _ensured(session: AsyncSession, person: Person | None, *, telegram_id: int, name: str,
                   private_chat_at: datetime | None) -> Person:
    if person is None:
        fresh = new_row(Person, telegram_id=telegram_id, name=name[:100] or str(telegram_id),
                        private_chat_at=private_chat_at)
        # Written at once for the new resident's id, with one Core INSERT instead of the ORM's
        # flush (a first contact is never staff: no snapshot looks at it, as with the flush).
        values = {key: fresh.__dict__.get(key) for key in _PERSON_KEYS if key != "id"}
        (added,) = (await direct.run(session, _ADD_PERSON, values)).rows
        person = as_loaded(session.sync_session, Person, {**values, "id": added[0]})
    elif private_chat_at is not None and person.private_chat_at is None:
        person.private_chat_at = private_chat_at  # written with the update's other changes
    return person


async def roles_of(session: AsyncSession, person_id: int) -> Sequence[StaffRole]:
    """List every role the person holds."""
    if (snapshot := await structure_snapshot.current(session)) is not None:
        return await structure_snapshot.attach(session, snapshot.roles_of.get(person_id, ()))
    result = await session.execute(select(StaffRole).where(col(StaffRole.person_id) == person_id))
    return result.scalars().all()


async def community_of_chat(session: AsyncSession, chat_id: int) -> Community | None:
    """Return the community a group chat is bound to."""
    if (snapshot := await structure_snapshot.current(session)) is not None:
        community_id = snapshot.chat_community.get(chat_id)
        community = snapshot.communities.get(community_id) if community_id is not None else None
        return (await structure_snapshot.attach(session, [community]))[0] if community else None
    result = await session.execute(
        select(Community).join(GroupChat, col(GroupChat.community_id) == col(Community.id))
        .where(col(GroupChat.chat_id) == chat_id)
    )
    return result.scalar_one_or_none()


async def street_of_community(session: AsyncSession, community_id: int) -> Street | None:
    """Return the street a community belongs to (None when there is no such community)."""
    if (snapshot := await structure_snapshot.current(session)) is not None:
        community = snapshot.communities.get(community_id)
        street = snapshot.streets.get(community.street_id) if community is not None else None
        return (await structure_snapshot.attach(session, [street]))[0] if street else None
    found = await session.get(Community, community_id)
    return await session.get(Street, found.street_id) if found is not None else None


async def buildings_numbered(
    session: AsyncSession, number: str, community_id: int | None = None
) -> Sequence[Building]:
    """Find buildings with this number (in one community, or in all of them)."""
    if (snapshot := await structure_snapshot.current(session)) is not None:
        return await structure_snapshot.attach(session, [
            b for b in snapshot.numbered.get(number, ())
            if community_id is None or b.community_id == community_id])
    query = select(Building).where(col(Building.number) == number)
    if community_id is not None:
        query = query.where(col(Building.community_id) == community_id)
    return (await session.execute(query.order_by(col(Building.id)))).scalars().all()


async def community_buildings(session: AsyncSession, community_id: int) -> Sequence[Building]:
    """List a community's buildings in number order."""
    result = await session.execute(
        select(Building).where(col(Building.community_id) == community_id)
    )
    return sorted(result.scalars().all(), key=lambda b: (len(b.number), b.number))


async def people_with_role(
    session: AsyncSession, role: Role, *, community_id: int | None = None,
    grid_id: int | None = None, street_id: int | None = None, include_on_leave: bool = True,
) -> Sequence[Person]:
    """List the people holding a role in a scope, in a stable order."""
    if (snapshot := await structure_snapshot.current(session)) is not None:
        # Every report asks for a grid's workers: only the holders of that role in the narrowest
        # scope given are looked at, as plain tuples (not ORM attributes: a few hundred a call).
        scope = (("grid", grid_id) if grid_id is not None else
                 ("community", community_id) if community_id is not None else
                 ("street", street_id) if street_id is not None else ("all", None))
        ids = sorted({h.person_id for h in snapshot.holders.get((role, *scope), ())
                      if (community_id is None or h.community_id == community_id)
                      and (street_id is None or h.street_id == street_id)
                      and (include_on_leave or not h.on_leave)})
        return await structure_snapshot.attach(session, [snapshot.people[i] for i in ids
                                                         if i in snapshot.people])
    holders = select(col(StaffRole.person_id)).where(col(StaffRole.role) == role)
    if community_id is not None:
        holders = holders.where(col(StaffRole.community_id) == community_id)
    if grid_id is not None:
        holders = holders.where(col(StaffRole.grid_id) == grid_id)
    if street_id is not None:
        holders = holders.where(col(StaffRole.street_id) == street_id)
    if not include_on_leave:
        holders = holders.where(col(StaffRole.on_leave).is_(False))
    # IN (subquery) rather than JOIN + DISTINCT: PostgreSQL cannot compare Person's JSON columns.
    result = await session.execute(
        select(Person).where(col(Person.id).in_(holders)).order_by(col(Person.id)))
    return result.scalars().all()


# Open cases per assignee, for the people given as `person_ids` (built once: routing runs it for
# every report, alone or with the outbox's OUTCOMES). Of the table's columns, not the model's:
# a Core statement skips the ORM's part of every execution (~60 Python calls).
_CASES = Case.__table__.c  # type: ignore[attr-defined]
OPEN_CASES = (select(_CASES.assignee_id, func.count()).where(
    _CASES.assignee_id.in_(bindparam("person_ids", expanding=True)),
    _CASES.status.in_(OPEN_STATUSES)).group_by(_CASES.assignee_id))
_OPEN_CASES = direct.Statement(OPEN_CASES)


async def open_case_counts(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, int]:
    """Count the open cases assigned to each of these people."""
    if not person_ids:
        return {}
    result = await direct.run(session, _OPEN_CASES, {"person_ids": list(person_ids)})
    counts = dict.fromkeys(person_ids, 0)
    counts.update({pid: n for pid, n in result.rows if pid is not None})
    return counts


async def has_role(
    session: AsyncSession, person_id: int, role: Role, *, community_id: int | None = None
) -> bool:
    """Tell whether the person holds the role (in that community, when one is given)."""
    if (snapshot := await structure_snapshot.current(session)) is not None:
        return any(r.role == role and (community_id is None or r.community_id == community_id)
                   for r in snapshot.roles_of.get(person_id, ()))
    query = select(col(StaffRole.id)).where(
        col(StaffRole.person_id) == person_id, col(StaffRole.role) == role
    )
    if community_id is not None:
        query = query.where(col(StaffRole.community_id) == community_id)
    return (await session.execute(query.limit(1))).first() is not None


async def is_manager_of(session: AsyncSession, person_id: int, community_id: int | None) -> bool:
    """Tell whether the person manages this community (or is a sub-district admin)."""
    if await has_role(session, person_id, Role.ADMIN):
        return True
    if community_id is None:
        return await has_role(session, person_id, Role.MANAGER)
    return await has_role(session, person_id, Role.MANAGER, community_id=community_id)


async def admins(session: AsyncSession) -> Sequence[Person]:
    """List the sub-district admins."""
    return await people_with_role(session, Role.ADMIN)


async def grid_and_building(
    session: AsyncSession, building_id: int | None
) -> tuple[Grid | None, Building | None]:
    """Return a building and its grid."""
    if building_id is None:
        return None, None
    building = await session.get(Building, building_id)
    grid = await session.get(Grid, building.grid_id) if building else None
    return grid, building


async def all_communities(session: AsyncSession) -> Sequence[Community]:
    """List every community."""
    return (await session.execute(select(Community).order_by(col(Community.id)))).scalars().all()


async def building_in(
    session: AsyncSession, building_id: int, community_id: int | None
) -> Building | None:
    """Return the building if it belongs to the community (any community when None)."""
    snapshot = await structure_snapshot.current(session)
    if snapshot is not None:
        known = snapshot.buildings.get(building_id)
        building = await session.merge(known, load=False) if known is not None else None
    else:
        building = await session.get(Building, building_id)
    if building is None or (community_id is not None and building.community_id != community_id):
        return None
    return building


async def obvious_community(session: AsyncSession, person: Person) -> int | None:
    """The community a request must be about when nothing in it says: where the person lives,
    or the only community there is; None when the bot has to ask."""
    if person.community_id is not None:
        return person.community_id
    communities = await all_communities(session)
    return communities[0].id if len(communities) == 1 else None


async def managed_community(session: AsyncSession, person_id: int) -> int | None:
    """Return the community this person manages, if any."""
    result = await session.execute(
        select(col(StaffRole.community_id)).where(
            col(StaffRole.person_id) == person_id, col(StaffRole.role) == Role.MANAGER,
            col(StaffRole.community_id).is_not(None)).order_by(col(StaffRole.id)).limit(1))
    return result.scalar_one_or_none()


_HOLDER_ROLES = (Role.WORKER, Role.MANAGER, Role.ADMIN, Role.MEDIATOR, Role.VOLUNTEER)


async def holder_role(
    session: AsyncSession, person_id: int, community_id: int | None
) -> Role | None:
    """The role in which a person holds a case of this community (a grid worker first, then a
    manager, an admin…), so that residents and groups are told who really has it."""
    roles = await roles_of(session, person_id)
    for role in _HOLDER_ROLES:
        if any(r.role == role and (r.community_id in (community_id, None) or role == Role.ADMIN)
               for r in roles):
            return role
    return None
