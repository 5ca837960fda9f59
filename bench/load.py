"""The load: residents report in group chats, workers accept and resolve, residents confirm and
rate. Each case is a script of eight updates that waits for the bot's answer before its next
step; the same scripts drive the echo bot, which answers every update in the same chat."""

import asyncio
import random
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from bench.community import Community, Group, resident
from bench.observe import Observer, Predicate, Seen, with_button
from sandbox import FakeTelegram, FakeUser

NOTES = ("已更换灯泡", "已联系物业维修，今天修好了", "师傅已上门处理", "已疏通")
COMMENTS = ("谢谢网格员，修得真快！", "处理很及时，辛苦了", "满意，谢谢")
CASE_NUMBER = re.compile(r"^a:(\d+)$")
UPDATES_PER_CASE = 8


class Pacer:
    """At most `rate` updates a second across all scripts (None: as fast as answers come)."""

    def __init__(self, rate: float | None) -> None:
        self.rate, self.next_at = rate, time.perf_counter()

    async def take(self) -> None:
        """Wait for the next slot."""
        if not self.rate:
            return
        now = time.perf_counter()
        self.next_at = max(self.next_at + 1 / self.rate, now)
        if self.next_at > now:
            await asyncio.sleep(self.next_at - now)


@dataclass
class Stats:
    """What one run measured."""

    updates: int = 0
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    notify_latency: list[float] = field(default_factory=list)  # report → worker's card (s)
    step_latency: list[float] = field(default_factory=list)  # any update → the awaited answer
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        """Updates answered per second of the run."""
        return self.updates / self.seconds if self.seconds else 0.0


class Driver:
    """Acts as residents and workers on the emulator and waits for the bot's answers."""

    def __init__(self, fake: FakeTelegram, observer: Observer, community: Community, *,
                 rate: float | None, timeout: float) -> None:
        self.fake, self.observer, self.community = fake, observer, community
        self.pacer, self.timeout = Pacer(rate), timeout
        self.stats = Stats()
        self.worker_busy: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.chats = {g.chat_id: fake.add_group(g.chat_id, g.title) for g in community.groups}
        for person in (*community.workers, *community.managers):
            fake.user_starts(person)

    async def act(self, action: Callable[[], int | str], keys: Callable[[int | str], Iterable],
                  predicate: Predicate = lambda seen: True) -> tuple[Seen, float]:
        """Do one user action (one update) and wait for the bot's answer to it."""
        await self.pacer.take()
        started = time.perf_counter()
        handle = action()
        watch = list(keys(handle))
        future = self.observer.expect(watch, predicate)
        self.stats.updates += 1
        try:
            seen = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self.observer.forget(watch, future)
            raise
        self.stats.step_latency.append(seen.at - started)
        return seen, started

    def say(self, user: FakeUser, text: str, chat: int | None = None) -> Callable[[], int]:
        """An action: the user writes (privately unless `chat`)."""
        target = self.chats[chat] if chat is not None else None
        return lambda: self.fake.user_sends(user, text, chat=target)

    def press(self, user: FakeUser, chat_id: int, message_id: int, data: str) -> Callable[[], str]:
        """An action: the user presses a button."""
        return lambda: self.fake.user_presses(user, chat_id, message_id, data)


def _only(*keys: int) -> Callable[[int | str], list[int]]:
    return lambda _handle: list(keys)


def _query(handle: int | str) -> list[int | str]:
    return [handle]


async def gridbot_case(d: Driver, index: int, group: Group, turn: int, text: str) -> None:
    """One case round the whole loop, as people do it with the real bot."""
    rng = random.Random(index * 10_000 + turn)
    res = resident(index, turn)
    words = f"@{d.fake.bot_username} {text}" if rng.random() < 0.5 else f"/report {text}"
    card, sent_at = await d.act(
        d.say(res, words, group.chat_id), _only(*group.workers),
        lambda s: res.first_name in s.text and any(CASE_NUMBER.match(x) for x in s.data))
    d.stats.notify_latency.append(card.at - sent_at)
    case = next(m.group(1) for x in card.data if (m := CASE_NUMBER.match(x)))
    worker = next(w for w in d.community.workers if w.id == card.chat_id)
    await d.act(d.say(res, f"/start c{case}"), _only(res.id))  # the receipt's 跟踪进度 link
    await d.act(d.press(worker, worker.id, card.message_id, f"a:{case}"), _only(worker.id),
                with_button(f"d:{case}", "edit"))
    async with d.worker_busy[worker.id]:  # the note answers the question the bot just asked
        await d.act(d.press(worker, worker.id, card.message_id, f"d:{case}"), _only(worker.id),
                    with_button(f"dn:{case}"))
        question, _ = await d.act(d.say(worker, rng.choice(NOTES)), _only(res.id),
                                  with_button(f"y:{case}"))
    stars = rng.choice((4, 5, 5))
    await d.act(d.press(res, res.id, question.message_id, f"y:{case}"), _only(res.id),
                with_button(f"s:{case}:5", "edit"))
    await d.act(d.press(res, res.id, question.message_id, f"s:{case}:{stars}"), _only(res.id),
                with_button(f"sc:{case}", "edit"))
    if rng.random() < 0.5:
        await d.act(d.say(res, rng.choice(COMMENTS)), _only(res.id),
                    lambda s: s.method == "sendMessage")
    else:
        await d.act(d.press(res, res.id, question.message_id, f"sc:{case}"), _only(res.id),
                    lambda s: s.method.startswith("edit"))


