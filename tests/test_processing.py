"""The transaction rule for one update: its claim, its changes and its replies commit together;
a refusal undoes the attempt but still records the update and sends the polite answer."""

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot import processing
from bot.db import Sessions
from bot.processing import Processor
from handlers.context import Context
from handlers.texts import Texts
from handlers.types import Incoming, Sender
from models import ConversationState, OutboxMessage, Person, ProcessedUpdate
from services.clock import FrozenClock
from services.errors import DomainError


def _processor(sessions: Sessions, clock: FrozenClock) -> Processor:
    return Processor(sessions, clock, Texts("zh"), ZoneInfo("Asia/Shanghai"), "gridbot_bot")


def _private(update_id: int, text: str = "你好") -> Incoming:
    return Incoming(update_id=update_id, chat_id=5550001, chat_type="private",
                    sender=Sender(id=5550001, name="新居民"), text=text, message_id=update_id)


async def _count(sessions: Sessions, model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_refusal_undoes_the_attempt_but_records_the_update_and_the_answer(
    sessions: Sessions, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def writes_then_refuses(ctx: Context) -> None:
        await ctx.wait("intake.building", {"text": "楼道灯坏了"})  # a change to be undone
        ctx.reply("抱歉，这一步现在做不了。")
        raise DomainError("case.not_allowed")

    monkeypatch.setattr(processing, "handle", writes_then_refuses)
    processor = _processor(sessions, clock)

    effects = await processor.process(_private(901))
    assert effects is not None
    assert [m.text for m in effects.messages] == ["抱歉，这一步现在做不了。"]
    assert await _count(sessions, ConversationState) == 0  # the attempt left nothing behind
    assert await _count(sessions, ProcessedUpdate) == 1
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        person = (await session.execute(
            select(Person).where(col(Person.telegram_id) == 5550001))).scalar_one()
    assert [(r.chat_id, r.payload["text"]) for r in rows] == [(5550001, "抱歉，这一步现在做不了。")]
    assert person.private_chat_at is not None  # first contact is still registered

    assert await processor.process(_private(901)) is None  # a redelivery changes nothing
    assert await _count(sessions, OutboxMessage) == 1


async def test_the_replies_of_an_update_are_queued_in_order_with_its_changes(
    sessions: Sessions, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def three_replies(ctx: Context) -> None:
        await ctx.wait("intake.building", {"text": "楼道灯坏了"})
        for n in range(3):
            ctx.send(5550002 + n, f"第{n + 1}条")

    monkeypatch.setattr(processing, "handle", three_replies)
    await _processor(sessions, clock).process(_private(902))
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))
                ).scalars().all()
    assert [(r.chat_id, r.payload["text"]) for r in rows] == [
        (5550002, "第1条"), (5550003, "第2条"), (5550004, "第3条")]
    assert all(r.sent_at is None and r.attempts == 0 and r.lease_until is None for r in rows)
    assert await _count(sessions, ConversationState) == 1
