"""Plain JSON Bot API calls for the two hottest paths, getUpdates and sending: building aiogram's
pydantic objects for every request and answer was most of the bot's CPU under load (see
bench/RESULTS.md). Everything else still goes through aiogram."""

import json
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession

from bot.sender import Delivery

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, ValueError)


class BotApi:
    """Calls one Bot API method with a JSON body over the aiogram Bot's own HTTP session."""

    def __init__(self, bot: Bot) -> None:
        if not isinstance(bot.session, AiohttpSession):
            raise TypeError("BotApi needs the bot's aiohttp session")
        self.bot, self.session = bot, bot.session

    async def call(self, method: str, params: dict[str, Any],
                   timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
        """Return (HTTP status, JSON answer); network failures raise NETWORK_ERRORS, whose text
        never holds the URL (it contains the token)."""
        http = await self.session.create_session()
        url = self.session.api.api_url(self.bot.token, method)
        async with http.post(url, json=params,
                             timeout=aiohttp.ClientTimeout(total=timeout)) as answer:
            body = await answer.json(loads=json.loads, content_type=None)
            return answer.status, body if isinstance(body, dict) else {}


def raw_keyboard(rows: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
    """An inline keyboard as JSON from outbox button rows."""
    if not rows:
        return None
    return {"inline_keyboard": [
        [{"text": b["text"], "url": b["url"]} if b.get("url")
         else {"text": b["text"], "callback_data": b["data"]} for b in row] for row in rows]}


def delivery_of(status: int, body: dict[str, Any], edited: int | None) -> Delivery:
    """Map Telegram's answer to a send or edit onto what the outbox does next."""
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
