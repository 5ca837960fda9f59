"""End-to-end fixtures: a running bot against the emulator on a fresh database."""

from collections.abc import AsyncIterator

import pytest

from services.clock import FrozenClock
from tests.e2e.harness import World, build_world


@pytest.fixture(params=["aiogram", "ptb"])
async def world(
    request: pytest.FixtureRequest, database_url: str, clock: FrozenClock
) -> AsyncIterator[World]:
    """The emulator, the sample community and a running bot, under each channel adapter;
    no rejected Bot API call allowed."""
    w = await build_world(database_url, clock, framework=request.param)
    await w.start_bot()
    try:
        yield w
        assert w.fake.rejections == [], f"the bot made invalid Bot API calls: {w.fake.rejections}"
    finally:
        await w.stop_bot()
        await w.fake.stop()
