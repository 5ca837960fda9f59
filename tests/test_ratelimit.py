"""The outbox's own flood limiter keeps under Telegram's limits in any sliding second."""

import asyncio

import pytest

from bot import ratelimit
from bot.ratelimit import FloodLimiter


async def test_no_sliding_second_gets_more_than_the_global_rate_plus_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now, real_sleep = [0.0], asyncio.sleep

    async def sleep(seconds: float) -> None:
        now[0] += max(seconds, 1e-6)  # a real clock always moves on a little
        await real_sleep(0)

    monkeypatch.setattr(ratelimit.asyncio, "sleep", sleep)
    limiter = FloodLimiter(global_per_s=25, group_per_min=10**6, private_per_s=10**6,
                           now=lambda: now[0])
    sent: list[float] = []
    for n in range(120):
        await limiter.acquire(-1000 - n)
        sent.append(now[0])
        limiter.done()  # Telegram answers at once
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= 26
    assert sent[-1] < 5.0  # and it still keeps the rate


async def test_senders_waiting_at_once_never_get_more_than_the_global_rate_plus_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now, real_sleep = [0.0], asyncio.sleep

    async def sleep(seconds: float) -> None:
        await real_sleep(0)
        now[0] = max(now[0], round(now[0] + min(seconds, 0.01), 6))  # time moves on slowly

    monkeypatch.setattr(ratelimit.asyncio, "sleep", sleep)
    limiter = FloodLimiter(global_per_s=25, group_per_min=10**6, private_per_s=10**6,
                           now=lambda: now[0])
    sent: list[float] = []

    async def send(chat_id: int, urgent: bool) -> None:
        await limiter.acquire(chat_id, urgent=urgent)
        sent.append(now[0])
        await real_sleep(0)  # the send is on the wire for a turn of the loop
        limiter.done(chat_id)

    await asyncio.wait_for(asyncio.gather(
        *(send(-1000 - n, urgent=n % 7 == 0) for n in range(150))), 30)
    assert len(sent) == 150
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= 26
