"""Media kept with cases: residents' photos, voice messages and map points with a report, and a
worker's photos of the finished work (处理后照片). Telegram keeps the files; we keep file_ids."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import asin, cos, radians, sin, sqrt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Building, CaseMedia

MAX_PER_CASE = 30  # photos and voices one case keeps (a flood of them helps nobody)
REPORT, PROOF = "report", "proof"


@dataclass(frozen=True, slots=True)
class Item:
    """One photo, voice or location, before it belongs to a case."""

    kind: str  # "photo", "voice", "location"
    file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    album: str | None = None


async def keep(
    session: AsyncSession, *, case_id: int, added_by_id: int, items: Iterable[Item],
    purpose: str = REPORT, at: datetime,
) -> int:
    """Attach items to a case (up to the per-case limit); return how many were kept."""
    room = MAX_PER_CASE - await count(session, case_id)
    kept = 0
    for item in items:
        if kept >= room:
            break
        session.add(CaseMedia(case_id=case_id, kind=item.kind, purpose=purpose,
                              file_id=item.file_id, latitude=item.latitude,
                              longitude=item.longitude, album=item.album,
                              added_by_id=added_by_id, created_at=at))
        kept += 1
    await session.flush()
    return kept


async def count(session: AsyncSession, case_id: int) -> int:
    """How many media items a case holds."""
    found = await session.execute(select(func.count()).select_from(CaseMedia)
                                  .where(col(CaseMedia.case_id) == case_id))
    return int(found.scalar_one())


async def of_case(session: AsyncSession, case_id: int, purpose: str | None = None
                  ) -> Sequence[CaseMedia]:
    """A case's media in the order they came, optionally only the report's or the proof."""
    query = select(CaseMedia).where(col(CaseMedia.case_id) == case_id)
    if purpose is not None:
        query = query.where(col(CaseMedia.purpose) == purpose)
    return (await session.execute(query.order_by(col(CaseMedia.id)))).scalars().all()


async def album_of(session: AsyncSession, *, person_id: int, album: str) -> CaseMedia | None:
    """The first kept photo of an album this person sent (its case and purpose), if any."""
    found = await session.execute(
        select(CaseMedia).where(col(CaseMedia.added_by_id) == person_id,
                                col(CaseMedia.album) == album)
        .order_by(col(CaseMedia.id)).limit(1))
    return found.scalars().first()


async def proof_counts(session: AsyncSession, case_ids: Sequence[int]) -> dict[int, int]:
    """How many proof-of-work photos each case has (cases without any are left out)."""
    if not case_ids:
        return {}
    found = await session.execute(
        select(col(CaseMedia.case_id), func.count()).where(
            col(CaseMedia.case_id).in_(case_ids), col(CaseMedia.purpose) == PROOF,
            col(CaseMedia.kind) == "photo")
        .group_by(col(CaseMedia.case_id)))
    return {int(case_id): int(n) for case_id, n in found.all()}


NEAR_METRES = 300.0  # further than this, a building is not "where the location is"


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance between two points on Earth (haversine)."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(h))


async def nearest_building(
    session: AsyncSession, *, latitude: float, longitude: float, community_id: int | None = None,
) -> Building | None:
    """The building nearest a shared location, if one with coordinates stands within
    NEAR_METRES (in the given community, when known)."""
    query = select(Building).where(col(Building.latitude).is_not(None),
                                   col(Building.longitude).is_not(None))
    if community_id is not None:
        query = query.where(col(Building.community_id) == community_id)
    best: tuple[float, Building] | None = None
    for building in (await session.execute(query)).scalars():
        assert building.latitude is not None and building.longitude is not None
        d = metres((latitude, longitude), (building.latitude, building.longitude))
        if d <= NEAR_METRES and (best is None or d < best[0]):
            best = (d, building)
    return best[1] if best else None
