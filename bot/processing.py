"""Processing one update exactly once: claim its id, run the conversation, queue the replies,
all in one transaction."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from bot import sqlcount
from bot.db import keep_loaded
from bot.sender import OutboxSender
from handlers.context import Context
from handlers.router import handle
from handlers.texts import Texts
from handlers.types import CallbackAnswer, Effects, Incoming, Message, Outgoing
from models import Case, CaseKind, OutboxMessage, Person
from models.construct import new_row
from services import outbox
from services.clock import Clock
from services.deadlines import DeadlinePolicy
from services.directory import claim_and_ensure_person, ensure_person
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
    # The outbox sender of this process: replies are queued leased to it and handed to it right
    # after the commit (no lease transaction); None leaves them to whichever sender leases them.
    sender: OutboxSender | None = None

    async def process(self, incoming: Incoming) -> Effects | None:
        """Handle one update; None when it was already processed (a redelivery)."""
        try:
            return await self._process(incoming)
        except Exception:
            log.exception("update failed", extra={"update_id": incoming.update_id})
            return await self._apologise(incoming)

    async def _process(self, incoming: Incoming) -> Effects | None:
        if sqlcount.COUNTER is not None:
            sqlcount.COUNTER.begin_update(incoming)
        ctx: Context | None = None
        queued: list[OutboxMessage] = []
        try:
            async with self.sessions() as session, session.begin():
                keep_loaded(session)
                now = self.clock.now()
                # The claim and "who is this" (one statement on PostgreSQL).
                me = await claim_and_ensure_person(
                    session, update_id=incoming.update_id, at=now,
                    telegram_id=incoming.sender.id, name=incoming.sender.name,
                    private_chat_at=now if incoming.is_private else None,
                    chat_id=incoming.chat_id)
                if me is None:
                    log.info("duplicate update skipped", extra={"update_id": incoming.update_id})
                    return None
                ctx = Context(session=session, clock=self.clock, texts=self.texts, tz=self.tz,
                              bot_username=self.bot_username, incoming=incoming, me=me,
                              deadlines=self.deadlines, voice=self.voice)
                await handle(ctx)
                queued = await self._queue(session, ctx.effects, now, incoming)
            self._hand_off(queued, ctx.effects)
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
                                   private_chat_at=now if incoming.is_private else None,
                                   chat_id=incoming.chat_id)

    async def _record(self, incoming: Incoming, effects: Effects, *, person: bool) -> bool:
        """Claim the update and queue its replies, without running it again; False when it was
        already processed."""
        async with self.sessions() as session, session.begin():
            now = self.clock.now()
            if not await claim_update(session, update_id=incoming.update_id, at=now):
                return False
            if person:  # first contact still registers the resident, as a processed update does
                await self._person(session, incoming, now)
            queued = await self._queue(session, effects, now, incoming)
        self._hand_off(queued, effects)
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

    async def _queue(self, session: AsyncSession, effects: Effects, now: datetime,
                     incoming: Incoming) -> list[OutboxMessage]:
        """Queue the update's replies in its transaction; with a sender in this process, those
        that come out leased to it (returned) go to it once the transaction commits."""
        if not effects.messages:
            return []
        urgent = await emergency_cases(session, {m.case_id for m in effects.messages
                                                 if m.case_id is not None})
        rows: list[dict[str, Any]] = [
            {"chat_id": m.chat_id, "payload": m.to_payload(), "at": now, "case_id": m.case_id,
             "priority": priority(m, incoming, urgent)} for m in effects.messages]
        sender = self.sender
        if sender is None:
            await outbox.enqueue_all(session, rows)
            return []
        leased_at = sender.clock()
        queued = await outbox.enqueue_all(session, rows, lease_owner=sender.owner,
                                          now=leased_at, lease_s=sender.lease_s)
        until = leased_at + timedelta(seconds=sender.lease_s)
        return [new_row(OutboxMessage, id=q.id, chat_id=m.chat_id, payload=r["payload"],
                        case_id=m.case_id, priority=r["priority"], created_at=now,
                        lease_owner=sender.owner, lease_until=until)
                for q, r, m in zip(queued, rows, effects.messages, strict=True) if q.leased]

    def _hand_off(self, leased: list[OutboxMessage], effects: Effects) -> None:
        """After the commit: give the sender what was leased to it; wake it for the rest."""
        if self.sender is None:
            return
        if leased:
            self.sender.adopt(leased)
        if len(leased) < len(effects.messages):
            self.sender.wake()


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
