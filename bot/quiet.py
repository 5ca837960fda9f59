"""Waiting until the bot has nothing left to do: every update processed, every message sent.
Used by the demo and the end-to-end tests."""

import asyncio

from bot.app import GridBot
from sandbox import FakeTelegram
from services.outbox import pending_count


async def busy(fake: FakeTelegram, bot: GridBot) -> bool:
    """Tell whether updates or messages are still on their way."""
    if fake.pending_updates() > 0:
        return True
    assert bot.sessions is not None
    async with bot.sessions() as session:
        return await pending_count(session) > 0


async def wait_until_quiet(fake: FakeTelegram, bot: GridBot, timeout: float = 10.0) -> None:
    """Wait until the bot stays idle for a few polls in a row."""
    loop = asyncio.get_running_loop()
    deadline, calm = loop.time() + timeout, 0
    while calm < 3:
        if loop.time() > deadline:
            raise AssertionError("the bot did not settle in time")
        calm = 0 if await busy(fake, bot) else calm + 1
        await asyncio.sleep(0.03)
