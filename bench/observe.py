"""Watching what the bot does on the emulator: every accepted call wakes whoever waits for it,
stamped with the time the emulator received it."""

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox import FakeTelegram

WATCHED = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery")


@dataclass(frozen=True, slots=True)
class Seen:
    """One bot call as the emulator accepted it."""

    method: str
    chat_id: int
    message_id: int
    text: str
    data: tuple[str, ...]  # callback_data of its buttons
    query_id: str
    at: float  # time.perf_counter() when the emulator handled it


Predicate = Callable[[Seen], bool]


def _button_data(markup: Any) -> tuple[str, ...]:
    rows = (markup or {}).get("inline_keyboard") or []
    return tuple(b["callback_data"] for row in rows for b in row if b.get("callback_data"))


class Observer:
    """Hooks into the emulator's methods; `expect` returns a future for the next matching call."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.waiting: dict[int | str, list[tuple[Predicate, asyncio.Future[Seen]]]] = (
            defaultdict(list))
        self.counts: dict[str, int] = defaultdict(int)
        self.polled = asyncio.Event()
        handlers = fake.core.handlers
        for method in (*WATCHED, "getUpdates"):
            handlers[method] = self._wrap(method, handlers[method])

    def _wrap(self, method: str, inner: Any) -> Any:
        async def handler(core: Any, params: dict[str, Any]) -> Any:
            if method == "getUpdates":
                self.polled.set()
                return await inner(core, params)
            result = await inner(core, params)
            self.counts[method] += 1
            self._seen(method, params, result)
            return result
        return handler

    def _seen(self, method: str, params: dict[str, Any], result: Any) -> None:
        if method == "answerCallbackQuery":
            key: int | str = str(params["callback_query_id"])
            seen = Seen(method, 0, 0, "", (), str(key), time.perf_counter())
        else:
            message = result if isinstance(result, dict) else {}
            key = int(params.get("chat_id") or message.get("chat", {}).get("id") or 0)
            seen = Seen(method, key, int(message.get("message_id") or params.get("message_id")
                                         or 0),
                        str(params.get("text", "")), _button_data(params.get("reply_markup")),
                        "", time.perf_counter())
        waiters = self.waiting.get(key)
        if not waiters:
            return
        for entry in list(waiters):
            predicate, future = entry
            if future.done():  # answered through another chat, or given up on
                waiters.remove(entry)
            elif predicate(seen):
                future.set_result(seen)
                waiters.remove(entry)

    def expect(self, keys: Iterable[int | str],
               predicate: Predicate = lambda seen: True) -> "asyncio.Future[Seen]":
        """A future for the next matching bot call into any of these chats (or answering one of
        these callback queries)."""
        future: asyncio.Future[Seen] = asyncio.get_running_loop().create_future()
        for key in keys:
            self.waiting[key].append((predicate, future))
        return future

    def forget(self, keys: Iterable[int | str], future: "asyncio.Future[Seen]") -> None:
        """Stop waiting (after a timeout)."""
        for key in keys:
            self.waiting[key] = [e for e in self.waiting.get(key, []) if e[1] is not future]


def with_button(data: str, method: str = "") -> Predicate:
    """A call (of `method`, if given) showing a button that carries exactly `data`."""
    return lambda seen: data in seen.data and seen.method.startswith(method)
