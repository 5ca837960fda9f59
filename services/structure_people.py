"""Match the people of a structure file to Person rows, and their roles to StaffRole rows."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.structure import Person, StaffRole
from services.structure_checks import Slot
from services.structure_schema import MediatorEntry, VolunteerEntry

T = TypeVar("T")

# The scope columns of a role; the remaining role columns are its attributes.
SCOPE = ("role", "street_id", "community_id", "grid_id")
# Where a volunteer's skills came from: the file seeds them; the volunteer's own /skills wins.
FROM_FILE, FROM_CHAT = "file", "chat"


class Tally:
    """Counts rows as the import creates, updates, leaves alone or removes them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.created = self.updated = self.unchanged = self.removed = 0
        self.kept_skills = 0  # volunteers' own skills (set in chat) the file did not overwrite

    def add(self, row: T) -> T:
        """Add a new row to the session."""
        self.session.add(row)
        self.created += 1
        return row

    def sync(self, row: Any, **values: Any) -> None:
        """Set the given columns, counting the row as updated only if one really changed."""
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class Planned:
    """One person of the file with every role they hold in it."""

    name: str
    telegram_id: int | None
    phone_given: bool = False  # an omitted phone keeps the stored one; `phone: null` clears it
    phone: str | None = None
    roles: list[dict[str, Any]] = field(default_factory=list)


def plan(
    slots: Sequence[Slot], role_ids: Callable[[Slot], dict[str, Any]]
) -> list[Planned]:
    """Group the file's person entries by identity; role_ids(slot) gives the scope columns."""
    people: dict[tuple[str, int | str], Planned] = {}
    for slot in slots:
        entry = slot.entry
        person = people.setdefault(slot.identity, Planned(entry.name, entry.telegram_id))
        if "phone" in entry.model_fields_set and (not person.phone_given or entry.phone):
            person.phone_given, person.phone = True, entry.phone
        tier = entry.tier.value if isinstance(entry, MediatorEntry) else None
        volunteer = entry if isinstance(entry, VolunteerEntry) else None
        person.roles.append({
            "role": slot.role.value, **role_ids(slot), "tier": tier,
            "party_member": volunteer.party_member if volunteer else False,
            "skills": list(volunteer.skills) if volunteer else [],
            "skills_source": FROM_FILE if volunteer and volunteer.skills else None,
        })
    return list(people.values())


async def match_people(
    session: AsyncSession, tally: Tally, people: list[Planned], held: list[tuple[StaffRole, Person]]
) -> list[Person]:
    """Find or create the Person row of each planned person (same order); never deletes one."""
    wanted = [p.telegram_id for p in people if p.telegram_id is not None]
    found = await session.scalars(select(Person).where(col(Person.telegram_id).in_(wanted)))
    by_account = {row.telegram_id: row for row in found}
    rows: list[Person | None] = [by_account.get(p.telegram_id) for p in people]
    taken = {row.id for row in rows if row is not None}
    # Without a Telegram match, a person is the same name already holding the same role: first
    # in exactly the same place, then anywhere in the same community (a worker who moved grid).
    for scope in (SCOPE, SCOPE[:3]):
        for i, person in enumerate(people):
            match = None if rows[i] is not None else _held_by(person, held, scope, taken)
            if match is not None:
                rows[i] = match
                taken.add(match.id)
    result: list[Person] = []
    for person, row in zip(people, rows, strict=True):
        values: dict[str, Any] = {"name": person.name}
        if person.telegram_id is not None:
            values["telegram_id"] = person.telegram_id
        if person.phone_given:
            values["phone"] = person.phone
        if row is None:
            row = tally.add(Person(**values))
        else:
            tally.sync(row, **values)
        result.append(row)
    await session.flush()
    return result


def _held_by(
    person: Planned, held: list[tuple[StaffRole, Person]], scope: tuple[str, ...], taken: set[Any]
) -> Person | None:
    for want in person.roles:
        for role, row in held:
            if row.id in taken or row.name != person.name:
                continue
            # A row linked to another Telegram account is somebody else with the same name.
            if person.telegram_id is not None and row.telegram_id is not None:
                continue
            if all(getattr(role, column) == want[column] for column in scope):
                return row
    return None


async def sync_roles(
    session: AsyncSession, tally: Tally, people: list[Planned], rows: list[Person],
    held: list[tuple[StaffRole, Person]],
) -> int:
    """Make the StaffRole rows match the file: update in place, add, remove; return the count."""
    existing: dict[tuple[Any, ...], list[StaffRole]] = defaultdict(list)
    for role, _ in held:
        existing[(role.person_id, *(getattr(role, c) for c in SCOPE))].append(role)
    leftover: list[tuple[int, dict[str, Any]]] = []
    for person, row in zip(people, rows, strict=True):
        assert row.id is not None  # flushed by match_people
        for want in person.roles:
            same = existing[(row.id, *(want[c] for c in SCOPE))]
            if same:
                _sync_role(tally, same.pop(0), want)
            else:
                leftover.append((row.id, want))
    # A role that changed place (worker to another grid, manager to another community) keeps
    # its row, and with it on_leave and its id, instead of being removed and re-created.
    spare: dict[tuple[int, str], list[StaffRole]] = defaultdict(list)
    for roles in existing.values():
        for role in roles:
            spare[(role.person_id, role.role)].append(role)
    for person_id, want in leftover:
        moved = spare[(person_id, want["role"])]
        if moved:
            _sync_role(tally, moved.pop(0), want)
        else:
            tally.add(StaffRole(person_id=person_id, **want))
    for roles in spare.values():
        for role in roles:
            await session.delete(role)  # the person keeps their Person row and history
            tally.removed += 1
    await session.flush()
    return sum(len(p.roles) for p in people)


def _sync_role(tally: Tally, role: StaffRole, want: dict[str, Any]) -> None:
    """Update a role from the file, keeping skills the volunteer set in chat (/skills): the file
    seeds a volunteer's skills, the volunteer's own edit wins afterwards."""
    if role.skills_source == FROM_CHAT:
        if sorted(want["skills"]) != sorted(role.skills):
            tally.kept_skills += 1
        want = {k: v for k, v in want.items() if k not in ("skills", "skills_source")}
    tally.sync(role, **want)
