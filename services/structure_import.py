"""`gridbot import-structure FILE.yaml`: read the sub-district's structure and write it to the DB.

load_structure() parses and validates without touching the database; import_structure() then
creates or updates rows in the caller's transaction, so a bad file changes nothing.
"""

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.enums import Role
from models.structure import Building, Community, Grid, GroupChat, Person, StaffRole, Street
from services.guide_file import sync_guide
from services.partner_file import sync_partners
from services.structure_checks import Slot, slots, validate
from services.structure_people import Tally, match_people, plan, sync_roles
from services.structure_schema import StructureFile
from services.structure_yaml import StructureError, read_yaml

M = TypeVar("M", Community, Grid)
# The roles a structure file lists; any other role (added by other features) is not ours to remove.
FILE_ROLES = [Role.ADMIN, Role.MANAGER, Role.MEDIATOR, Role.VOLUNTEER, Role.WORKER]

__all__ = ["ImportReport", "StructureError", "StructureFile", "import_structure", "load_structure"]


@dataclass(frozen=True)
class ImportReport:
    """What an import found in the file and what it did to the rows it touched."""

    communities: int
    grids: int
    buildings: int
    people: int
    roles: int
    group_chats: int
    created: int
    updated: int
    unchanged: int
    removed: int = 0  # StaffRole rows of people no longer in the file
    guide_entries: int = field(default=0, compare=False)  # services of the file's guide
    # Volunteers whose own skills (set with /skills) differ from the file's and were kept.
    kept_skills: int = field(default=0, compare=False)

    def summary(self) -> str:
        """Describe the import in one short line for the office."""
        return (
            f"导入完成：{self.communities} 个社区、{self.grids} 个网格、{self.buildings} 栋楼、"
            f"{self.group_chats} 个群、{self.people} 人、{self.roles} 个角色；"
            f"新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}，"
            f"移除角色 {self.removed}；办事指南 {self.guide_entries} 项"
            + (f"；保留志愿者自己填的技能 {self.kept_skills} 人" if self.kept_skills else "")
        )


def load_structure(text: str, *, source: str = "structure.yaml") -> StructureFile:
    """Parse and validate a structure file; raise StructureError naming line and field."""
    return validate(read_yaml(text, source))


async def import_structure(session: AsyncSession, structure: StructureFile) -> ImportReport:
    """Create or update the file's rows in the session's transaction (the caller commits)."""
    tally = Tally(session)
    street = await _street(session, tally, structure)
    communities = await _by_code(session, tally, Community, {
        c.code: {"name": c.name, "street_id": street.id} for c in structure.communities
    })
    grids = await _by_code(session, tally, Grid, {
        g.code: {"name": g.name, "community_id": communities[c.code].id}
        for c in structure.communities for g in c.grids
    })
    await _buildings(session, tally, structure, communities, grids)
    await _group_chats(session, tally, structure, communities)
    guide = Tally(session)  # counted apart: the guide is not the structure's rows
    guide_entries = await sync_guide(session, guide, structure, street, communities)
    await sync_partners(session, guide, structure, street, communities)

    def role_ids(slot: Slot) -> dict[str, Any]:
        if slot.role is Role.ADMIN:
            return {"street_id": street.id, "community_id": None, "grid_id": None}
        grid = grids[slot.grid].id if slot.grid else None
        return {"street_id": None, "community_id": communities[slot.community or ""].id,
                "grid_id": grid}

    people = plan(list(slots(structure)), role_ids)
    held = await _roles_in_street(session, street)
    rows = await match_people(session, tally, people, held)
    roles = await sync_roles(session, tally, people, rows, held)
    return ImportReport(
        communities=len(structure.communities),
        grids=len(grids),
        buildings=sum(len(g.buildings) for c in structure.communities for g in c.grids),
        people=len(people),
        roles=roles,
        group_chats=sum(len(c.group_chats) for c in structure.communities),
        created=tally.created, updated=tally.updated, unchanged=tally.unchanged,
        removed=tally.removed, guide_entries=guide_entries, kept_skills=tally.kept_skills,
    )


