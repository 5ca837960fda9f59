"""The aiogram channel adapter: Telegram updates in, outbox payloads out."""

import asyncio
import base64
import logging
from typing import Any

# isort: off
from bot import aiogram_lazy  # noqa: F401  (first: aiogram's types then build on first use)
# isort: on
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.botapi import NETWORK_ERRORS, BotApi, delivery_of, raw_keyboard
from bot.channels import ALLOWED_UPDATES, Core, Failed, display_name
from bot.ordering import poll_in_order
from bot.sender import Delivery
from bot.webhook import update_key as raw_update_key
from bot.webhook import update_priority
from handlers.types import Incoming, Sender

log = logging.getLogger("gridbot.aiogram")


class AiogramTransport:
    """Sends outbox payloads, mapping Telegram's answers to Deliveries. Texts and edits (nearly
    every message) go as plain JSON calls; files, deletions and the admin check use aiogram."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.api = BotApi(bot)

    async def _may_delete(self, chat_id: int) -> bool:
        """Tell whether the bot is an administrator allowed to delete messages in the chat."""
        bot_id = int(self.bot.token.split(":", 1)[0])
        member = await self.bot.get_chat_member(chat_id, bot_id)
        return member.status == "creator" or (
            member.status == "administrator" and bool(getattr(member, "can_delete_messages", 0)))

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        """Send or edit one message."""
        if payload.get("only_if_bot_admin") or payload.get("delete_message_id") or payload.get(
                "photo_png") or payload.get("document"):
            return await self._deliver_with_aiogram(chat_id, payload)
        edited = payload.get("edit_message_id")
        params: dict[str, Any] = {"chat_id": chat_id, "text": payload["text"]}
        if edited:
            params["message_id"] = edited
        elif reply := payload.get("reply_to_message_id"):
            params["reply_parameters"] = {"message_id": reply,
                                          "allow_sending_without_reply": True}
        if markup := raw_keyboard(payload.get("buttons") or []):
            params["reply_markup"] = markup
        try:
            status, body = await self.api.call("editMessageText" if edited else "sendMessage",
                                               params)
        except NETWORK_ERRORS as exc:
            return Delivery("retry", retry_after=2.0, error=type(exc).__name__)
        return delivery_of(status, body, edited)

    async def _deliver_with_aiogram(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        """The rarer sends: a file, a deletion, or a message only where the bot is an admin."""
        rows = payload.get("buttons") or []
        markup = InlineKeyboardMarkup.model_validate(raw_keyboard(rows)) if rows else None
        caption = payload["text"] or None
        try:
            # Disputes raised in a group: an offer shown only where the bot may delete, and the
            # deletion itself.
            if payload.get("only_if_bot_admin") and not await self._may_delete(chat_id):
                return Delivery("sent")
            if payload.get("delete_message_id"):
                await self.bot.delete_message(chat_id, payload["delete_message_id"])
                return Delivery("sent")
            if payload.get("photo_png"):
                photo = BufferedInputFile(base64.b64decode(payload["photo_png"]), "chart.png")
                sent = await self.bot.send_photo(chat_id, photo, caption=caption,
                                                 reply_markup=markup)
                return Delivery("sent", message_id=sent.message_id)
            if payload.get("document"):
                document = payload["document"]
                upload = BufferedInputFile(base64.b64decode(document["base64"]),
                                           filename=document["filename"])
                sent = await self.bot.send_document(chat_id, upload, caption=caption,
                                                    reply_markup=markup)
                return Delivery("sent", message_id=sent.message_id)
            message = await self.bot.send_message(chat_id, payload["text"], reply_markup=markup)
            return Delivery("sent", message_id=message.message_id)
        except TelegramRetryAfter as exc:
            return Delivery("retry", retry_after=float(exc.retry_after), error=exc.message)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            return Delivery("failed", error=exc.message)
        except (TelegramNetworkError, TelegramServerError) as exc:
            return Delivery("retry", retry_after=2.0, error=str(exc))


def incoming_from_message(message: Message, update_id: int, bot_id: int, username: str) -> Incoming:
    """Reduce an aiogram Message to an Incoming."""
    user = message.from_user
    text = message.text or message.caption or ""
    replied = message.reply_to_message
    return Incoming(
        update_id=update_id, chat_id=message.chat.id, chat_type=message.chat.type,
        sender=Sender(id=user.id if user else message.chat.id,
                      name=display_name(user.first_name, user.last_name) if user else "",
                      language=user.language_code if user else None),
        text=text, message_id=message.message_id,
        reply_to_bot=bool(replied and replied.from_user and replied.from_user.id == bot_id),
        mentions_bot=bool(username) and f"@{username.lower()}" in text.lower(),
    )


def incoming_from_callback(query: CallbackQuery, update_id: int) -> Incoming:
    """Reduce an aiogram CallbackQuery to an Incoming."""
    message = query.message
    chat_id = message.chat.id if message else query.from_user.id
    chat_type = message.chat.type if message else "private"
    return Incoming(
        update_id=update_id, chat_id=chat_id, chat_type=chat_type,
        sender=Sender(id=query.from_user.id,
                      name=display_name(query.from_user.first_name, query.from_user.last_name),
                      language=query.from_user.language_code),
        message_id=message.message_id if message else None,
        callback_id=query.id, callback_data=query.data or "",
    )


def update_key(update: Update) -> tuple[int, int]:
    """Updates with the same (chat, user) key are handled in arrival order."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message else query.from_user.id
        return chat, query.from_user.id
    if update.message is not None:
        message = update.message
        return message.chat.id, message.from_user.id if message.from_user else 0
    return 0, update.update_id


