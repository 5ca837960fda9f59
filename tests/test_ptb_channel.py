"""The same bot on python-telegram-bot: the whole repair loop through the emulator, and the
transport's mapping of Telegram's answers."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.ptb_channel import PtbChannel, PtbTransport
from bot.sender import Delivery
from handlers.types import Effects, Incoming
from sandbox import FakeTelegram
from services.clock import FrozenClock
from tests.e2e.harness import RESIDENT, TOKEN, ZHANG, World, build_world


@pytest.fixture
async def ptb_world(database_url: str, clock: FrozenClock) -> AsyncIterator[World]:
    """The emulator, the sample community and the bot running on PTB."""
    w = await build_world(database_url, clock, framework="ptb")
    await w.start_bot()
    try:
        yield w
        assert w.fake.rejections == [], f"the bot made invalid Bot API calls: {w.fake.rejections}"
    finally:
        await w.stop_bot()
        await w.fake.stop()


async def test_the_bot_runs_on_ptb(ptb_world: World) -> None:
    assert ptb_world.bot is not None and ptb_world.bot.channel.name == "ptb"
    assert ptb_world.bot.channel.username == "gridbot_test_bot"
    assert ptb_world.bot.channel.bot_id == ptb_world.fake.bot_id


async def test_a_pressed_button_is_answered_once_on_ptb(ptb_world: World) -> None:
    await ptb_world.say(RESIDENT, "3号楼2单元楼道灯坏了")
    answer = await ptb_world.tap(ZHANG, ZHANG.id, "接单")
    assert set(answer) >= {"callback_query_id"}
    assert len(answer.get("text", "")) <= 200


class RaisingBot:
    """Stands in for telegram.Bot: every call raises the given error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        """Fail like Telegram would."""
        raise self.error

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> None:
        """Fail like Telegram would."""
        raise self.error


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("timedeltas", ["false", "true"])
@pytest.mark.parametrize(("error", "edit", "expected"), [
    (lambda: RetryAfter(7), None, Delivery("retry", retry_after=7.0)),
    (lambda: RetryAfter(timedelta(seconds=3)), None, Delivery("retry", retry_after=3.0)),
    (lambda: Forbidden("Forbidden: bot was blocked by the user"), None, Delivery("failed")),
    (lambda: BadRequest("Bad Request: chat not found"), None, Delivery("failed")),
    (lambda: BadRequest("Bad Request: message is not modified: same"), 42, Delivery("sent", 42)),
    (lambda: TimedOut(), None, Delivery("retry", retry_after=2.0)),
    (lambda: NetworkError("Bad Gateway"), None, Delivery("retry", retry_after=2.0)),
])
async def test_telegram_answers_map_to_deliveries(
    error: Callable[[], Exception], edit: int | None, expected: Delivery, timedeltas: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", timedeltas)  # retry_after: int, or timedelta when "true"
    transport = PtbTransport(RaisingBot(error()))  # type: ignore[arg-type]
    got = await transport.deliver(1, {"text": "hi", "buttons": [], "edit_message_id": edit})
    assert (got.status, got.message_id, got.retry_after) == (
        expected.status, expected.message_id, expected.retry_after)
    assert got.status == "sent" or got.error


async def test_real_refusals_from_the_emulator_map_to_deliveries() -> None:
    async with FakeTelegram(token=TOKEN) as fake:
        channel = PtbChannel(TOKEN, fake.base_url)
        try:
            await channel.identify()
            fake.user_starts(RESIDENT)
            payload: dict[str, Any] = {"text": "你好", "buttons": [[{"text": "好", "data": "x"}]]}
            sent = await channel.transport.deliver(RESIDENT.id, payload)
            assert sent.status == "sent" and sent.message_id
            same = await channel.transport.deliver(
                RESIDENT.id, {**payload, "edit_message_id": sent.message_id})
            assert (same.status, same.message_id) == ("sent", sent.message_id)
            reply = await channel.transport.deliver(
                RESIDENT.id, {"text": "回复", "reply_to_message_id": 999_999})
            assert reply.status == "sent"
            fake.user_blocks_bot(RESIDENT)
            blocked = await channel.transport.deliver(RESIDENT.id, payload)
            assert blocked.status == "failed" and "blocked" in blocked.error
        finally:
            await channel.close()


async def test_an_update_whose_processing_fails_is_kept_and_tried_again() -> None:
    seen: list[tuple[int, str]] = []

    async def flaky(incoming: Incoming) -> Effects | None:
        seen.append((incoming.update_id, incoming.text))
        if len(seen) == 1:
            raise ConnectionError("database went away")  # PTB would swallow this
        return None

    async with FakeTelegram(token=TOKEN) as fake:
        channel, stop = PtbChannel(TOKEN, fake.base_url, polling_timeout=1), asyncio.Event()
        await channel.identify()
        polling = asyncio.create_task(channel.run_polling(flaky, stop))
        try:
            fake.user_sends(RESIDENT, "楼道灯坏了")
            await fake.wait_for(lambda: len(seen) == 2, timeout=10)
            assert seen[0] == seen[1] and seen[0][1] == "楼道灯坏了"
            await fake.wait_for(lambda: fake.pending_updates() == 0, timeout=5)
        finally:
            stop.set()
            await polling
            await channel.close()