def _id(row: Community | Grid) -> int:
    """Return the id of a flushed row."""
    if row.id is None:  # cannot happen after flush; the check narrows the type
        raise RuntimeError(f"{row!r} was not flushed")
    return row.id


async def _street(session: AsyncSession, tally: Tally, structure: StructureFile) -> Street:
    entry = structure.street
    street = await session.scalar(select(Street).where(col(Street.name) == entry.name))
    lines = [{"name": line.name, "number": line.number} for line in entry.emergency_lines]
    if street is None:
        street = tally.add(Street(name=entry.name, timezone=entry.timezone,
                                  emergency_lines=lines))
        await session.flush()
    else:
        tally.sync(street, timezone=entry.timezone, emergency_lines=lines)
    return street


async def _by_code(
    session: AsyncSession, tally: Tally, model: type[M], wanted: dict[str, dict[str, Any]]
) -> dict[str, M]:
    """Upsert rows identified by their unique code; a rename keeps the same row."""
    found = await session.scalars(select(model).where(col(model.code).in_(list(wanted))))
    rows: dict[str, M] = {row.code: row for row in found}
    for code, values in wanted.items():
        if code in rows:
            tally.sync(rows[code], **values)
        else:
            rows[code] = tally.add(model(code=code, **values))
    await session.flush()  # the children below need the ids
    return rows


async def _buildings(
    session: AsyncSession, tally: Tally, structure: StructureFile,
    communities: dict[str, Community], grids: dict[str, Grid],
) -> None:
    ids = [_id(c) for c in communities.values()]
    found = await session.scalars(select(Building).where(col(Building.community_id).in_(ids)))
    rows = {(b.community_id, b.number): b for b in found}
    # Buildings left out of the file stay: cases refer to them.
    for com in structure.communities:
        community_id = _id(communities[com.code])
        for grid in com.grids:
            grid_id = _id(grids[grid.code])
            for number in grid.buildings:
                row = rows.get((community_id, number))
                place = grid.locations.get(number)
                lat, lon = (place.lat, place.lon) if place else (None, None)
                if row is None:
                    new = Building(community_id=community_id, grid_id=grid_id, number=number,
                                   latitude=lat, longitude=lon)
                    rows[(community_id, number)] = tally.add(new)
                else:
                    tally.sync(row, grid_id=grid_id, latitude=lat, longitude=lon)


async def _group_chats(
    session: AsyncSession, tally: Tally, structure: StructureFile,
    communities: dict[str, Community],
) -> None:
    wanted = {
        chat: _id(communities[c.code]) for c in structure.communities for chat in c.group_chats
    }
    query = select(GroupChat).where(col(GroupChat.chat_id).in_(list(wanted)))
    found = await session.scalars(query)
    rows = {g.chat_id: g for g in found}
    for chat_id, community_id in wanted.items():
        if chat_id in rows:
            # The title is learnt by the bot from Telegram, so the import leaves it alone.
            tally.sync(rows[chat_id], community_id=community_id)
        else:
            tally.add(GroupChat(chat_id=chat_id, community_id=community_id))


async def _roles_in_street(session: AsyncSession, street: Street) -> list[tuple[StaffRole, Person]]:
    """Load every role the file is the authority for: the whole street, all its communities."""
    await session.flush()
    community_ids = select(col(Community.id)).where(col(Community.street_id) == street.id)
    grid_ids = select(col(Grid.id)).where(col(Grid.community_id).in_(community_ids))
    result = await session.execute(
        select(StaffRole, Person)
        .join(Person, col(Person.id) == col(StaffRole.person_id))
        .where(col(StaffRole.role).in_([r.value for r in FILE_ROLES]))
        .where(or_(
            col(StaffRole.street_id) == street.id,
            col(StaffRole.community_id).in_(community_ids),
            col(StaffRole.grid_id).in_(grid_ids),
        ))
        .order_by(col(StaffRole.id))
    )
    return [(role, person) for role, person in result]
