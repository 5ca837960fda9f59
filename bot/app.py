"""Wiring: the database, a channel adapter, update processing and the outbox sender."""

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import sqlcount
from bot.config import Settings
from bot.db import Sessions, make_engine, make_sessions, prepare_database
from bot.leader import Leadership
from bot.processing import Processor
from bot.quarantine import Quarantine
from bot.ratelimit import FloodLimiter
from bot.sender import OutboxSender, wall_clock
from bot.startup import StartingHealth, identify_with_retry
from bot.unreachable import Unreachable
from bot.webhook import WebhookServer, engine_probe, serve_webhook
from handlers.texts import Texts
from handlers.types import Effects, Incoming
from scheduler.env import JobEnv
from scheduler.setup import build_scheduler
from services.clock import Clock, SystemClock
from services.intake_model import model as intake_model

if TYPE_CHECKING:
    from bot.aiogram_channel import AiogramChannel
    from bot.ptb_channel import PtbChannel

log = logging.getLogger("gridbot.app")


def make_channel(settings: Settings) -> "AiogramChannel | PtbChannel":
    """The channel adapter the settings ask for; only its library is imported (aiogram's types
    alone take about 150 MB of memory)."""
    if settings.framework == "ptb":
        from bot.ptb_channel import PtbChannel
        return PtbChannel(settings.bot_token, settings.telegram_api_base,
                          polling_timeout=settings.polling_timeout_s)
    from bot.aiogram_channel import AiogramChannel
    return AiogramChannel(settings.bot_token, settings.telegram_api_base,
                          polling_timeout=settings.polling_timeout_s)


class GridBot:
    """One running bot process (a replica): polls, processes, and drains the outbox."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None,
                 sending: bool = True, delivery_clock: Clock | None = None) -> None:
        self.settings = settings
        self.sending = sending  # False: process updates but leave the outbox to other replicas
        self.clock = clock or SystemClock()
        # Delivery timing runs on the real clock, except in the demo, whose clock jumps forward.
        self.delivery_clock = delivery_clock
        self.engine: AsyncEngine | None = None
        self.sessions: Sessions | None = None
        self.channel: AiogramChannel | PtbChannel = make_channel(settings)
        self.webhook: WebhookServer | None = None
        self.processor: Processor | None = None
        self.sender: OutboxSender | None = None
        self.quarantine: Quarantine | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.leadership: Leadership | None = None
        self.jobs: JobEnv | None = None  # what the scheduled jobs run with
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Open the database, identify the bot and start polling and sending."""
        await prepare_database(self.settings)
        self.engine = make_engine(self.settings.database_url)
        sqlcount.install(self.engine)  # only when the bench asks (SQL_COUNTS)
        self.sessions = make_sessions(self.engine)
        username = await self._identify()
        texts = Texts(self.settings.locale)
        self.jobs = jobs = JobEnv.from_settings(self.settings, sessions=self.sessions,
                                                clock=self.clock, texts=texts,
                                                bot_username=username)
        limiter = FloodLimiter(global_per_s=self.settings.send_rate_global_per_s,
                               group_per_min=self.settings.send_rate_group_per_min,
                               private_per_s=self.settings.send_rate_private_per_s)
        self.quarantine = Quarantine(self.sessions, self.clock, texts)
        self.sender = OutboxSender(self.sessions, self.channel.transport, limiter,
                                   lease_s=self.settings.outbox_lease_s,
                                   on_failed=Unreachable(texts),
                                   clock=self.delivery_clock.now if self.delivery_clock
                                   else wall_clock)
        # A sending process hands each update's replies to its own sender after the commit.
        self.processor = Processor(self.sessions, self.clock, texts,
                                   self.settings.timezone, username,
                                   deadlines=jobs.rules.policy,
                                   voice=jobs.timing.voice_rules(),
                                   sender=self.sender if self.sending else None)
        self.scheduler = build_scheduler(sessions=self.sessions, clock=self.clock,
                                         tz=self.settings.timezone, env=jobs)
        self.scheduler.start(paused=True)
        self.leadership = Leadership(self.engine, poll_s=self.settings.leader_poll_s,
                                     on_gain=self._lead, on_loss=self._follow)
        self._stop.clear()
        # Read the intake model (1 MB of JSON, about 40 ms) before the first update, not while
        # the first resident after a restart waits, who may be reporting an emergency.
        intake_model()
        s = self.settings
        if s.webhook_url:
            self.webhook = await serve_webhook(
                self.handle, self.channel, secret=s.webhook_secret,
                db_ok=engine_probe(self.engine), host=s.webhook_host, port=s.webhook_port,
                path=s.webhook_path, public_url=s.webhook_url if s.webhook_register else None,
                drop_pending_updates=s.webhook_drop_pending,
                delete_on_stop=s.webhook_delete_on_stop,
                status=lambda: {"leader": self.leadership.is_leader if self.leadership else False},
                failed=self._failed)
        self._tasks = [] if self.webhook else [
            asyncio.create_task(self.channel.run_polling(self.handle, self._stop, self._failed),
                                name="polling")]
        if self.sending:
            self._tasks.append(asyncio.create_task(self.sender.run(self._stop), name="outbox"))
        self._tasks.append(asyncio.create_task(self.leadership.run(self._stop), name="leader"))
        log.info("gridbot started as @%s (%s, %s)", username, self.channel.name,
                 "webhook" if self.webhook else "polling")

    async def _identify(self) -> str:
        """getMe, retried until Telegram answers; in webhook mode /healthz says why we wait."""
        s = self.settings
        health = StartingHealth() if s.webhook_url else None
        if health is not None:
            await health.start(s.webhook_host, s.webhook_port)
        try:
            return await identify_with_retry(
                self.channel.identify, api_base=s.telegram_api_base,
                on_wait=lambda reason: setattr(health, "reason", reason) if health else None)
        finally:
            if health is not None:
                await health.stop()

    async def _failed(self, update_id: int, raw: dict[str, Any], error: BaseException) -> bool:
        """An update failed outside the processor: record it; True to skip it for good."""
        assert self.quarantine is not None
        skipped = await self.quarantine.failed(update_id, raw, error)
        if skipped and self.sender is not None:
            self.sender.wake()
        return skipped

    async def _lead(self) -> None:
        if self.scheduler is not None:
            self.scheduler.resume()

    async def _follow(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()

    async def handle(self, incoming: Incoming) -> Effects | None:
        """Process one update and wake the sender for its replies."""
        assert self.processor is not None and self.sender is not None
        effects = await self.processor.process(incoming)
        if effects and effects.messages and self.processor.sender is None:
            self.sender.wake()  # the processor hands its replies to a sender of this process
        return effects

    async def wait(self) -> None:
        """Run until stopped."""
        await asyncio.gather(*self._tasks)

    async def stop(self) -> None:
        """Stop polling and sending; unprocessed updates come again on the next start."""
        self._stop.set()
        if self.webhook is not None:  # finish the updates in flight while the database is up
            await self.webhook.stop()
            self.webhook = None
        if self.sender is not None:
            self.sender.wake()  # let the sender finish its batch instead of dying mid-transaction
        sending = [t for t in self._tasks if t.get_name() == "outbox"]
        if sending:
            await asyncio.wait(sending, timeout=3.0)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.channel.close()
        if self.engine is not None:
            await self.engine.dispose()
