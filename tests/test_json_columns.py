"""JSON columns (outbox payloads, activity data, …) round-trip through the engine's codec:
orjson for what it can encode, json for the rest, on both databases."""

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.db import json_text
from models import OutboxMessage
from tests.conftest import Sessions


async def test_payloads_come_back_as_stored(sessions: Sessions) -> None:
    payloads: list[dict[Any, Any]] = [
        {"text": "3号楼2单元楼道灯坏了 🆘", "rows": [[{"text": "接单", "data": "a:1"}]]},
        {"text": "x", "big": 2**70},  # beyond 64 bits: json writes it
        {1: "a key that is not a string"},  # json writes it as "1"
        {"text": "a lone surrogate \ud800 (json writes it, orjson cannot read it back)"},
    ]
    async with sessions() as session, session.begin():
        rows = [OutboxMessage(chat_id=-100, payload=p) for p in payloads]
        session.add_all(rows)
    async with sessions() as session:
        stored = (await session.execute(
            select(col(OutboxMessage.payload)).order_by(col(OutboxMessage.id)))).scalars().all()
    assert stored == [payloads[0], payloads[1], {"1": "a key that is not a string"}, payloads[3]]


def test_the_text_is_compact_utf8() -> None:
    assert json_text({"text": "楼道灯"}) == '{"text":"楼道灯"}'
    assert json_text({2: 1}) == '{"2": 1}'
