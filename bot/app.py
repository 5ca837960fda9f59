"""Wiring: the database, a channel adapter, update processing and the outbox sender."""

import asyncio
import logging
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.aiogram_channel import AiogramChannel
from bot.config import Settings
from bot.db import Sessions, make_engine, make_sessions, prepare_database
from bot.processing import Processor
from bot.ratelimit import FloodLimiter
from bot.sender import OutboxSender
from handlers.texts import Texts
from handlers.types import Effects, Incoming
from services.clock import Clock, SystemClock

log = logging.getLogger("gridbot.app")


class GridBot:
    """One running bot process (a replica): polls, processes, and drains the outbox."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None,
                 sending: bool = True) -> None:
        self.settings = settings
        self.sending = sending  # False: process updates but leave the outbox to other replicas
        self.clock = clock or SystemClock()
        self.engine: AsyncEngine | None = None
        self.sessions: Sessions | None = None
        self.channel = AiogramChannel(settings.bot_token, settings.telegram_api_base,
                                      polling_timeout=settings.polling_timeout_s)
        self.processor: Processor | None = None
        self.sender: OutboxSender | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Open the database, identify the bot and start polling and sending."""
        await prepare_database(self.settings)
        self.engine = make_engine(self.settings.database_url)
        self.sessions = make_sessions(self.engine)
        username = await self.channel.identify()
        self.processor = Processor(self.sessions, self.clock, Texts(self.settings.locale),
                                   ZoneInfo(self.settings.timezone), username)
        limiter = FloodLimiter(global_per_s=self.settings.send_rate_global_per_s,
                               group_per_min=self.settings.send_rate_group_per_min,
                               private_per_s=self.settings.send_rate_private_per_s)
        self.sender = OutboxSender(self.sessions, self.channel.transport, limiter)
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(self.channel.run_polling(self.handle, self._stop), name="polling")]
        if self.sending:
            self._tasks.append(asyncio.create_task(self.sender.run(self._stop), name="outbox"))
        log.info("gridbot started as @%s (%s)", username, self.channel.name)

    async def handle(self, incoming: Incoming) -> Effects | None:
        """Process one update and wake the sender for its replies."""
        assert self.processor is not None and self.sender is not None
        effects = await self.processor.process(incoming)
        if effects and effects.messages:
            self.sender.wake()
        return effects

    async def wait(self) -> None:
        """Run until stopped."""
        await asyncio.gather(*self._tasks)

    async def stop(self) -> None:
        """Stop polling and sending; unprocessed updates come again on the next start."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.channel.close()
        if self.engine is not None:
            await self.engine.dispose()
