"""Who is who around wishes: volunteers and their group chats, party members, the community a
person belongs to, and residents without Telegram that a worker registers to post wishes for."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Grid, Person, Role, StaffRole, VolunteerGroup
from services import directory, residents
from services.errors import DomainError
from services.intake import parse_address


async def is_volunteer(session: AsyncSession, person_id: int, community_id: int | None) -> bool:
    """Tell whether the person volunteers in this community."""
    return community_id is not None and await directory.has_role(
        session, person_id, Role.VOLUNTEER, community_id=community_id)


async def is_party_member(session: AsyncSession, person_id: int) -> bool:
    """Tell whether the person is marked as a party member (党员) in any of their roles."""
    found = await session.execute(select(col(StaffRole.id)).where(
        col(StaffRole.person_id) == person_id, col(StaffRole.party_member).is_(True)).limit(1))
    return found.first() is not None


async def volunteers(session: AsyncSession, community_id: int | None) -> Sequence[Person]:
    """List a community's volunteers."""
    if community_id is None:
        return []
    return await directory.people_with_role(session, Role.VOLUNTEER, community_id=community_id)


async def home_community(session: AsyncSession, person: Person) -> int | None:
    """The community a person belongs to: where they volunteer or work, else where they live."""
    return await _role_community(session, person, roles=None) or person.community_id


async def bind_volunteer_group(
    session: AsyncSession, *, actor: Person, chat_id: int
) -> int:
    """Let a community manager make this group chat the volunteers' group; returns the
    community id."""
    community_id = await directory.managed_community(session, actor.id or 0)
    if community_id is None:
        raise DomainError("points.not_manager")
    row = await session.get(VolunteerGroup, chat_id)
    if row is None:
        session.add(VolunteerGroup(chat_id=chat_id, community_id=community_id))
    else:
        row.community_id = community_id
    await session.flush()
    return community_id


async def volunteer_groups(session: AsyncSession, community_id: int | None) -> list[int]:
    """List the volunteers' group chats of a community."""
    if community_id is None:
        return []
    result = await session.execute(select(col(VolunteerGroup.chat_id)).where(
        col(VolunteerGroup.community_id) == community_id))
    return list(result.scalars())


async def is_staff_of(session: AsyncSession, person: Person) -> int | None:
    """The community a grid worker or manager works in (None for anyone else)."""
    return await _role_community(session, person, roles=(Role.WORKER, Role.MANAGER))


async def _role_community(
    session: AsyncSession, person: Person, *, roles: tuple[Role, ...] | None
) -> int | None:
    query = select(StaffRole).where(col(StaffRole.person_id) == person.id)
    if roles is not None:
        query = query.where(col(StaffRole.role).in_(roles))
    for role in (await session.execute(query.order_by(col(StaffRole.id)))).scalars().all():
        if role.community_id is not None:
            return role.community_id
        if role.grid_id is not None and (grid := await session.get(Grid, role.grid_id)):
            return grid.community_id
    return None


async def registered_residents(
    session: AsyncSession, community_id: int, limit: int = 10
) -> Sequence[Person]:
    """Residents without Telegram that staff registered in this community, newest first."""
    result = await session.execute(select(Person).where(
        col(Person.registered_by_id).is_not(None), col(Person.telegram_id).is_(None),
        col(Person.community_id) == community_id).order_by(col(Person.id).desc()).limit(limit))
    return result.scalars().all()


async def resident_for_wish(session: AsyncSession, *, person_id: int, actor: Person) -> Person:
    """A registered resident of the worker's community a wish may be posted for."""
    community_id = await is_staff_of(session, actor)
    resident = await session.get(Person, person_id)
    if (community_id is None or resident is None or resident.registered_by_id is None
            or resident.community_id != community_id):
        raise DomainError("wish.bad_resident")
    return resident


async def register_resident(
    session: AsyncSession, *, actor: Person, name: str, phone: str | None, where: str
) -> residents.Registration:
    """Register a resident without Telegram at an address in the worker's community (or find
    the one already on file)."""
    community_id = await is_staff_of(session, actor)
    number, unit, room = parse_address(where)
    found = (await directory.buildings_numbered(session, number, community_id)
             if number and community_id is not None else [])
    if not found:
        raise DomainError("wish.bad_address")
    name = name.strip()[:100]
    if not name:
        raise DomainError("wish.empty_text", case_id=0)
    return await residents.register_on_behalf(session, registered_by=actor, name=name,
                                              phone=phone, building=found[0], unit=unit,
                                              room=room)
