"""Processing one update exactly once: claim its id, run the conversation, queue the replies,
all in one transaction."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from bot.db import keep_loaded
from handlers.context import Context
from handlers.router import handle
from handlers.texts import Texts
from handlers.types import CallbackAnswer, Effects, Incoming, Message, Outgoing
from models import Case, CaseKind, Person
from services import outbox
from services.clock import Clock
from services.deadlines import DeadlinePolicy
from services.directory import ensure_person
from services.errors import DomainError
from services.updates import claim_update
from services.voice_rules import VoiceRules

log = logging.getLogger("gridbot.processing")


@dataclass
class Processor:
    """Runs updates through the handlers with the project's transaction rules."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    texts: Texts
    tz: ZoneInfo
    bot_username: str
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    voice: VoiceRules = field(default_factory=VoiceRules)

    async def process(self, incoming: Incoming) -> Effects | None:
        """Handle one update; None when it was already processed (a redelivery)."""
        try:
            return await self._process(incoming)
        except Exception:
            log.exception("update failed", extra={"update_id": incoming.update_id})
            return await self._apologise(incoming)

    async def _process(self, incoming: Incoming) -> Effects | None:
        ctx: Context | None = None
        try:
            async with self.sessions() as session, session.begin():
                keep_loaded(session)
                now = self.clock.now()
                if not await claim_update(session, update_id=incoming.update_id, at=now):
                    log.info("duplicate update skipped", extra={"update_id": incoming.update_id})
                    return None
                me = await self._person(session, incoming, now)
                ctx = Context(session=session, clock=self.clock, texts=self.texts, tz=self.tz,
                              bot_username=self.bot_username, incoming=incoming, me=me,
                              deadlines=self.deadlines, voice=self.voice)
                await handle(ctx)
                await self._queue(session, ctx.effects, now, incoming)
        except DomainError as refusal:
            # The whole attempt was rolled back (cheaper than a savepoint on every update, and
            # refusals are rare); record the update and send the polite refusal in ctx.effects.
            log.info("refused", extra={"update_id": incoming.update_id, "key": refusal.key})
            assert ctx is not None  # only handle() refuses
            if not await self._record(incoming, ctx.effects, person=True):
                return None
        cases = sorted({m.case_id for m in ctx.effects.messages if m.case_id is not None})
        case_id = cases[0] if len(cases) == 1 else (cases or None)
        log.info("update processed", extra={"update_id": incoming.update_id, "case_id": case_id})
        return ctx.effects

    async def _person(self, session: AsyncSession, incoming: Incoming, now: datetime) -> Person:
        return await ensure_person(session, telegram_id=incoming.sender.id,
                                   name=incoming.sender.name,
                                   private_chat_at=now if incoming.is_private else None)

    async def _record(self, incoming: Incoming, effects: Effects, *, person: bool) -> bool:
        """Claim the update and queue its replies, without running it again; False when it was
        already processed."""
        async with self.sessions() as session, session.begin():
            now = self.clock.now()
            if not await claim_update(session, update_id=incoming.update_id, at=now):
                return False
            if person:  # first contact still registers the resident, as a processed update does
                await self._person(session, incoming, now)
            await self._queue(session, effects, now, incoming)
        return True

    async def _apologise(self, incoming: Incoming) -> Effects | None:
        """Record a failing update as processed and say sorry, so it cannot loop forever."""
        effects = Effects()
        if incoming.is_button:
            effects.answer = CallbackAnswer(self.texts("error.generic"), alert=True)
        elif incoming.is_private:
            effects.messages.append(Outgoing(incoming.chat_id,
                                             Message(self.texts("error.generic"))))
        return effects if await self._record(incoming, effects, person=False) else None

    @staticmethod
    async def _queue(session: AsyncSession, effects: Effects, now: datetime,
                     incoming: Incoming) -> None:
        urgent = await emergency_cases(session, {m.case_id for m in effects.messages
                                                 if m.case_id is not None})
        await outbox.enqueue_all(session, [
            {"chat_id": m.chat_id, "payload": m.to_payload(), "at": now, "case_id": m.case_id,
             "priority": priority(m, incoming, urgent)}
            for m in effects.messages])


def priority(message: Outgoing, incoming: Incoming, emergencies: set[int]) -> int:
    """Emergencies first; then the answer to the person who just acted, in their private chat
    (in a group, the answer keeps its place among the group's messages)."""
    if message.case_id in emergencies:
        return outbox.URGENT
    if message.chat_id == incoming.chat_id and incoming.is_private:
        return outbox.REPLY
    return outbox.NORMAL


async def emergency_cases(session: AsyncSession, case_ids: set[int]) -> set[int]:
    """Which of these cases are emergencies (read from the session when it holds them)."""
    if not case_ids:
        return set()
    found: set[int] = set()
    missing: set[int] = set()
    for case_id in case_ids:
        case = session.identity_map.get(identity_key(Case, case_id))
        if isinstance(case, Case):
            if case.kind == CaseKind.EMERGENCY:
                found.add(case_id)
        else:
            missing.add(case_id)
    if missing:
        rows = await session.execute(select(col(Case.id)).where(
            col(Case.id).in_(missing), col(Case.kind) == CaseKind.EMERGENCY))
        found.update(int(i) for i in rows.scalars() if i is not None)
    return found
