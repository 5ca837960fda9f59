"""Webhook mode against the emulator: secret checks, processing before answering, health."""

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from sqlalchemy import func, select

from bot.aiogram_channel import AiogramChannel
from bot.app import GridBot
from bot.config import Settings
from bot.db import make_engine
from bot.ptb_channel import PtbChannel
from bot.webhook import SECRET_HEADER, Core, KeyedLocks, engine_probe, serve_webhook
from handlers.types import Effects, Incoming
from models import Case, ProcessedUpdate
from services.clock import FrozenClock
from tests.e2e.harness import RESIDENT, TOKEN, ZHANG, World, build_world

SECRET = "s3cret_webhook-token"
PATH = "/telegram/webhook"
FRAMEWORKS = [
    "ptb",
    pytest.param("aiogram", marks=pytest.mark.skipif(
        not hasattr(AiogramChannel, "feed_json"),
        reason="AiogramChannel.feed_json/set_webhook/delete_webhook not added yet")),
]


async def idle(core: Core, stop: asyncio.Event, failed: object = None) -> None:
    """Stands in for run_polling: in webhook mode updates arrive over HTTP."""
    await stop.wait()


async def never(incoming: Incoming) -> Effects | None:
    """A core that must not be reached."""
    raise AssertionError("nothing may be processed")


async def healthy() -> bool:
    """A database probe that always succeeds."""
    return True


@pytest.fixture(params=FRAMEWORKS)
async def hooked(request: pytest.FixtureRequest, database_url: str, clock: FrozenClock,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[World, Any]]:
    """The sample world with the bot answering webhook POSTs from the emulator."""
    world = await build_world(database_url, clock)
    bot = GridBot(world.settings(), clock=clock)
    if request.param == "ptb":
        await bot.channel.close()
        bot.channel = PtbChannel(TOKEN, world.fake.base_url)  # type: ignore[assignment]
    monkeypatch.setattr(bot.channel, "run_polling", idle)
    world.bot = bot
    await bot.start()
    assert bot.engine is not None
    server = await serve_webhook(bot.handle, bot.channel, secret=SECRET, port=0, path=PATH,
                                 db_ok=engine_probe(bot.engine), delete_on_stop=True)
    await server.register(f"http://127.0.0.1:{server.port}{PATH}")
    try:
        yield world, server
        assert world.fake.rejections == [], f"invalid Bot API calls: {world.fake.rejections}"
    finally:
        await server.stop()
        await world.stop_bot()
        await world.fake.stop()


async def count(world: World, model: type[Any]) -> int:
    """Rows in a table."""
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def report_update(update_id: int) -> dict[str, Any]:
    """A raw Telegram update: the resident reports a broken light privately."""
    user = {"id": RESIDENT.id, "is_bot": False, "first_name": "王", "last_name": "大爷"}
    return {"update_id": update_id, "message": {
        "message_id": 77, "date": 1_790_000_000, "chat": {"id": RESIDENT.id, "type": "private",
                                                          "first_name": "王"},
        "from": user, "text": "3号楼2单元楼道灯坏了"}}


async def test_a_report_comes_in_by_webhook_and_gets_its_receipt(
        hooked: tuple[World, Any]) -> None:
    world, _ = hooked
    assert world.fake.webhook_url.endswith(PATH)
    await world.say(RESIDENT, "3号楼2单元楼道灯坏了，晚上看不见")
    assert "#1" in world.last(RESIDENT.id).text and "张敏" in world.last(RESIDENT.id).text
    answer = await world.tap(ZHANG, ZHANG.id, "接单")
    assert "callback_query_id" in answer and "已接单" in world.last(RESIDENT.id).text
    assert len(world.fake.core.webhook.delivered) == 2
    assert not any(method == "getUpdates" for method, _ in world.fake.calls)


