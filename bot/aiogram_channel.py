"""The aiogram channel adapter: Telegram updates in, outbox payloads out."""

import asyncio
from typing import Any

# isort: off
from bot import aiogram_lazy  # noqa: F401  (first: aiogram's types then build on first use)
# isort: on
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import CallbackQuery, Message, Update

from bot.botapi import NETWORK_ERRORS, BotApi, delivery_of
from bot.botcalls import BotCall
from bot.channels import (
    ALLOWED_UPDATES,
    ChannelCalls,
    Core,
    Failed,
    incoming_from_callback,
    incoming_from_message,
    understood,
)
from bot.ordering import poll_in_order
from bot.sender import Delivery
from bot.transport import Answer, ApiTransport, token_bot_id
from bot.update_view import JsonView, plain_update
from bot.webhook import update_key as raw_update_key
from bot.webhook import update_priority


class AiogramTransport(ApiTransport):
    """Makes every call as plain JSON (multipart when it carries a file) over aiogram's HTTP
    session, and maps Telegram's answers to Deliveries."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.api = BotApi(bot)

    def bot_id(self) -> int:
        """The bot's own user id."""
        return token_bot_id(self.bot.token)

    async def call(self, call: BotCall) -> Answer:
        """Make one call; a network failure is a Delivery to retry."""
        try:
            status, body = await self.api.call(call.method, call.params, files=call.files)
        except NETWORK_ERRORS as exc:
            return Answer(Delivery("retry", retry_after=2.0, error=type(exc).__name__))
        return Answer(delivery_of(status, body, call.edited), body.get("result"))


class AiogramChannel(ChannelCalls):
    """Runs the bot on aiogram: long polling with per-person ordering, and the transport."""

    name = "aiogram"

    def __init__(self, token: str, api_base: str, *, polling_timeout: int = 25) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
        self.bot = Bot(token, session=session)
        self.transport = transport = AiogramTransport(self.bot)
        self.api = transport.api  # getUpdates as plain JSON too
        self.polling_timeout = polling_timeout
        self.username, self.bot_id = "", 0
        self._core: Core | None = None
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(self._router())

    def _router(self) -> Router:
        router = Router(name=__name__)
        router.message.register(self._on_message, understood)
        router.callback_query.register(self._on_callback)
        return router

    async def _on_message(self, message: Message, event_update: Update) -> None:
        assert self._core is not None
        await self._core(incoming_from_message(message, event_update.update_id, self.bot_id,
                                               self.username))

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        assert self._core is not None
        effects = await self._core(incoming_from_callback(query, event_update.update_id))
        await self.answer_press(query.id, effects)

    async def feed(self, update: Update) -> None:
        """Process one update through the dispatcher."""
        await self.dispatcher.feed_update(self.bot, update)

    async def feed_raw(self, data: dict[str, Any]) -> None:
        """Process one raw update: a plain one read straight from its JSON, any other one
        through aiogram (the same filter and reduction either way)."""
        kind = plain_update(data)
        if kind is None:
            await self.feed(Update.model_validate(data, context={"bot": self.bot}))
            return
        assert self._core is not None
        view = JsonView(data[kind])
        if kind == "message":
            if understood(view):
                await self._core(incoming_from_message(view, data["update_id"], self.bot_id,
                                                       self.username))
            return
        effects = await self._core(incoming_from_callback(view, data["update_id"]))
        await self.answer_press(view.id, effects)

    async def feed_json(self, data: dict[str, Any], core: Core) -> None:
        """Process one raw update (webhook mode) with the given core."""
        self._core = core
        await self.feed_raw(data)

    async def run_polling(self, core: Core, stop: asyncio.Event,
                          failed: Failed | None = None) -> None:
        """Long-poll until stopped; each update is confirmed only after it is processed (or,
        broken for good, skipped by `failed`)."""
        self._core = core

        async def skip(data: dict[str, Any], exc: BaseException) -> bool:
            return failed is not None and await failed(int(data["update_id"]), data, exc)

        await poll_in_order(fetch=self._fetch, update_id=lambda u: int(u["update_id"]),
                            key=raw_update_key, feed=self.feed_raw, stop=stop,
                            transient=(TelegramNetworkError, TelegramServerError),
                            conflict=(TelegramConflictError,), skip=skip,
                            priority=update_priority)

    async def _fetch(self, offset: int | None) -> list[dict[str, Any]]:
        """getUpdates as plain JSON: updates still being processed come back on every poll (the
        offset passes them only once they are done), so only the new ones are read (feed_raw);
        building all of them each time was most of the bot's CPU under load."""
        params: dict[str, Any] = {"timeout": self.polling_timeout,
                                  "allowed_updates": list(ALLOWED_UPDATES)}
        if offset is not None:
            params["offset"] = offset
        try:
            status, body = await self.api.call("getUpdates", params, self.polling_timeout + 10)
        except NETWORK_ERRORS as exc:
            # The URL holds the token: name the failure, never the request.
            raise TelegramNetworkError(_get_updates(params),
                                       f"getUpdates: {type(exc).__name__}") from None
        if body.get("ok"):
            return list(body.get("result") or [])
        code, text = int(body.get("error_code", status)), str(body.get("description", ""))
        if code == 409:
            raise TelegramConflictError(_get_updates(params), text)
        if code >= 500 or code == 429:
            raise TelegramServerError(_get_updates(params), text)
        raise TelegramAPIError(_get_updates(params), text)

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.api.close()


def _get_updates(params: dict[str, Any]) -> GetUpdates:
    """The aiogram method an error names: built only for an error (no validation), as it is
    never sent, and every poll building it cost about 1 % of the bot's CPU under load."""
    return GetUpdates.model_construct(**params)
