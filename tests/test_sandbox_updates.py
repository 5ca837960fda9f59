"""Updates reach the bot like on Telegram: long polling, webhooks; flood limits and latency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from sandbox import FakeTelegram
from tests.test_sandbox_support import ALICE, GROUP_ID, api, started_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = await started_fake()
    yield fake
    await fake.stop()


class Receiver:
    """A local webhook endpoint that records what it receives."""

    def __init__(self, respond: Callable[[int], web.Response] | None = None) -> None:
        self.requests: list[tuple[dict[str, Any], str | None]] = []
        self.respond = respond or (lambda n: web.json_response({}))
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((await request.json(),
                              request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return self.respond(len(self.requests))

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_long_polling_wakes_as_soon_as_an_update_arrives(fake: FakeTelegram) -> None:
    poll = asyncio.create_task(api(fake, "getUpdates", json={"timeout": 60}))
    await fake.wait_for(lambda: fake.core.queue.polls == 1)  # the poll waits
    assert not poll.done()
    fake.user_sends(ALICE, "在吗")
    status, body = await asyncio.wait_for(poll, 30)  # woken by the update, not its 60 s
    assert status == 200
    assert body["result"][0]["message"]["text"] == "在吗"


async def test_long_polling_returns_empty_after_its_timeout(fake: FakeTelegram) -> None:
    started = time.monotonic()
    status, body = await api(fake, "getUpdates", data={"timeout": "1"})
    assert (status, body["result"]) == (200, [])
    assert 0.9 < time.monotonic() - started < 2


async def test_offset_confirms_updates_and_they_are_forgotten(fake: FakeTelegram) -> None:
    for text in ("一", "二", "三"):
        fake.user_sends(ALICE, text)
    _, body = await api(fake, "getUpdates", json={"limit": 2})
    ids = [u["update_id"] for u in body["result"]]
    assert len(ids) == 2 and ids[1] == ids[0] + 1
    assert fake.pending_updates() == 3  # nothing confirmed yet
    _, body = await api(fake, "getUpdates", json={"offset": ids[1] + 1})
    assert [u["message"]["text"] for u in body["result"]] == ["三"]
    assert fake.pending_updates() == 1
    _, body = await api(fake, "getUpdates", json={"offset": ids[0]})
    assert [u["message"]["text"] for u in body["result"]] == ["三"]  # confirmed ones are gone


async def test_negative_offset_keeps_only_the_last_updates(fake: FakeTelegram) -> None:
    for text in ("一", "二", "三"):
        fake.user_sends(ALICE, text)
    _, body = await api(fake, "getUpdates", json={"offset": -1})
    assert [u["message"]["text"] for u in body["result"]] == ["三"]
    assert fake.pending_updates() == 1


async def test_a_second_poller_terminates_the_first_with_409(fake: FakeTelegram) -> None:
    first = asyncio.create_task(api(fake, "getUpdates", json={"timeout": 5}))
    await fake.wait_for(lambda: fake.core.queue.polls == 1)  # the first one waits
    second = asyncio.create_task(api(fake, "getUpdates", json={"timeout": 5}))
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    fake.user_sends(ALICE, "hi")
    assert (await asyncio.wait_for(second, 2))[0] == 200


async def test_allowed_updates_drops_later_updates_of_other_kinds(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "受理", "callback_data": "a"}]]}
    _, sent = await api(fake, "sendMessage",
                        json={"chat_id": GROUP_ID, "text": "工单", "reply_markup": markup})
    await api(fake, "getUpdates", json={"allowed_updates": ["callback_query"]})
    fake.user_sends(ALICE, "ignored")
    fake.user_presses(ALICE, GROUP_ID, sent["result"]["message_id"], "a")
    _, body = await api(fake, "getUpdates")
    assert [list(u)[1] for u in body["result"]] == ["callback_query"]


async def test_get_updates_conflicts_with_an_active_webhook(fake: FakeTelegram) -> None:
    async with Receiver() as receiver:
        assert (await api(fake, "setWebhook", json={"url": receiver.url}))[0] == 200
        status, body = await api(fake, "getUpdates")
        assert status == 409
        assert body["description"] == (
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first")
        assert (await api(fake, "deleteWebhook"))[0] == 200
        assert (await api(fake, "getUpdates"))[0] == 200


async def test_webhook_receives_updates_in_order_with_the_secret_header(fake: FakeTelegram) -> None:
    async with Receiver() as receiver:
        await api(fake, "setWebhook", data={"url": receiver.url, "secret_token": "s3cr3t-T0ken"})
        fake.user_sends(ALICE, "一")
        fake.user_sends(ALICE, "二")
        await fake.wait_for(lambda: len(receiver.requests) == 2, timeout=2)
        assert [r[0]["message"]["text"] for r in receiver.requests] == ["一", "二"]
        assert {r[1] for r in receiver.requests} == {"s3cr3t-T0ken"}
        assert fake.pending_updates() == 0
        _, info = await api(fake, "getWebhookInfo")
        assert info["result"]["url"] == receiver.url
        assert info["result"]["pending_update_count"] == 0


async def test_webhook_retries_until_the_bot_accepts(fake: FakeTelegram) -> None:
    def flaky(n: int) -> web.Response:
        return web.Response(status=500) if n < 3 else web.json_response({})

    async with Receiver(flaky) as receiver:
        await api(fake, "setWebhook", json={"url": receiver.url})
        fake.user_sends(ALICE, "重要")
        await fake.wait_for(lambda: fake.pending_updates() == 0, timeout=3)
        assert [r[0]["message"]["text"] for r in receiver.requests] == ["重要"] * 3
        _, info = await api(fake, "getWebhookInfo")
        assert "500" in info["result"]["last_error_message"]


async def test_webhook_keeps_updates_while_the_bot_is_unreachable(fake: FakeTelegram) -> None:
    await api(fake, "setWebhook", json={"url": "http://127.0.0.1:9/unreachable"})
    fake.user_sends(ALICE, "还在吗")
    await asyncio.sleep(0.1)
    assert fake.pending_updates() == 1
    await api(fake, "deleteWebhook")
    _, body = await api(fake, "getUpdates")
    assert body["result"][0]["message"]["text"] == "还在吗"


async def test_method_in_a_webhook_response_is_executed(fake: FakeTelegram) -> None:
    def reply(n: int) -> web.Response:
        return web.json_response({"method": "sendMessage", "chat_id": ALICE.id, "text": "收到"})

    async with Receiver(reply) as receiver:
        await api(fake, "setWebhook", json={"url": receiver.url})
        fake.user_sends(ALICE, "报修")
        msg = await fake.wait_for_message(ALICE.id, contains="收到", timeout=2)
        assert msg.text == "收到"


async def test_webhook_must_point_at_localhost(fake: FakeTelegram) -> None:
    status, body = await api(fake, "setWebhook", json={"url": "https://example.com/hook"})
    assert status == 400 and "only to" in body["description"]


async def test_drop_pending_updates_forgets_the_queue(fake: FakeTelegram) -> None:
    fake.user_sends(ALICE, "旧消息")
    await api(fake, "deleteWebhook", json={"drop_pending_updates": True})
    assert fake.pending_updates() == 0


async def test_flood_limits_answer_429_with_retry_after() -> None:
    fake = await started_fake(flood_limits=True)
    try:
        statuses = [(await api(fake, "sendMessage", json={"chat_id": ALICE.id, "text": str(i)}))
                    for i in range(4)]
        assert [s for s, _ in statuses] == [200, 200, 200, 429]
        body = statuses[3][1]
        assert body["parameters"]["retry_after"] >= 1
        assert isinstance(body["parameters"]["retry_after"], int)
        assert body["description"].startswith("Too Many Requests: retry after ")
        assert fake.rejections == [] and len(fake.throttled) == 1
        group = [(await api(fake, "sendMessage", json={"chat_id": GROUP_ID, "text": str(i)}))[0]
                 for i in range(21)]
        assert group.count(429) == 1 and group[-1] == 429
    finally:
        await fake.stop()


async def test_no_429_when_flood_limits_are_off(fake: FakeTelegram) -> None:
    for i in range(40):
        status, _ = await api(fake, "sendMessage", json={"chat_id": ALICE.id, "text": str(i)})
        assert status == 200
    assert fake.throttled == []


async def test_latency_delays_every_call() -> None:
    fake = await started_fake(latency=0.2)
    try:
        started = time.monotonic()
        await api(fake, "getMe")
        assert time.monotonic() - started >= 0.2
    finally:
        await fake.stop()


async def test_stop_ends_a_pending_long_poll(fake: FakeTelegram) -> None:
    poll = asyncio.create_task(api(fake, "getUpdates", json={"timeout": 30}))
    await fake.wait_for(lambda: fake.core.queue.polls == 1)
    await asyncio.wait_for(fake.stop(), 2)
    status, body = await asyncio.wait_for(poll, 2)
    assert (status, body["result"]) == (200, [])