async def test_a_post_without_the_right_secret_changes_nothing(hooked: tuple[World, Any]) -> None:
    world, server = hooked
    world.fake.user_starts(RESIDENT)  # the hand-made update's private chat exists
    url = f"http://127.0.0.1:{server.port}{PATH}"
    async with ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(url, json=report_update(900), headers=headers) as resp:
                assert resp.status == 401
        assert (await count(world, Case), await count(world, ProcessedUpdate)) == (0, 0)
        assert world.fake.messages(RESIDENT.id) == []
        async with http.post(url, json=report_update(900), headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 200  # the same update with the secret is taken
    assert (await count(world, Case), await count(world, ProcessedUpdate)) == (1, 1)


async def test_a_failed_update_answers_500_and_telegram_sends_it_again(
        hooked: tuple[World, Any]) -> None:
    world, _ = hooked
    assert world.bot is not None and world.bot.engine is not None
    real, calls = world.bot.handle, []

    async def flaky(incoming: Any) -> Any:
        calls.append(incoming.update_id)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return await real(incoming)

    server = await serve_webhook(flaky, world.bot.channel, secret=SECRET, port=0, path=PATH,
                                 db_ok=engine_probe(world.bot.engine))
    try:
        await server.register(f"http://127.0.0.1:{server.port}{PATH}")
        await world.say(RESIDENT, "3号楼2单元楼道灯坏了")
        assert "#1" in world.last(RESIDENT.id).text
        assert len(calls) == 2 and calls[0] == calls[1]
        assert "500" in (world.fake.core.webhook.last_error_message or "")
    finally:
        await server.stop()


async def test_healthz_is_ok_with_the_database_up(hooked: tuple[World, Any]) -> None:
    _, server = hooked
    async with ClientSession() as http, http.get(f"http://127.0.0.1:{server.port}/healthz") as r:
        assert (r.status, await r.json()) == (200, {"status": "ok", "database": "ok"})


async def test_stopping_deletes_the_webhook(hooked: tuple[World, Any]) -> None:
    world, server = hooked
    await server.stop()
    assert world.fake.webhook_url == ""


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:////nonexistent-gridbot-dir/sub/x.db",
                                 "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"])
async def test_healthz_is_503_when_the_database_is_unreachable(url: str) -> None:
    engine = make_engine(url)
    channel = PtbChannel(TOKEN, "http://127.0.0.1:1")
    server = await serve_webhook(never, channel, secret=SECRET, port=0, path=PATH,
                                 db_ok=engine_probe(engine, timeout=2.0))
    try:
        async with ClientSession() as http, \
                http.get(f"http://127.0.0.1:{server.port}/healthz") as r:
            assert r.status == 503 and (await r.json())["database"] == "unreachable"
    finally:
        await server.stop()
        await channel.close()
        await engine.dispose()


async def test_a_bad_secret_setting_is_refused() -> None:
    channel = PtbChannel(TOKEN, "http://127.0.0.1:1")
    for secret in ("", "has space", "x" * 257):
        with pytest.raises(ValueError):
            await serve_webhook(never, channel, secret=secret, port=0, db_ok=healthy)


@pytest.mark.skipif("webhook_url" not in Settings.model_fields,
                    reason="the webhook settings are not wired into GridBot yet")
async def test_gridbot_runs_in_webhook_mode_from_its_settings(database_url: str,
                                                             clock: FrozenClock) -> None:
    world = await build_world(database_url, clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    world.extra_settings.update(
        framework="ptb", webhook_url=f"http://127.0.0.1:{port}{PATH}", webhook_secret=SECRET,
        webhook_host="127.0.0.1", webhook_port=port, webhook_delete_on_stop=True)
    try:
        bot = await world.start_bot()
        assert bot.channel.name == "ptb" and world.fake.webhook_url.endswith(PATH)
        await world.say(RESIDENT, "3号楼2单元楼道灯坏了，晚上看不见")
        assert "#1" in world.last(RESIDENT.id).text
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 200
        assert not any(method == "getUpdates" for method, _ in world.fake.calls)
        await world.stop_bot()
        assert world.fake.webhook_url == "" and world.fake.rejections == []
    finally:
        await world.stop_bot()
        await world.fake.stop()


async def test_the_same_persons_updates_never_run_at_once() -> None:
    locks, running, peak = KeyedLocks(), {"a": 0, "b": 0}, {"a": 0, "b": 0}
    order: list[str] = []

    async def job(key: str, name: str) -> None:
        async with locks.hold(key):
            running[key] += 1
            peak[key] = max(peak[key], running[key])
            order.append(name)
            await asyncio.sleep(0.02)
            running[key] -= 1

    await asyncio.gather(job("a", "a1"), job("a", "a2"), job("b", "b1"), job("a", "a3"))
    assert peak == {"a": 1, "b": 1} and len(locks) == 0
    assert [n for n in order if n.startswith("a")] == ["a1", "a2", "a3"]
    assert order.index("b1") < order.index("a2")  # another person does not wait
