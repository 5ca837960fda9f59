"""The structure file's partner organisations (共建单位), written on import: the file is their
only source, so those no longer listed are removed."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Community, Partner, Street
from services.structure_people import Tally
from services.structure_schema import StructureFile


async def sync_partners(
    session: AsyncSession, tally: Tally, structure: StructureFile, street: Street,
    communities: dict[str, Community],
) -> int:
    """Create, update or remove the street's partners to match the file; return how many."""
    wanted = {(communities[p.community].id if p.community else None, p.name): p
              for p in structure.partners}
    found = await session.scalars(select(Partner).where(col(Partner.street_id) == street.id))
    rows = {(row.community_id, row.name): row for row in found}
    for key, item in wanted.items():
        values = {"offers": list(item.offers), "contact": item.contact, "phone": item.phone}
        if key in rows:
            tally.sync(rows[key], **values)
        else:
            tally.add(Partner(street_id=street.id or 0, community_id=key[0], name=key[1],
                              offers=list(item.offers), contact=item.contact, phone=item.phone))
    for key, row in rows.items():
        if key not in wanted:
            await session.delete(row)
            tally.removed += 1
    return len(wanted)
