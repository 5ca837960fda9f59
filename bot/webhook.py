"""Webhook mode on aiohttp for either channel: secret-checked, processed before answering."""

import asyncio
import contextlib
import hmac
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels import Core, Failed
from handlers.payloads import TakeEmergency

log = logging.getLogger("gridbot.webhook")
DbProbe = Callable[[], Awaitable[bool]]
Status = Callable[[], dict[str, Any]]  # extra fields for /healthz, e.g. {"leader": true}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts


class WebhookChannel(Protocol):
    """What webhook mode needs from a channel adapter (AiogramChannel or PtbChannel)."""

    name: str

    async def feed_json(self, data: dict[str, Any], core: Core) -> None:
        """Process one raw update with the core; raise if it could not be processed."""

    async def set_webhook(self, url: str, secret: str, drop_pending_updates: bool) -> None:
        """Ask Telegram to POST updates to url with the secret header."""

    async def delete_webhook(self) -> None:
        """Ask Telegram to stop posting updates."""


def engine_probe(engine: AsyncEngine, timeout: float = 3.0) -> DbProbe:
    """Return a db_ok() that runs SELECT 1 on the engine within timeout seconds."""
    async def db_ok() -> bool:
        try:
            async with asyncio.timeout(timeout), engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.warning("database health check failed: %r", exc)
            return False
    return db_ok


def update_priority(data: dict[str, Any]) -> int:
    """Which updates go first when many wait: an emergency (/sos, or taking one), then anything
    in a private chat, then group chatter."""
    message, query = data.get("message"), data.get("callback_query")
    if isinstance(message, dict):
        text = message.get("text")
        if isinstance(text, str) and text.lower().startswith("/sos"):
            return 2
        return 1 if (message.get("chat") or {}).get("type") == "private" else 0
    if isinstance(query, dict):
        sos_ack = str(query.get("data") or "").startswith(  # 我来处理 on an emergency
            (f"{TakeEmergency.prefix}:", f"{TakeEmergency.prefix}~"))
        return 2 if sos_ack else 1
    return 0


def update_key(data: dict[str, Any]) -> tuple[int, int]:
    """The (chat, user) a raw update belongs to; a button's chat is its message's chat."""
    query, message = data.get("callback_query"), data.get("message")
    if isinstance(query, dict):
        user = (query.get("from") or {}).get("id", 0)
        return ((query.get("message") or {}).get("chat") or {}).get("id", user), user
    if isinstance(message, dict):
        return (message.get("chat") or {}).get("id", 0), (message.get("from") or {}).get("id", 0)
    return 0, int(data.get("update_id", 0))


class KeyedLocks:
    """One FIFO lock per key, forgotten once nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Run the block while no other block with the same key runs."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def build_webhook_app(core: Core, channel: WebhookChannel, *, path: str, secret: str,
                      db_ok: DbProbe, status: Status | None = None,
                      failed: Failed | None = None) -> web.Application:
    """The aiohttp application: POST path takes updates, GET /healthz reports the database."""
    expected = secret.encode()
    locks = KeyedLocks()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call refused: wrong or missing secret from %s", request.remote)
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        # The same person's updates never run at once; an update is answered only once its
        # transaction is committed, and a failure answers 500 so that Telegram sends it again.
        async with locks.hold(update_key(data)):
            try:
                await channel.feed_json(data, core)
            except Exception as exc:
                if failed is not None and await failed(data["update_id"], data, exc):
                    return web.Response(status=200)  # broken for good: recorded and skipped
                log.exception("webhook update %s not processed", data["update_id"])
                return web.json_response({"ok": False, "error": "not processed"}, status=500)
        return web.Response(status=200)

    async def healthz(request: web.Request) -> web.Response:
        extra = status() if status else {}
        if await db_ok():
            return web.json_response({"status": "ok", "database": "ok", **extra})
        return web.json_response({"status": "error", "database": "unreachable", **extra},
                                 status=503)

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app


class WebhookServer:
    """A running webhook endpoint; registers itself with Telegram when asked to."""

    def __init__(self, runner: web.AppRunner, channel: WebhookChannel, secret: str, *,
                 delete_on_stop: bool) -> None:
        self.runner, self.channel, self.secret = runner, channel, secret
        self.delete_on_stop = delete_on_stop
        self.port = int(runner.addresses[0][1])
        self.registered = False

    async def register(self, url: str, *, drop_pending_updates: bool = False) -> None:
        """Call setWebhook so Telegram posts updates to url with the secret."""
        await self.channel.set_webhook(url, self.secret, drop_pending_updates)
        self.registered = True
        log.info("webhook registered at %s (%s)", url, self.channel.name)

    async def stop(self) -> None:
        """Optionally call deleteWebhook, then finish the requests in flight and close."""
        if self.registered and self.delete_on_stop:
            try:
                await self.channel.delete_webhook()
            except Exception as exc:
                log.warning("deleteWebhook failed: %r", exc)
        self.registered = False
        await self.runner.cleanup()


async def serve_webhook(core: Core, channel: WebhookChannel, *, secret: str, db_ok: DbProbe,
                        host: str = "127.0.0.1", port: int = 8080, path: str = "/webhook",
                        public_url: str | None = None, drop_pending_updates: bool = False,
                        delete_on_stop: bool = False, status: Status | None = None,
                        failed: Failed | None = None) -> WebhookServer:
    """Serve the webhook on host:port (0: any free port); with public_url, call setWebhook."""
    if not SECRET_PATTERN.fullmatch(secret):
        raise ValueError("the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    runner = web.AppRunner(build_webhook_app(core, channel, path=path, secret=secret,
                                             db_ok=db_ok, status=status, failed=failed))
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        server = WebhookServer(runner, channel, secret, delete_on_stop=delete_on_stop)
        if public_url:
            await server.register(public_url, drop_pending_updates=drop_pending_updates)
    except BaseException:
        await runner.cleanup()
        raise
    log.info("webhook listening on %s:%s%s", host, server.port, path)
    return server
