"""The python-telegram-bot channel adapter: the same bot as the aiogram one, on PTB 22."""

import asyncio
import base64
import logging
import warnings
from datetime import timedelta
from typing import Any

import telegram as tg
from telegram import Bot, CallbackQuery, Message, Update, ext
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels import ALLOWED_UPDATES, Core, Failed, display_name
from bot.ordering import poll_in_order
from bot.sender import Delivery
from bot.webhook import update_key as raw_update_key
from bot.webhook import update_priority
from handlers.types import Incoming, Sender

log = logging.getLogger("gridbot.ptb")
TEXT_MESSAGES = ext.filters.UpdateType.MESSAGE & (ext.filters.TEXT | ext.filters.CAPTION)
Context = ext.ContextTypes.DEFAULT_TYPE


def keyboard(rows: list[list[dict[str, Any]]]) -> tg.InlineKeyboardMarkup | None:
    """Build an inline keyboard from outbox button rows."""
    if not rows:
        return None
    return tg.InlineKeyboardMarkup([
        [tg.InlineKeyboardButton(b["text"], url=b["url"]) if b.get("url")
         else tg.InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
        for row in rows
    ])


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait after a 429; PTB 22 gives an int or a timedelta (PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PtbTransport:
    """Sends outbox payloads with a PTB Bot, mapping Telegram's answers to Deliveries."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _may_delete(self, chat_id: int) -> bool:
        """Tell whether the bot is an administrator allowed to delete messages in the chat."""
        bot_id = int(self.bot.token.split(":", 1)[0])
        member = await self.bot.get_chat_member(chat_id, bot_id)
        return member.status == "creator" or (
            member.status == "administrator" and bool(getattr(member, "can_delete_messages", 0)))

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        """Send or edit one message."""
        markup = keyboard(payload.get("buttons") or [])
        try:
            # Disputes raised in a group: an offer shown only where the bot may delete, and the
            # deletion itself.
            if payload.get("only_if_bot_admin") and not await self._may_delete(chat_id):
                return Delivery("sent")
            if payload.get("delete_message_id"):
                await self.bot.delete_message(chat_id, payload["delete_message_id"])
                return Delivery("sent")
            if payload.get("photo_png"):
                photo = tg.InputFile(base64.b64decode(payload["photo_png"]), filename="chart.png")
                sent = await self.bot.send_photo(chat_id, photo, caption=payload["text"] or None,
                                                 reply_markup=markup)
                return Delivery("sent", message_id=sent.message_id)
            if payload.get("document"):
                return await self._send_document(chat_id, payload, markup)
            if payload.get("edit_message_id"):
                await self.bot.edit_message_text(text=payload["text"], chat_id=chat_id,
                                                 message_id=payload["edit_message_id"],
                                                 reply_markup=markup)
                return Delivery("sent", message_id=payload["edit_message_id"])
            reply = payload.get("reply_to_message_id")
            message = await self.bot.send_message(
                chat_id, payload["text"], reply_markup=markup,
                reply_parameters=tg.ReplyParameters(reply, allow_sending_without_reply=True)
                if reply else None,
            )
            return Delivery("sent", message_id=message.message_id)
        except RetryAfter as exc:
            return Delivery("retry", retry_after=retry_seconds(exc), error=exc.message)
        except Forbidden as exc:
            return Delivery("failed", error=exc.message)
        except BadRequest as exc:  # PTB capitalises Telegram's description
            if "message is not modified" in exc.message.lower():
                return Delivery("sent", message_id=payload.get("edit_message_id"))
            return Delivery("failed", error=exc.message)
        except NetworkError as exc:  # TimedOut, connection errors and Telegram's 5xx answers
            return Delivery("retry", retry_after=2.0, error=str(exc))

    async def _send_document(self, chat_id: int, payload: dict[str, Any],
                             markup: tg.InlineKeyboardMarkup | None) -> Delivery:
        """Send a file (e.g. a ledger workbook) with the text as its caption."""
        document = payload["document"]
        message = await self.bot.send_document(
            chat_id, base64.b64decode(document["base64"]), filename=document["filename"],
            caption=payload["text"] or None, reply_markup=markup)
        return Delivery("sent", message_id=message.message_id)


def incoming_from_message(message: Message, update_id: int, bot_id: int, username: str) -> Incoming:
    """Reduce a PTB Message to an Incoming."""
    user = message.from_user
    text = message.text or message.caption or ""
    replied = message.reply_to_message
    return Incoming(
        update_id=update_id, chat_id=message.chat.id, chat_type=str(message.chat.type),
        sender=Sender(id=user.id if user else message.chat.id,
                      name=display_name(user.first_name, user.last_name) if user else "",
                      language=user.language_code if user else None),
        text=text, message_id=message.message_id,
        reply_to_bot=bool(replied and replied.from_user and replied.from_user.id == bot_id),
        mentions_bot=bool(username) and f"@{username.lower()}" in text.lower(),
    )


def incoming_from_callback(query: CallbackQuery, update_id: int) -> Incoming:
    """Reduce a PTB CallbackQuery to an Incoming."""
    message, user = query.message, query.from_user
    return Incoming(
        update_id=update_id, chat_id=message.chat.id if message else user.id,
        chat_type=str(message.chat.type) if message else "private",
        sender=Sender(id=user.id, name=display_name(user.first_name, user.last_name),
                      language=user.language_code),
        message_id=message.message_id if message else None,
        callback_id=query.id, callback_data=query.data or "",
    )


def update_key(update: Update) -> tuple[int, int]:
    """Updates with the same (chat, user) key are handled in arrival order."""
    chat, user = update.effective_chat, update.effective_user  # a button's chat is its message's
    if user is None:
        return (chat.id, 0) if chat else (0, update.update_id)
    return chat.id if chat else user.id, user.id


class PtbChannel:
    """Runs the bot on PTB: long polling with per-person ordering, webhook feeding, transport."""

    name = "ptb"

    def __init__(self, token: str, api_base: str, *, polling_timeout: int = 25) -> None:
        base = api_base.rstrip("/")
        # PTB appends the token to base_url: f"{base}/bot" + token + "/" + method.
        self.application = (ext.ApplicationBuilder().token(token).base_url(f"{base}/bot")
                             .base_file_url(f"{base}/file/bot").updater(None).job_queue(None)
                             .build())
        self.application.add_handler(ext.MessageHandler(TEXT_MESSAGES, self._on_message))
        self.application.add_handler(ext.CallbackQueryHandler(self._on_callback))
        self.application.add_error_handler(self._on_error)
        self.bot = self.application.bot
        self.transport = PtbTransport(self.bot)
        self.polling_timeout = polling_timeout
        self.username, self.bot_id = "", 0
        self._core: Core | None = None
        self._ready = False
        self._failures: dict[int, Exception] = {}

    async def _ensure_ready(self) -> None:
        if not self._ready:
            await self.application.initialize()
            self._ready = True

    async def identify(self) -> str:
        """Ask Telegram who the bot is; return its username."""
        await self._ensure_ready()
        me = await self.bot.get_me()
        self.username, self.bot_id = me.username or "", me.id
        return self.username

    async def _on_message(self, update: Update, context: Context) -> None:
        assert self._core is not None and update.message is not None
        await self._core(incoming_from_message(update.message, update.update_id, self.bot_id,
                                               self.username))

    async def _on_callback(self, update: Update, context: Context) -> None:
        assert self._core is not None and update.callback_query is not None
        query = update.callback_query
        effects = await self._core(incoming_from_callback(query, update.update_id))
        answer = effects.answer if effects else None
        try:
            await query.answer(text=(answer.text[:200] if answer else None) or None,
                               show_alert=bool(answer and answer.alert))
        except BadRequest as exc:  # too old: the press was redelivered after a restart
            log.info("callback answer refused: %s", exc.message)

    async def _on_error(self, update: object, context: Context) -> None:
        """PTB swallows handler errors; keep them so the update is retried, not confirmed."""
        if isinstance(update, Update) and context.error is not None:
            self._failures[update.update_id] = context.error

    async def feed(self, update: Update) -> None:
        """Process one update through the application; raise if its handler failed."""
        await self._ensure_ready()
        await self.application.process_update(update)
        failure = self._failures.pop(update.update_id, None)
        if failure is not None:
            raise failure

    async def feed_json(self, data: dict[str, Any], core: Core) -> None:
        """Process one raw update (webhook mode) with the given core."""
        self._core = core
        await self.feed(Update.de_json(data, self.bot))

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

        await self._ensure_ready()

        async def fetch(offset: int | None) -> list[dict[str, Any]]:
            # Raw JSON, each update parsed on its own in feed: one the library cannot parse
            # must not take the whole batch (and everything after it) down with it.
            kwargs: dict[str, Any] = {"timeout": self.polling_timeout,
                                      "allowed_updates": ALLOWED_UPDATES}
            if offset is not None:
                kwargs["offset"] = offset
            try:
                with warnings.catch_warnings():  # PTB would rather parse them itself
                    warnings.simplefilter("ignore", PTBUserWarning)
                    result = await self.bot.do_api_request(
                        "getUpdates", api_kwargs=kwargs,
                        read_timeout=self.polling_timeout + 10.0)
            except BadRequest as exc:
                # A NetworkError subclass in PTB, but it means a bug: never retry it.
                raise RuntimeError(f"getUpdates refused: {exc}") from exc
            return [u for u in result or [] if isinstance(u, dict)
                    and isinstance(u.get("update_id"), int)]

        async def feed(data: dict[str, Any]) -> None:
            update = Update.de_json(data, self.bot)
            if update is None:
                raise ValueError("not an update")
            await self.feed(update)

        await poll_in_order(fetch=fetch, update_id=lambda u: int(u["update_id"]),
                            key=raw_update_key, feed=feed, stop=stop,
                            transient=(NetworkError,), conflict=(Conflict,), skip=skip,
                            priority=update_priority)

    async def close(self) -> None:
        """Shut the application down and close its HTTP clients."""
        if self._ready:
            self._ready = False
            await self.application.shutdown()
