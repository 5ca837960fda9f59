"""Updates that fail before the conversations can run (the library cannot parse one, or the
adapter breaks on it): each attempt is recorded with the raw JSON and the error; after a few
attempts the update is skipped, an admin is told, and everything after it flows, across
restarts. A database that cannot be reached is never a reason to skip."""

import logging
import traceback
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from handlers.payloads import CastBallot
from handlers.texts import Texts
from models import FailedUpdate
from services import directory, outbox
from services.clock import Clock
from services.outgoing import Message
from services.updates import claim_update

log = logging.getLogger("gridbot.quarantine")
MAX_ATTEMPTS = 3
TELL_ADMINS_EVERY = timedelta(hours=1)  # a storm of broken updates is one message, not many
OUTAGES = (sa_exc.DBAPIError, sa_exc.TimeoutError, ConnectionError, OSError)
Failed = Callable[[int, dict[str, Any], BaseException], Awaitable[bool]]
# Button data never kept with the presser: a ballot's option (votes are secret, issue 17).
SECRET_BUTTONS = (f"{CastBallot.prefix}:", f"{CastBallot.prefix}~")


def without_secrets(raw: dict[str, Any]) -> dict[str, Any]:
    """The raw update as it may be stored: a secret button's data replaced by its prefix."""
    query = raw.get("callback_query")
    if not isinstance(query, dict):
        return raw
    data = query.get("data")
    if not isinstance(data, str) or not data.startswith(SECRET_BUTTONS):
        return raw
    return {**raw, "callback_query": {**query, "data": data[:len(CastBallot.prefix)] + "…"}}


class Quarantine:
    """Counts an update's failed attempts in the database and says when to skip it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, texts: Texts,
                 *, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.sessions, self.clock, self.texts = sessions, clock, texts
        self.max_attempts = max_attempts

    async def failed(self, update_id: int, raw: dict[str, Any], error: BaseException) -> bool:
        """Record one failed attempt; True when the update is now to be skipped."""
        if isinstance(error, OUTAGES):
            return False  # the database or the network is away: the update is fine, retry it
        try:
            async with self.sessions() as session, session.begin():
                return await self._record(session, update_id, raw, error)
        except Exception as exc:  # cannot even record it: keep retrying, skip nothing
            log.warning("failed update %s not recorded: %r", update_id, exc)
            return False

    async def _record(self, session: AsyncSession, update_id: int, raw: dict[str, Any],
                      error: BaseException) -> bool:
        now = self.clock.now()
        text = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
        row = await session.get(FailedUpdate, update_id)
        if row is None:
            row = FailedUpdate(update_id=update_id, raw=without_secrets(raw), error=text,
                               first_at=now, last_at=now)
            session.add(row)
        row.attempts += 1
        row.error, row.last_at = text, now
        if row.attempts < self.max_attempts:
            return False
        row.skipped_at = now
        # A redelivery of it is then a no-op like any processed update.
        await claim_update(session, update_id=update_id, at=now)
        recent = await session.execute(
            select(func.count()).select_from(FailedUpdate).where(
                col(FailedUpdate.skipped_at) >= now - TELL_ADMINS_EVERY,
                col(FailedUpdate.update_id) != update_id))
        if not recent.scalar_one():
            told = self.texts("admin.update_skipped", update_id=update_id, error=text[:300])
            for admin in await directory.admins(session):
                if admin.telegram_id:
                    outbox.enqueue(session, chat_id=admin.telegram_id, at=now,
                                   priority=outbox.REPLY, payload=Message(told).to_json())
        log.error("update %s skipped after %s failed attempts: %s", update_id, row.attempts, text,
                  extra={"update_id": update_id})
        return True