async def report_case(d: Driver, index: int, group: Group, turn: int, text: str) -> None:
    """One report in a group, up to the worker's card: the issue's load (1,000 reports from the
    200 residents, one per group chat, each writing several)."""
    rng = random.Random(index * 10_000 + turn)
    res = resident(index, 0)
    words = f"@{d.fake.bot_username} {text}" if rng.random() < 0.5 else f"/report {text}"
    card, sent_at = await d.act(
        d.say(res, words, group.chat_id), _only(*group.workers),
        lambda s: res.first_name in s.text and any(CASE_NUMBER.match(x) for x in s.data))
    d.stats.notify_latency.append(card.at - sent_at)


async def echo_report(d: Driver, index: int, group: Group, turn: int, text: str) -> None:
    """The echo bot's side of one report: the same message, answered in the same chat."""
    res = resident(index, 0)
    echo, sent_at = await d.act(d.say(res, f"/report {text}", group.chat_id),
                                _only(group.chat_id), lambda s: s.method == "sendMessage")
    d.stats.notify_latency.append(echo.at - sent_at)


async def echo_case(d: Driver, index: int, group: Group, turn: int, text: str) -> None:
    """The same eight updates in the same chats; the echo bot answers each one."""
    rng = random.Random(index * 10_000 + turn)
    res = resident(index, turn)
    worker = next(w for w in d.community.workers if w.id == group.workers[turn % 8])
    sent = lambda s: s.method == "sendMessage"  # noqa: E731
    echo, sent_at = await d.act(d.say(res, f"/report {text}", group.chat_id),
                                _only(group.chat_id), sent)
    d.stats.notify_latency.append(echo.at - sent_at)
    reply, _ = await d.act(d.say(res, "/start c1"), _only(res.id), sent)
    async with d.worker_busy[worker.id]:
        mine, _ = await d.act(d.say(worker, rng.choice(NOTES)), _only(worker.id), sent)
        await d.act(d.press(worker, worker.id, mine.message_id, "a:1"), _query)
        await d.act(d.press(worker, worker.id, mine.message_id, "d:1"), _query)
    for data in ("y:1", "s:1:5"):
        await d.act(d.press(res, res.id, reply.message_id, data), _query)
    if rng.random() < 0.5:
        await d.act(d.say(res, rng.choice(COMMENTS)), _only(res.id), sent)
    else:
        await d.act(d.press(res, res.id, reply.message_id, "sc:1"), _query)


Script = Callable[[Driver, int, Group, int, str], Awaitable[None]]


async def warm_up(d: Driver) -> None:
    """Every worker opens the bot once (not measured)."""
    await asyncio.gather(*(d.act(d.say(w, "/start"), _only(w.id)) for w in d.community.workers))
    d.stats = Stats()


async def drive(d: Driver, script: Script, *, cases: int, texts: Iterable[str],
                lanes: int | None = None) -> Stats:
    """Run `cases` scripts, one at a time per group chat, all group chats at once."""
    groups = d.community.groups
    lanes = min(lanes or len(groups), len(groups))
    source = iter(texts)
    work = [(n, groups[n % lanes], n // lanes, next(source)) for n in range(cases)]

    async def lane(first: int) -> None:
        for n, group, turn, text in work[first::lanes]:
            try:
                await script(d, groups.index(group), group, turn, text)
                d.stats.cases += 1
            except Exception as exc:  # counted and reported; the run goes on
                d.stats.failures.append(f"case {n} in {group.title}: {exc!r}")

    started = time.perf_counter()
    await asyncio.gather(*(lane(first) for first in range(lanes)))
    d.stats.seconds = time.perf_counter() - started
    return d.stats
