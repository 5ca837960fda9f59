"""Shared helpers for the sandbox tests (no tests in here)."""

from __future__ import annotations

from typing import Any

import aiohttp

from sandbox import FakeTelegram, FakeUser

TOKEN = "123456:TEST"
GROUP_ID = -1001000000001
ALICE = FakeUser(id=5001, first_name="王", last_name="大爷", language_code="zh-hans")
BOB = FakeUser(id=5002, first_name="李", username="li_si", language_code="zh-hans")


async def api(fake: FakeTelegram, method: str, *, json: Any = None, data: Any = None,
              params: dict[str, str] | None = None, http: str = "POST",
              token: str = TOKEN) -> tuple[int, dict[str, Any]]:
    """Call the emulator over real HTTP; returns (status, decoded JSON body)."""
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}/bot{token}/{method}"
        async with session.request(http, url, json=json, data=data, params=params) as resp:
            return resp.status, await resp.json()


def inline_keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    """A one-row InlineKeyboardMarkup."""
    return {"inline_keyboard": [list(buttons)]}


async def started_fake(**kwargs: Any) -> FakeTelegram:
    """A running emulator with one group and Alice having started the bot."""
    fake = FakeTelegram(token=TOKEN, bot_username="gridbot_test_bot", **kwargs)
    await fake.start()
    fake.add_group(GROUP_ID, "玉兰社区3号楼群", bot_is_admin=True)
    fake.user_starts(ALICE)
    return fake
