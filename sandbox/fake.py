"""FakeTelegram: start the emulator, act as users, and inspect what the bot did."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox import actions, actions_media
from sandbox.clock import SandboxClock
from sandbox.core import Core
from sandbox.methods_bot import commands_key
from sandbox.models import FakeChat, FakeUser, SentMessage
from sandbox.server import build_app


class FakeTelegram:
    """A local Telegram Bot API server for one bot, bound to 127.0.0.1."""

    def __init__(self, token: str = "123456:TEST", bot_username: str = "gridbot_test_bot", *,
                 flood_limits: bool = False, latency: float = 0.0, port: int = 0,
                 bot_first_name: str = "Gridbot", simulator: dict[str, Any] | None = None) -> None:
        self.core = Core(token, bot_username, bot_first_name, flood_limits, latency)
        self.port = port
        self.simulator = simulator  # the browser page's personas and time zone
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 (an ephemeral port unless one was given) and serve."""
        self.core.queue.closed = False
        # handler_cancellation ends a long poll whose client went away, so a restarted bot
        # does not see a phantom "terminated by other getUpdates request" conflict.
        self._runner = web.AppRunner(build_app(self.core, self.simulator),
                                     handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Answer pending long polls, stop webhook delivery and close the server."""
        self.core.queue.closed = True
        self.core.queue.notify()
        await self.core.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Where bots should send calls: f"{base_url}/bot{token}/{method}"."""
        if self._runner is None and not self.port:
            raise RuntimeError("the port is chosen at start(); await fake.start() first")
        return f"http://127.0.0.1:{self.port}"

    @property
    def clock(self) -> SandboxClock:
        """The emulator's clock: real time plus the offset the time travel moved it by."""
        return self.core.world.clock

    @property
    def token(self) -> str:
        """The bot token this emulator accepts."""
        return self.core.token

    @property
    def bot_id(self) -> int:
        """The bot's user id (the token's numeric prefix)."""
        return self.core.bot_id

    @property
    def bot_username(self) -> str:
        """The bot's @username without the @."""
        return str(self.core.world.bot.username)

    # -- chats and users ----------------------------------------------------------------------

    def add_group(self, chat_id: int, title: str, *, bot_is_admin: bool = False,
                  username: str | None = None, chat_type: str = "supergroup",
                  admins: list[FakeUser] | None = None) -> FakeChat:
        """Create a group (a supergroup by default) that the bot is in."""
        chat = self.core.world.add_group(chat_id, title, username=username,
                                         bot_is_admin=bot_is_admin, chat_type=chat_type)
        for admin in admins or []:
            self.core.world.add_user(admin)
            chat.admins.add(admin.id)
            chat.members.add(admin.id)
        return chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between the bot and user (chat id == user id)."""
        return self.core.world.private_chat(user)

    # -- user actions ---------------------------------------------------------------------

    def user_sends(self, user: FakeUser, text: str, chat: FakeChat | int | None = None,
                   reply_to: int | None = None) -> int:
        """The user sends text (default: privately to the bot); returns the message_id."""
        return actions.user_sends(self.core, user, text, chat, reply_to)

    def user_presses(self, user: FakeUser, chat_id: int, message_id: int,
                     callback_data: str) -> str:
        """The user presses a button with callback_data; returns the callback query id."""
        return actions.user_presses(self.core, user, chat_id, message_id, callback_data)

    def user_sends_photo(self, user: FakeUser, caption: str | None = None,
                         chat: FakeChat | None = None, *, album: str | None = None,
                         seed: int = 0) -> int:
        """The user sends a photo (with a caption, in an album); returns the message_id."""
        return actions_media.user_sends_photo(self.core, user, caption, chat, album=album,
                                              seed=seed)

    def user_sends_album(self, user: FakeUser, count: int, caption: str | None = None,
                         chat: FakeChat | None = None) -> list[int]:
        """The user sends `count` photos together (one media_group_id)."""
        return actions_media.user_sends_album(self.core, user, count, caption, chat)

    def user_sends_voice(self, user: FakeUser, duration: int = 8,
                         chat: FakeChat | None = None) -> int:
        """The user sends a voice message."""
        return actions_media.user_sends_voice(self.core, user, duration, chat)

    def user_sends_location(self, user: FakeUser, latitude: float, longitude: float,
                            chat: FakeChat | None = None) -> int:
        """The user shares a location."""
        return actions_media.user_sends_location(self.core, user, latitude, longitude, chat)

    def user_shares_contact(self, user: FakeUser, phone: str, *,
                            owner: FakeUser | None = None) -> int:
        """The user shares their own phone number (or `owner`'s) in the private chat."""
        return actions_media.user_shares_contact(self.core, user, phone, owner=owner)

    def user_sends_other(self, user: FakeUser, kind: str, chat: FakeChat | None = None) -> int:
        """The user sends a sticker, a video, an audio file, a document…"""
        return actions_media.user_sends_other(self.core, user, kind, chat)

    def user_blocks_bot(self, user: FakeUser) -> None:
        """The user blocks the bot; sends to them now fail with 403."""
        actions.user_blocks_bot(self.core, user)

    def user_starts(self, user: FakeUser) -> None:
        """The user starts (or unblocks) the bot, so the bot may message them."""
        actions.user_starts(self.core, user)

    # -- inspection -----------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent in chat_id, oldest first, in their current state."""
        chat = self.core.world.chats.get(chat_id)
        return list(chat.sent.values()) if chat else []

    def all_messages(self) -> list[SentMessage]:
        """Every message the bot sent, chat by chat."""
        return [m for chat in self.core.world.chats.values() for m in chat.sent.values()]

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """callback_query_id -> the parameters of its answerCallbackQuery."""
        return self.core.callback_answers

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every accepted call as (method, validated parameters)."""
        return self.core.calls

    @property
    def rejections(self) -> list[tuple[str, dict[str, Any], str]]:
        """Every refused call as (method, parameters as sent, description)."""
        return self.core.rejections

    @property
    def throttled(self) -> list[tuple[str, dict[str, Any], int]]:
        """Calls refused with 429 as (method, parameters as sent, retry_after)."""
        return self.core.throttled

    def my_commands(self, scope: dict[str, Any] | None = None,
                    language_code: str = "") -> list[dict[str, Any]]:
        """The command list setMyCommands stored for scope (default scope) and language."""
        return self.core.commands.get(commands_key(scope, language_code), [])

    @property
    def webhook_url(self) -> str:
        """The current webhook URL ("" when polling)."""
        return self.core.webhook.url

    def pending_updates(self) -> int:
        """Updates the bot has not confirmed (or that await webhook delivery)."""
        return self.core.queue.pending

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0,
                       message: str = "") -> None:
        """Poll predicate every 10 ms until it is true; AssertionError after timeout (a guard
        against a hang, generous for a busy machine: the wait ends as soon as it holds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last_error: Exception | None = None
        while True:
            try:
                if predicate():
                    return
            except (LookupError, AttributeError) as exc:
                # e.g. fake.messages(chat)[0] before the first message: "not yet", not a failure
                last_error = exc
            if loop.time() >= deadline:
                report = self._timeout_report(predicate, timeout, message)
                if last_error is not None:
                    report += f"\nthe predicate last raised {last_error!r}"
                raise AssertionError(report)
            await asyncio.sleep(0.01)

    async def wait_for_message(self, chat_id: int, contains: str | None = None,
                               timeout: float = 30.0) -> SentMessage:
        """The newest live bot message in chat_id whose text contains `contains`."""
        def find() -> SentMessage | None:
            for msg in reversed(self.messages(chat_id)):
                if not msg.deleted and (contains is None or contains in msg.text):
                    return msg
            return None

        what = f"a bot message in chat {chat_id}"
        if contains is not None:
            what += f" containing {contains!r}"
        await self.wait_for(lambda: find() is not None, timeout, message=f"waiting for {what}")
        found = find()
        assert found is not None
        return found

    def _timeout_report(self, predicate: Callable[[], Any], timeout: float, message: str) -> str:
        try:
            source = inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            source = repr(predicate)
        recent = [f"  chat {m.chat_id} #{m.message_id}: {m.text[:80]!r}"
                  + (" (deleted)" if m.deleted else "") for m in self.all_messages()[-8:]]
        lines = [f"wait_for timed out after {timeout}s: {message or source}",
                 "recent bot messages:", *(recent or ["  (none)"]),
                 f"rejected calls: {[(m, d) for m, _, d in self.rejections[-5:]] or 'none'}",
                 f"pending updates: {self.pending_updates()}"]
        return "\n".join(lines)
