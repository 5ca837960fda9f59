"""One emulated bot account: its state and the path every Bot API call takes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.clock import Changes
from sandbox.errors import ApiError, bad_request
from sandbox.files import UploadedFile
from sandbox.limits import FloodLimiter
from sandbox.methods import MESSAGE_METHODS
from sandbox.methods_bot import BOT_METHODS
from sandbox.methods_media import MEDIA_METHODS
from sandbox.models import FakeUser
from sandbox.spec import load_spec
from sandbox.state import World
from sandbox.updates import UpdateQueue
from sandbox.validate import Invalid, validate_params
from sandbox.webhook import Webhook

log = logging.getLogger(__name__)
Handler = Callable[["Core", dict[str, Any]], Awaitable[Any]]
CHAT_METHODS = {**MESSAGE_METHODS, **MEDIA_METHODS}  # what changes a chat


@dataclass
class IssuedQuery:
    """A callback query sent to the bot, waiting for answerCallbackQuery."""

    user_id: int
    chat_id: int
    message_id: int
    data: str


def bot_id_from_token(token: str) -> int:
    """The bot's user id: the digits before the colon of its token."""
    head, sep, secret = token.partition(":")
    if not (head.isdigit() and sep and secret):
        raise ValueError(f"a bot token looks like '123456:ABC...', got {token!r}")
    return int(head)


class Core:
    """State of the emulated Telegram for one bot, and the Bot API call pipeline."""

    def __init__(self, token: str, bot_username: str, bot_first_name: str,
                 flood_limits: bool, latency: float) -> None:
        self.spec = load_spec()
        self.token = token
        self.bot_id = bot_id_from_token(token)
        self.world = World(FakeUser(id=self.bot_id, first_name=bot_first_name,
                                    username=bot_username, is_bot=True))
        self.queue = UpdateQueue()
        self.limiter = FloodLimiter(flood_limits)
        self.webhook = Webhook(self.queue, self.webhook_reply)
        self.latency = latency
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.rejections: list[tuple[str, dict[str, Any], str]] = []
        self.throttled: list[tuple[str, dict[str, Any], int]] = []
        self.queries: dict[str, IssuedQuery] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.handlers: dict[str, Handler] = {**CHAT_METHODS, **BOT_METHODS}
        self.changes = Changes()  # what a chat client (the browser simulator) waits on

    async def handle(self, token: str, method: str, params: dict[str, Any],
                     files: dict[str, UploadedFile]) -> tuple[int, dict[str, Any]]:
        """Answer one HTTP Bot API call: (HTTP status, JSON body)."""
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if token != self.token:
            return self._reject(method, params, files, ApiError(401, "Unauthorized"))
        mspec = self.spec.find_method(method)
        if mspec is None:
            return self._reject(method, params, files, ApiError(404, "Not Found"))
        return await self.invoke(mspec.name, params, files)

    async def invoke(self, method: str, params: dict[str, Any],
                     files: dict[str, UploadedFile]) -> tuple[int, dict[str, Any]]:
        """Validate against the spec, run the emulated method and record the outcome."""
        try:
            try:
                clean = validate_params(self.spec, self.spec.methods[method], params, files)
            except Invalid as exc:
                raise bad_request(f"{method}: {exc}") from None
            handler = self.handlers.get(method)
            if handler is None:
                raise bad_request(f"sandbox: method {method} is not emulated")
            result = await handler(self, clean)
        except ApiError as err:
            return self._reject(method, params, files, err)
        except Exception as exc:  # a sandbox bug must fail the test, not vanish into a log
            log.exception("sandbox failed on %s", method)
            bug = ApiError(500, f"Internal Server Error: sandbox bug: {exc!r}")
            return self._reject(method, params, files, bug)
        self.calls.append((method, clean))
        if method in CHAT_METHODS:  # what a chat client would see (not getUpdates and such)
            self.changes.bump()
        return 200, {"ok": True, "result": result}

    def _reject(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile],
                err: ApiError) -> tuple[int, dict[str, Any]]:
        sent = {**params, **files}
        if err.code == 429:
            # Throttling is Telegram doing its job, not a bot bug: kept apart from rejections.
            self.throttled.append((method, sent, err.retry_after or 1))
        else:
            self.rejections.append((method, sent, err.description))
        return err.code, err.payload()

    async def webhook_reply(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        """Run a method the bot returned in its webhook response, as Telegram does."""
        method = str(params.pop("method", ""))
        mspec = self.spec.find_method(method)
        if mspec is None:
            self._reject(method, params, files, ApiError(404, "Not Found"))
            return
        await self.invoke(mspec.name, params, files)

    def issue_query(self, query: IssuedQuery) -> str:
        """Register a callback query and return its id."""
        query_id = str(self.bot_id * 1_000_000 + len(self.queries) + 1)
        self.queries[query_id] = query
        return query_id
