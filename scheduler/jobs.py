"""Scheduled jobs: each opens a session, calls a service, and commits."""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clock import Clock
from services.updates import forget_processed_before

log = logging.getLogger("gridbot.jobs")

# Telegram keeps undelivered updates for at most 24 hours, so a month of ids is ample protection
# against redelivery while keeping the table from growing forever.
KEEP_PROCESSED_UPDATES = timedelta(days=30)


async def prune_processed_updates(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Forget processed update ids older than a month; return how many went."""
    async with sessions() as session, session.begin():
        removed = await forget_processed_before(session, clock.now() - KEEP_PROCESSED_UPDATES)
    log.info("pruned processed updates", extra={"removed": removed})
    return removed
