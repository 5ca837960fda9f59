"""Staff the bot cannot write to (they never pressed Start, or blocked the bot): when a message
to one fails for good, their managers and the sub-district admins are told at once (once an hour
per person), and the person counts as unreachable for routing until they write again."""

import logging
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from handlers.texts import Texts
from models import OutboxMessage, Person, Role, StaffRole
from services import directory, outbox
from services.outgoing import Message

log = logging.getLogger("gridbot.unreachable")
TELL_EVERY_S = 3600.0


class Unreachable:
    """The sender's hook for messages that failed for good."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self._told: dict[int, float] = {}

    async def __call__(self, session: AsyncSession, row: OutboxMessage, error: str) -> None:
        """A message to row.chat_id failed for good: if it was for staff, say so."""
        if row.chat_id < 0:
            return  # a group
        person = await directory.person_by_telegram(session, row.chat_id)
        if person is None or person.id is None:
            return
        roles = (await session.execute(select(StaffRole).where(
            col(StaffRole.person_id) == person.id))).scalars().all()
        if not roles:
            return
        person.private_chat_at = None  # routing now prefers reachable colleagues
        now = time.monotonic()
        if now - self._told.get(person.id, -TELL_EVERY_S) < TELL_EVERY_S:
            return
        self._told[person.id] = now
        communities = {r.community_id for r in roles if r.community_id is not None}
        told: dict[int, Person] = {}
        for community_id in communities:
            for manager in await directory.people_with_role(session, Role.MANAGER,
                                                            community_id=community_id):
                told[manager.id or 0] = manager
        for admin in await directory.admins(session):
            told[admin.id or 0] = admin
        text = self.texts("staff.unreachable", name=person.name,
                          case=f"#{row.case_id}" if row.case_id else "-")
        at = row.created_at
        for manager in told.values():
            if manager.telegram_id and manager.id != person.id:
                outbox.enqueue(session, chat_id=manager.telegram_id, at=at,
                               priority=outbox.REPLY, payload=Message(text).to_json())
        log.warning("staff %s cannot be reached (%s): %s told", person.id, error, len(told))
