"""The polling loop: in order per person, never silently dead, and logs that keep the token out."""

import asyncio
import logging

import pytest

from bot import ordering
from bot.logs import configure


class Conflict(Exception):
    """Stands for the client's 409 error."""


async def test_polling_keeps_going_after_telegram_answers_409(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ordering, "CONFLICT_RETRY_S", 0.01)
    answers: list[object] = [Conflict("webhook is set"), [1, 2]]
    handled: list[int] = []
    stop = asyncio.Event()

    async def fetch(offset: int | None) -> list[int]:
        if len(handled) == 2:
            stop.set()
        await asyncio.sleep(0.01)  # a long poll that comes back empty
        answer = answers.pop(0) if answers else []
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    async def feed(update: int) -> None:
        handled.append(update)

    with caplog.at_level(logging.ERROR, logger="gridbot.polling"):
        await asyncio.wait_for(ordering.poll_in_order(
            fetch=fetch, update_id=lambda u: u, key=lambda u: u, feed=feed, stop=stop,
            transient=(OSError,), conflict=(Conflict,)), 5)
    assert "409 Conflict" in caplog.text
    assert handled == [1, 2]


async def test_a_steady_trickle_costs_one_get_updates_per_update() -> None:
    pending: list[int] = []  # what Telegram holds: updates not yet confirmed by the offset
    handled: list[int] = []
    calls: list[int | None] = []
    stop = asyncio.Event()

    async def fetch(offset: int | None) -> list[int]:
        calls.append(offset)
        pending[:] = [u for u in pending if offset is None or u >= offset]
        if not pending:  # the long poll: the next update arrives only now
            if len(handled) == 5:
                stop.set()
                return []
            pending.append(len(handled) + 1)
        return list(pending)

    async def feed(update: int) -> None:
        await asyncio.sleep(0)  # processing takes at least a turn of the loop
        handled.append(update)

    await asyncio.wait_for(ordering.poll_in_order(
        fetch=fetch, update_id=lambda u: u, key=lambda u: u, feed=feed, stop=stop,
        transient=(OSError,)), 5)
    assert handled == [1, 2, 3, 4, 5]
    assert calls == [None, 2, 3, 4, 5, 6]  # never the same update asked for twice


async def test_an_update_behind_a_stuck_one_is_still_fetched_after_the_bounded_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ordering, "IN_FLIGHT_WAIT_S", 0.01)
    stuck, stop = asyncio.Event(), asyncio.Event()
    handled: list[int] = []
    calls: list[int | None] = []

    async def fetch(offset: int | None) -> list[int]:
        calls.append(offset)
        if 2 in handled:
            stop.set()
        await asyncio.sleep(0)
        return [1] if len(calls) == 1 else [1, 2]  # 2 arrives while 1 is still in flight

    async def feed(update: int) -> None:
        if update == 1:
            await stuck.wait()  # never finishes: the offset stays at 1
        handled.append(update)

    await asyncio.wait_for(ordering.poll_in_order(
        fetch=fetch, update_id=lambda u: u, key=lambda u: u, feed=feed, stop=stop,
        transient=(OSError,)), 5)
    assert handled == [2]
    assert calls[:2] == [None, 1]


async def test_an_unexpected_polling_error_is_logged_not_swallowed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fetch(offset: int | None) -> list[int]:
        raise RuntimeError("bug")

    async def feed(update: int) -> None:
        return None

    with caplog.at_level(logging.ERROR, logger="gridbot.polling"), pytest.raises(RuntimeError):
        await ordering.poll_in_order(fetch=fetch, update_id=lambda u: u, key=lambda u: u,
                                     feed=feed, stop=asyncio.Event(), transient=(OSError,))
    assert "polling stopped" in caplog.text


def test_request_urls_with_the_token_are_not_logged() -> None:
    configure("INFO", "json")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("gridbot.processing").isEnabledFor(logging.INFO)
