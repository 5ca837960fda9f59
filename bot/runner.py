"""Running the bot in production until a signal stops it."""

import asyncio
import signal

from bot.app import GridBot
from bot.config import Settings


async def run_forever(settings: Settings) -> int:
    """Start the bot and stop it cleanly on SIGINT or SIGTERM."""
    bot = GridBot(settings)
    await bot.start()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    await stopped.wait()
    await bot.stop()
    return 0
