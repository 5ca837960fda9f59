"""Scheduled job: tell managers how their community notices are getting on."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import announcements
from services.clock import Clock

PROGRESS_EVERY_S = 5  # often enough to watch, rare enough not to crowd the manager's chat


async def report_notice_progress(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Edit each running notice's progress message and announce the finished ones."""
    async with sessions() as session, session.begin():
        return await announcements.report_progress(session, now=clock.now())
