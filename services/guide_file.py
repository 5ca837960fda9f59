"""The structure file's guide entries (street-wide and per community), written on import."""

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Community, GuideEntry, GuideQuestion, Street
from services.structure_people import Tally
from services.structure_schema import GuideEntryFile, StructureFile


async def sync_guide(
    session: AsyncSession, tally: Tally, structure: StructureFile, street: Street,
    communities: dict[str, Community],
) -> int:
    """Create or update the file's entries; remove the file's earlier entries it no longer
    lists (entries added by chat stay). Return how many entries the file has."""
    wanted: dict[tuple[int | None, str], GuideEntryFile] = {
        (communities[e.community].id if e.community else None, e.name): e
        for e in structure.guide}
    found = await session.scalars(select(GuideEntry).where(col(GuideEntry.street_id) == street.id))
    rows = {(row.community_id, row.name): row for row in found}
    for key, item in wanted.items():
        values: dict[str, Any] = {
            "keywords": list(item.keywords), "who": item.who, "bring": item.bring,
            "place": item.where, "phone": item.phone, "link": item.link, "source": "file"}
        if key in rows:
            tally.sync(rows[key], **values)
        else:
            tally.add(GuideEntry(street_id=street.id or 0, community_id=key[0], name=key[1],
                                 **values))
    for key, row in rows.items():
        if key not in wanted and row.source == "file":
            await session.execute(update(GuideQuestion)
                                  .where(col(GuideQuestion.entry_id) == row.id)
                                  .values(entry_id=None))
            await session.delete(row)
            tally.removed += 1
    return len(wanted)
