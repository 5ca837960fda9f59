"""Residents: the address they are remembered at."""

from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, Person


async def remember_address(
    session: AsyncSession, *, person: Person, building: Building, unit: str | None,
    room: str | None,
) -> None:
    """Remember where a resident lives, so the next report need not ask."""
    person.community_id = building.community_id
    person.building_id = building.id
    if unit:
        person.unit = unit
    if room:
        person.room = room
    session.add(person)
