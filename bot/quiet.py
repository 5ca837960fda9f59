"""Waiting until the bot has nothing left to do: every update processed, every message sent.
Used by the demo and the end-to-end tests."""

import asyncio

from bot.app import GridBot
from sandbox import FakeTelegram
from services.outbox import pending_count

LOOK_S = 0.01  # between two looks: the wait ends within this of the bot falling quiet
CALM_LOOKS = 2  # idle looks in a row that end the wait


async def busy(fake: FakeTelegram, bot: GridBot) -> bool:
    """Tell whether updates or messages are still on their way."""
    if fake.pending_updates() > 0:
        return True
    if bot.sender is not None:
        # What was sent is recorded now rather than after the records' linger: the wait is for
        # the bot's work, not for its batching (which only saves commits under traffic).
        bot.sender.records.hurry_all()
    assert bot.sessions is not None
    async with bot.sessions() as session:
        return await pending_count(session) > 0


async def wait_until_quiet(fake: FakeTelegram, bot: GridBot, timeout: float = 10.0) -> None:
    """Wait until the bot stays idle for two looks in a row. One idle look already means done:
    an update is confirmed only after it is processed and its replies are committed to the
    outbox, and a message counts as sent only once recorded; the second look is a margin."""
    loop = asyncio.get_running_loop()
    deadline, calm = loop.time() + timeout, 0
    while calm < CALM_LOOKS:
        if loop.time() > deadline:
            raise AssertionError("the bot did not settle in time")
        calm = 0 if await busy(fake, bot) else calm + 1
        if calm < CALM_LOOKS:
            await asyncio.sleep(LOOK_S)
