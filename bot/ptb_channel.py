"""The python-telegram-bot channel adapter: the same bot as the aiogram one, on PTB 22."""

import asyncio
import re
import warnings
from datetime import timedelta
from typing import Any

import telegram as tg
from telegram import Bot, Update, ext
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.botcalls import BotCall, delivered
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
from bot.webhook import update_key as raw_update_key
from bot.webhook import update_priority


class Understood(ext.filters.MessageFilter):
    """Messages for the conversations: words, media, a contact (not service messages)."""

    def filter(self, message: tg.Message) -> bool:
        """Tell whether the conversations take this message."""
        return understood(message)


TEXT_MESSAGES = ext.filters.UpdateType.MESSAGE & Understood()
Context = ext.ContextTypes.DEFAULT_TYPE


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait after a 429; PTB 22 gives an int or a timedelta (PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PtbTransport(ApiTransport):
    """Makes every call with the PTB Bot's method of the same name, and maps PTB's errors to
    Deliveries."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def bot_id(self) -> int:
        """The bot's own user id."""
        return token_bot_id(self.bot.token)

    async def call(self, call: BotCall) -> Answer:
        """Make one call: the parameters go as they are, files as PTB InputFiles."""
        method = getattr(self.bot, snake_case(call.method))
        files = {name: tg.InputFile(f.content, filename=f.filename)
                 for name, f in call.files.items()}
        try:
            result = await method(**ptb_params(call), **files)
        except RetryAfter as exc:
            return Answer(Delivery("retry", retry_after=retry_seconds(exc), error=exc.message))
        except Forbidden as exc:
            return Answer(Delivery("failed", error=exc.message))
        except BadRequest as exc:  # PTB capitalises Telegram's description
            if "message is not modified" in exc.message.lower():
                return Answer(Delivery("sent", message_id=call.edited))
            return Answer(Delivery("failed", error=exc.message))
        except NetworkError as exc:  # TimedOut, connection errors and Telegram's 5xx answers
            return Answer(Delivery("retry", retry_after=2.0, error=str(exc)))
        data = result.to_dict() if isinstance(result, tg.TelegramObject) else result
        if isinstance(result, tuple | list):  # an album's messages
            data = [m.to_dict() if isinstance(m, tg.TelegramObject) else m for m in result]
        return Answer(delivered(call, data), data)


def ptb_params(call: BotCall) -> dict[str, Any]:
    """The call's parameters as PTB takes them: as they are, except an album's items, which
    PTB wants as its InputMedia objects."""
    if call.method != "sendMediaGroup":
        return call.params
    return {**call.params, "media": [tg.InputMediaPhoto(item["media"], caption=item.get("caption"))
                                     for item in call.params["media"]]}


def snake_case(method: str) -> str:
    """PTB's name for a Bot API method: sendMessage -> send_message."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


def update_key(update: Update) -> tuple[int, int]:
    """Updates with the same (chat, user) key are handled in arrival order."""
    chat, user = update.effective_chat, update.effective_user  # a button's chat is its message's
    if user is None:
        return (chat.id, 0) if chat else (0, update.update_id)
    return chat.id if chat else user.id, user.id


class PtbChannel(ChannelCalls):
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
        return await super().identify()

    async def _on_message(self, update: Update, context: Context) -> None:
        assert self._core is not None and update.message is not None
        await self._core(incoming_from_message(update.message, update.update_id, self.bot_id,
                                               self.username))

    async def _on_callback(self, update: Update, context: Context) -> None:
        assert self._core is not None and update.callback_query is not None
        query = update.callback_query
        effects = await self._core(incoming_from_callback(query, update.update_id))
        await self.answer_press(query.id, effects)

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
