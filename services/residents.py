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


CARE_KINDS = ("elderly_alone", "disabled", "low_income")


async def register_on_behalf(
    session: AsyncSession, *, registered_by: Person, name: str, phone: str | None,
    building: Building | None, unit: str | None, room: str | None, care: list[str] | None = None,
) -> Person:
    """Register a resident who has no Telegram (an elderly neighbour, say) so that cases can be
    reported and followed up for them; `registered_by` is the worker or manager doing it."""
    person = Person(name=name.strip(), phone=phone, registered_by_id=registered_by.id,
                    care=list(care or []))
    if building is not None:
        await remember_address(session, person=person, building=building, unit=unit, room=room)
    session.add(person)
    await session.flush()
    return person
