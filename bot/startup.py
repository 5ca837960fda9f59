"""Start-up against a Telegram that may not answer yet: getMe is retried with back-off (one log
line each time, saying what the bot waits for); a wrong token stops at once with one clear line.
In webhook mode /healthz answers 503 with the reason meanwhile."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.cli_errors import StartupError

log = logging.getLogger("gridbot.startup")
MAX_DELAY_S = 60.0


def refused_token(exc: BaseException) -> bool:
    """Tell whether Telegram said the token is wrong (401), as either library reports it."""
    name = type(exc).__name__
    return name in ("TelegramUnauthorizedError", "InvalidToken") or "Unauthorized" in str(exc)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def identify_with_retry(identify: Callable[[], Awaitable[str]], *, api_base: str,
                              on_wait: Callable[[str], None] = lambda _reason: None,
                              first_delay_s: float = 1.0) -> str:
    """Ask Telegram who the bot is until it answers; StartupError for a refused token."""
    delay = first_delay_s
    while True:
        try:
            return await identify()
        except Exception as exc:
            if refused_token(exc):
                raise StartupError("Telegram refused the bot token (401 Unauthorized): check "
                                   "BOT_TOKEN in .env (from @BotFather)") from None
            reason = _reason(exc)
            on_wait(f"waiting for Telegram at {api_base}: {reason}")
            log.warning("waiting for Telegram at %s (getMe failed: %s); trying again in %.0f s",
                        api_base, reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_S)


class StartingHealth:
    """A stand-in web server while the bot starts: /healthz is 503 with the reason, and updates
    are refused with 503 so that Telegram sends them again later."""

    def __init__(self) -> None:
        self.reason = "starting"
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port."""
        async def healthz(request: web.Request) -> web.Response:
            return web.json_response({"status": "starting", "reason": self.reason}, status=503)

        async def refuse(request: web.Request) -> web.Response:
            return web.json_response({"ok": False, "error": self.reason}, status=503)

        app = web.Application()
        app.router.add_get("/healthz", healthz)
        app.router.add_route("*", "/{tail:.*}", refuse)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        """Free the port for the real server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
