"""getUpdates through the aiogram channel: Telegram's refusals and network failures become the
aiogram errors the polling loop tells apart, naming the request without its token."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.exceptions import TelegramConflictError, TelegramNetworkError, TelegramServerError

from bot.aiogram_channel import AiogramChannel
from bot.http import HttpError


class Answers:
    """Stands for the Bot API client: one scripted answer or failure per call."""

    def __init__(self, answer: tuple[int, dict[str, Any]] | Exception) -> None:
        self.answer = answer
        self.params: list[dict[str, Any]] = []

    async def call(self, method: str, params: dict[str, Any],
                   timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
        assert method == "getUpdates"
        self.params.append(params)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
async def channel() -> AsyncIterator[AiogramChannel]:
    made = AiogramChannel("123456:SECRET", "http://127.0.0.1:9", polling_timeout=7)
    real = made.api
    yield made
    made.api = real
    await made.close()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((409, {"ok": False, "error_code": 409, "description": "Conflict: webhook is active"}),
         TelegramConflictError),
        ((502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
         TelegramServerError),
        (HttpError("connection reset"), TelegramNetworkError),
    ],
)
async def test_a_refused_or_failed_poll_raises_the_error_naming_get_updates(
    channel: AiogramChannel, answer: tuple[int, dict[str, Any]] | Exception,
    error: type[Exception],
) -> None:
    channel.api = Answers(answer)  # type: ignore[assignment]
    with pytest.raises(error) as raised:
        await channel._fetch(41)
    method = raised.value.method  # type: ignore[attr-defined]
    assert (method.offset, method.timeout) == (41, 7)
    assert "SECRET" not in str(raised.value)


async def test_a_poll_that_is_answered_returns_the_updates(channel: AiogramChannel) -> None:
    answers = channel.api = Answers((200, {"ok": True, "result": [{"update_id": 5}]}))  # type: ignore[assignment]
    assert await channel._fetch(None) == [{"update_id": 5}]
    assert "offset" not in answers.params[0]