class AiogramChannel:
    """Runs the bot on aiogram: long polling with per-person ordering, and the transport."""

    name = "aiogram"

    def __init__(self, token: str, api_base: str, *, polling_timeout: int = 25) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
        self.bot = Bot(token, session=session)
        self.transport = AiogramTransport(self.bot)
        self.polling_timeout = polling_timeout
        self.username, self.bot_id = "", 0
        self._core: Core | None = None
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(self._router())

    def _router(self) -> Router:
        router = Router(name=__name__)
        router.message.register(self._on_message, F.text | F.caption)
        router.callback_query.register(self._on_callback)
        return router

    async def identify(self) -> str:
        """Ask Telegram who the bot is; return its username."""
        me = await self.bot.get_me()
        self.username, self.bot_id = me.username or "", me.id
        return self.username

    async def _on_message(self, message: Message, event_update: Update) -> None:
        assert self._core is not None
        await self._core(incoming_from_message(message, event_update.update_id, self.bot_id,
                                               self.username))

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        assert self._core is not None
        effects = await self._core(incoming_from_callback(query, event_update.update_id))
        answer = effects.answer if effects else None
        params: dict[str, Any] = {"callback_query_id": query.id}
        if answer and answer.text:
            params["text"] = answer.text[:200]
        if answer and answer.alert:
            params["show_alert"] = True
        # Plain JSON, like sending: one answer per button press is a hot path.
        try:
            status, body = await self.transport.api.call("answerCallbackQuery", params)
        except NETWORK_ERRORS as exc:  # the press is handled; only the spinner stays longer
            log.warning("callback answer not delivered: %s", type(exc).__name__)
            return
        if not body.get("ok"):  # e.g. too old: the press was redelivered after a restart
            log.info("callback answer refused: %s %s", status, body.get("description", ""))

    async def feed(self, update: Update) -> None:
        """Process one update through the dispatcher."""
        await self.dispatcher.feed_update(self.bot, update)

    async def feed_json(self, data: dict[str, Any], core: Core) -> None:
        """Process one raw update (webhook mode) with the given core."""
        self._core = core
        await self.feed(Update.model_validate(data, context={"bot": self.bot}))

    async def set_webhook(self, url: str, secret: str, drop_pending_updates: bool) -> None:
        """Ask Telegram to POST updates to url with the secret header."""
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                   drop_pending_updates=drop_pending_updates)

    async def delete_webhook(self) -> None:
        """Go back to getUpdates; pending updates are kept."""
        await self.bot.delete_webhook()

    async def run_polling(self, core: Core, stop: asyncio.Event,
                          failed: Failed | None = None) -> None:
        """Long-poll until stopped; each update is confirmed only after it is processed (or,
        broken for good, skipped by `failed`)."""
        self._core = core

        async def skip(data: dict[str, Any], exc: BaseException) -> bool:
            return failed is not None and await failed(int(data["update_id"]), data, exc)

        async def feed(data: dict[str, Any]) -> None:
            await self.feed(Update.model_validate(data, context={"bot": self.bot}))

        await poll_in_order(fetch=self._fetch, update_id=lambda u: int(u["update_id"]),
                            key=raw_update_key, feed=feed, stop=stop,
                            transient=(TelegramNetworkError, TelegramServerError),
                            conflict=(TelegramConflictError,), skip=skip,
                            priority=update_priority)

    async def _fetch(self, offset: int | None) -> list[dict[str, Any]]:
        """getUpdates as plain JSON: updates still being processed come back on every poll (the
        offset passes them only once they are done), so only the new ones become aiogram
        objects; building all of them each time was most of the bot's CPU under load."""
        method = GetUpdates(offset=offset, timeout=self.polling_timeout,
                            allowed_updates=ALLOWED_UPDATES)
        try:
            status, body = await self.transport.api.call(
                "getUpdates", method.model_dump(exclude_none=True), self.polling_timeout + 10)
        except NETWORK_ERRORS as exc:
            # The URL holds the token: name the failure, never the request.
            raise TelegramNetworkError(method, f"getUpdates: {type(exc).__name__}") from None
        if body.get("ok"):
            return list(body.get("result") or [])
        code, text = int(body.get("error_code", status)), str(body.get("description", ""))
        if code == 409:
            raise TelegramConflictError(method, text)
        if code >= 500 or code == 429:
            raise TelegramServerError(method, text)
        raise TelegramAPIError(method, text)

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.bot.session.close()
