"""Small helpers that build a world in the database for service tests."""

from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, CaseKind, Person, Urgency
from services import directory
from services.cases import NewReport, Reported, report_case
from services.clock import Clock
from services.structure_import import import_structure
from tests.conftest import example_structure


async def load_sample(session: AsyncSession) -> None:
    """Import the sample sub-district (玉兰 and 桥西 communities)."""
    await import_structure(session, example_structure())


async def person(session: AsyncSession, telegram_id: int, name: str = "居民") -> Person:
    """Return (creating if needed) the person with this Telegram id."""
    return await directory.ensure_person(session, telegram_id=telegram_id, name=name)


async def building(session: AsyncSession, number: str) -> Building:
    """Return the sample building with this number."""
    (found,) = await directory.buildings_numbered(session, number)
    return found


async def make_case(
    session: AsyncSession, clock: Clock, *, reporter: Person, number: str | None = "3",
    kind: CaseKind = CaseKind.REPAIR, text: str = "楼道灯坏了",
) -> Reported:
    """Report a case in a sample building."""
    where = await building(session, number) if number else None
    report = NewReport(text=text, kind=kind, urgency=Urgency.NORMAL,
                       community_id=where.community_id if where else None, building=where)
    return await report_case(session, clock=clock, reporter=reporter, report=report)
