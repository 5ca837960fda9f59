"""Residents: the address they are remembered at, and residents registered on their behalf."""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Building, Person
from services.errors import DomainError
from services.personal_data import normalize_phone

NO_PHONE = {"无", "没有", "-", "no", "none"}


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


class Registration(NamedTuple):
    """The resident on file, and whether this registration created them."""

    person: Person
    created: bool


def valid_phone(phone: str | None) -> str | None:
    """The phone as stored (13912345678, 021-61234567), None for none; refuse anything else."""
    if phone is None or phone.strip().lower() in NO_PHONE:
        return None
    stored = normalize_phone(phone)
    if stored is None:
        raise DomainError("register.bad_phone", phone=phone.strip()[:24])
    return stored


async def same_resident(
    session: AsyncSession, *, name: str, phone: str | None, building: Building | None,
    unit: str | None, room: str | None,
) -> Person | None:
    """Someone already on file as this resident: the same phone, or the same name at the same
    flat."""
    if phone:
        found = await session.execute(select(Person).where(col(Person.phone) == phone).limit(1))
        if (person := found.scalars().first()) is not None:
            return person
    if building is None or not room:
        return None
    found = await session.execute(select(Person).where(
        col(Person.name) == name, col(Person.building_id) == building.id,
        col(Person.unit) == unit, col(Person.room) == room).limit(1))
    return found.scalars().first()


async def register_on_behalf(
    session: AsyncSession, *, registered_by: Person, name: str, phone: str | None,
    building: Building | None, unit: str | None, room: str | None, care: list[str] | None = None,
    again: bool = False,
) -> Registration:
    """Register a resident who has no Telegram (an elderly neighbour, say) so that cases can be
    reported and followed up for them; `registered_by` is the worker or manager doing it. The
    phone must be a real number; a resident already on file is returned instead of a second
    record, unless `again` says this is someone else of the same name."""
    name, phone = name.strip(), valid_phone(phone)
    if not again:
        existing = await same_resident(session, name=name, phone=phone, building=building,
                                       unit=unit, room=room)
        if existing is not None:
            return Registration(existing, created=False)
    person = Person(name=name, phone=phone, registered_by_id=registered_by.id,
                    care=list(care or []))
    if building is not None:
        await remember_address(session, person=person, building=building, unit=unit, room=room)
    session.add(person)
    await session.flush()
    return Registration(person, created=True)
