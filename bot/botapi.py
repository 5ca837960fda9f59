"""Plain JSON Bot API calls: building aiogram's pydantic objects for every request and answer was
most of the bot's CPU under load, and aiohttp's client a quarter of what was left (see
bench/RESULTS.md). JSON calls go over bot/http.py's keep-alive connections; a call that uploads
a file goes as multipart over the aiogram Bot's own aiohttp session. The aiogram adapter makes
every call this way."""

import json
from typing import Any

import aiohttp

# isort: off
from bot import aiogram_lazy  # noqa: F401  (before aiogram: its types then build on first use)
# isort: on
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession

from bot.botcalls import Upload, inline_keyboard
from bot.http import HttpClient, HttpError
from bot.jsoncodec import dumps, loads
from bot.sender import Delivery
from services.outgoing import Button

NETWORK_ERRORS = (aiohttp.ClientError, HttpError, TimeoutError, ValueError)


def form_of(params: dict[str, Any], files: dict[str, Upload]) -> aiohttp.FormData:
    """A multipart body: files as parts, other values as text (objects as JSON)."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in params.items():
        if value is not None:
            form.add_field(name, value if isinstance(value, str) else json.dumps(value))
    for name, upload in files.items():
        form.add_field(name, upload.content, filename=upload.filename)
    return form


class BotApi:
    """Calls Bot API methods: JSON over our own HTTP client, uploads over the aiogram Bot's
    aiohttp session."""

    def __init__(self, bot: Bot) -> None:
        if not isinstance(bot.session, AiohttpSession):
            raise TypeError("BotApi needs the bot's aiohttp session")
        self.bot, self.session = bot, bot.session
        self.http = HttpClient()
        self._urls: dict[str, str] = {}

    def url(self, method: str) -> str:
        """The method's URL on the configured Bot API server (it holds the token)."""
        found = self._urls.get(method)
        if found is None:
            found = self._urls[method] = self.session.api.api_url(self.bot.token, method)
        return found

    async def call(self, method: str, params: dict[str, Any], timeout: float = 60.0,
                   files: dict[str, Upload] | None = None) -> tuple[int, dict[str, Any]]:
        """Return (HTTP status, JSON answer); network failures raise NETWORK_ERRORS, whose text
        never holds the URL (it contains the token). With files, the body is multipart."""
        if files:
            return await self._upload(method, params, files, timeout)
        status, raw = await self.http.post(self.url(method), dumps(params), timeout)
        data = loads(raw)
        return status, data if isinstance(data, dict) else {}

    async def _upload(self, method: str, params: dict[str, Any], files: dict[str, Upload],
                      timeout: float) -> tuple[int, dict[str, Any]]:
        http = await self.session.create_session()
        async with http.post(self.url(method), timeout=aiohttp.ClientTimeout(total=timeout),
                             data=form_of(params, files)) as answer:
            data = loads(await answer.read())
            return answer.status, data if isinstance(data, dict) else {}

    async def close(self) -> None:
        """Close the connections of both clients."""
        await self.http.close()
        await self.session.close()


def raw_keyboard(rows: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
    """An inline keyboard as JSON from outbox button rows (as stored in a payload)."""
    return inline_keyboard(tuple(tuple(Button(b["text"], b.get("data"), b.get("url"))
                                       for b in row) for row in rows))


def delivery_of(status: int, body: dict[str, Any], edited: int | None) -> Delivery:
    """Map Telegram's answer to a call onto what the outbox does next."""
    if body.get("ok"):
        result = body.get("result")
        return Delivery("sent", message_id=result.get("message_id", edited)
                        if isinstance(result, dict) else edited)
    code, text = int(body.get("error_code", status)), str(body.get("description", ""))
    if code == 429:
        retry = (body.get("parameters") or {}).get("retry_after", 1)
        return Delivery("retry", retry_after=float(retry), error=text)
    if code == 400 and "message is not modified" in text:
        return Delivery("sent", message_id=edited)
    if code in (400, 403):  # a bad message or a user who blocked the bot: trying again won't help
        return Delivery("failed", error=text)
    return Delivery("retry", retry_after=2.0 if code >= 500 else 5.0, error=f"{code} {text}")
