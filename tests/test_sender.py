"""The outbox sender: deliveries recorded in batches, yet each chat's next send after its
previous record, a crash repeating at most SEND_CONCURRENCY messages, and a retry never
overtaken (counted and ordered, never timed)."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.db import Sessions
from bot.ratelimit import FloodLimiter
from bot.sender import SEND_CONCURRENCY, Delivery, OutboxSender
from models import DataAccess, OutboxMessage, Person
from services import outbox
from services.outgoing import (
    Button,
    Document,
    Message,
    Photo,
    Place,
    SavedPhotos,
    SavedVoice,
    View,
    is_plain_text,
)

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


class Clock:
    """The sender's clock, moved by hand."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


class Wire:
    """A transport that logs each send and answers from a script (default: sent)."""

    def __init__(self) -> None:
        self.log: list[tuple[int, str]] = []
        self.answers: list[Delivery] = []
        self.hold: asyncio.Event | None = None  # sends wait for it while set up

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> Delivery:
        self.log.append((chat_id, payload["text"]))
        if self.hold is not None:
            await self.hold.wait()
        return self.answers.pop(0) if self.answers else Delivery("sent", message_id=1)


def limiter() -> FloodLimiter:
    return FloodLimiter(global_per_s=1000, group_per_min=1000, private_per_s=1000)


async def queue_leased(sessions: Sessions, sender: OutboxSender, chats: list[int],
                       texts: list[str] | None = None) -> list[OutboxMessage]:
    """Queue messages leased to the sender, as an update's transaction does, and return them
    as the processor hands them off."""
    now = sender.clock()
    rows: list[dict[str, Any]] = [{"chat_id": c, "payload": {"text": t}, "at": now}
            for c, t in zip(chats, texts or [str(i) for i in range(len(chats))], strict=True)]
    async with sessions() as s, s.begin():
        queued = await outbox.enqueue_all(s, rows, lease_owner=sender.owner, now=now,
                                          lease_s=sender.lease_s)
    assert all(q.leased for q in queued)
    return [OutboxMessage(id=q.id, chat_id=r["chat_id"], payload=r["payload"], created_at=now,
                          lease_owner=sender.owner,
                          lease_until=now + timedelta(seconds=sender.lease_s))
            for q, r in zip(queued, rows, strict=True)]


async def drained(sender: OutboxSender) -> None:
    """Wait until every chat is drained and every record committed."""
    while sender._chats:
        await asyncio.gather(*list(sender._chats.values()), return_exceptions=True)
    await sender.records.flush()


async def pending(sessions: Sessions) -> int:
    async with sessions() as s:
        return await outbox.pending_count(s)


async def test_deliveries_of_many_chats_are_recorded_together_in_few_commits(
    sessions: Sessions,
) -> None:
    sender = OutboxSender(sessions, Wire(), limiter())
    rows = await queue_leased(sessions, sender, list(range(1, 41)))
    sender.adopt(rows)
    await drained(sender)
    assert await pending(sessions) == 0 and sender.sent == 40
    # Each send holds a slot until recorded: a batch is at most SEND_CONCURRENCY deliveries.
    assert sender.records.commits <= 40 // SEND_CONCURRENCY + 1


async def test_a_chats_next_send_waits_until_its_previous_send_is_recorded(
    sessions: Sessions,
) -> None:
    wire = Wire()
    sender = OutboxSender(sessions, wire, limiter())
    sent_at_send: list[int] = []
    original = wire.deliver

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        async with sessions() as s:  # what the database says was sent, as this send starts
            found = await s.execute(select(col(OutboxMessage.id)).where(
                col(OutboxMessage.sent_at).is_not(None)))
            sent_at_send.append(len(found.all()))
        return await original(chat_id, payload)

    wire.deliver = deliver  # type: ignore[method-assign]
    rows = await queue_leased(sessions, sender, [7, 7, 7])
    sender.adopt(rows)
    await drained(sender)
    assert [text for _, text in wire.log] == ["0", "1", "2"]
    assert sent_at_send == [0, 1, 2]  # never lingering while the chat has more to send


async def test_no_more_than_send_concurrency_messages_are_ever_sent_and_not_recorded(
    sessions: Sessions,
) -> None:
    wire = Wire()
    sender = OutboxSender(sessions, wire, limiter(), clock=Clock())
    unrecorded: list[int] = []
    committed = [0]
    original, commit = wire.deliver, sender.records.commit

    async def deliver(chat_id: int, payload: dict[str, Any]) -> Delivery:
        # What a crash now would repeat: sends started (this one too) but not committed.
        unrecorded.append(len(wire.log) + 1 - committed[0])
        return await original(chat_id, payload)

    async def record(outcomes: list[Any]) -> None:
        await commit(outcomes)
        committed[0] += len(outcomes)

    wire.deliver = deliver  # type: ignore[method-assign]
    sender.records.commit = record
    sender.adopt(await queue_leased(sessions, sender, list(range(1, 61))))
    await drained(sender)
    assert sender.sent == 60 and max(unrecorded) <= SEND_CONCURRENCY


async def test_a_message_leased_before_a_retry_was_recorded_never_overtakes_it(
    sessions: Sessions,
) -> None:
    # Under load on PostgreSQL, a report's transaction read the chat while its previous
    # receipt was still leased to us, so its receipt came out leased too; it committed only
    # after that receipt's send had been answered 429 and recorded for a retry, and was handed
    # off to a chat no longer being drained: it went out first.
    clock = Clock()
    wire = Wire()
    sender = OutboxSender(sessions, wire, limiter(), clock=clock)
    first, late = await queue_leased(sessions, sender, [5, 5], ["#5", "#6"])
    wire.answers = [Delivery("retry", retry_after=0.0, error="429")]
    sender.adopt([first])
    await drained(sender)
    clock.at += timedelta(seconds=0.5)
    sender.adopt([late])  # its transaction began before the retry was recorded
    await drained(sender)
    assert wire.log == [(5, "#5")]  # #6 was given back, not sent
    clock.at += timedelta(seconds=2)  # the retry is due: both go, in order
    await sender.drain_once()
    assert wire.log == [(5, "#5"), (5, "#5"), (5, "#6")]
    assert await pending(sessions) == 0


async def test_a_look_that_finds_nothing_commits_nothing(sessions: Sessions) -> None:
    sender = OutboxSender(sessions, Wire(), limiter())
    engine = sessions.kw["bind"]
    commits: list[int] = []
    statements: list[str] = []
    listen = (lambda _c: commits.append(1), lambda *a: statements.append(str(a[2])))
    event.listen(engine.sync_engine, "commit", listen[0])
    event.listen(engine.sync_engine, "before_cursor_execute", listen[1])
    try:
        assert await sender.drain_once() == 0
    finally:
        event.remove(engine.sync_engine, "commit", listen[0])
        event.remove(engine.sync_engine, "before_cursor_execute", listen[1])
    assert commits == [] and len(statements) == 1, statements


async def test_a_cards_view_is_recorded_when_it_is_delivered_and_never_when_it_fails(
    sessions: Sessions,
) -> None:
    clock = Clock()
    wire = Wire()
    sender = OutboxSender(sessions, wire, limiter(), clock=clock)
    async with sessions() as s, s.begin():
        viewer, other, reporter = (Person(name=n) for n in ("张敏", "李强", "王大爷"))
        s.add_all([viewer, other, reporter])
        await s.flush()
        ids = (viewer.id or 0, other.id or 0, reporter.id or 0)
    cards = [Message("📋 #1", views=(View(ids[0], "phone", ids[2]),)).to_json(),
             Message("📋 #1", views=(View(ids[1], "case_details", ids[2]),)).to_json()]
    rows = await queue_leased(sessions, sender, [1, 2], ["📋 #1", "📋 #1"])
    for row, card in zip(rows, cards, strict=True):
        row.payload = card
    async with sessions() as s:  # nothing is recorded while the cards are only queued
        assert (await s.execute(select(DataAccess))).scalars().all() == []
    clock.at += timedelta(minutes=3)  # delivered a while after they were written
    wire.answers = [Delivery("sent", message_id=1), Delivery("failed", error="blocked")]
    sender.adopt(rows)
    await drained(sender)
    async with sessions() as s:
        views = (await s.execute(select(DataAccess))).scalars().all()
    assert [(v.viewer_id, v.subject_id, v.what) for v in views] == [(ids[0], ids[2], "phone")]
    assert views[0].at == clock.at


async def until_sent(wire: Wire, count: int) -> None:
    """Wait until the wire has seen `count` sends (the bound only ends a hang)."""
    async def seen() -> None:
        while len(wire.log) < count:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(seen(), 30)


async def test_whatever_waits_on_a_record_has_it_committed_at_once_not_after_the_linger(
    sessions: Sessions,
) -> None:
    wire = Wire()
    sender = OutboxSender(sessions, wire, limiter(), concurrency=2)
    sender.records.linger_s = 3600.0  # a record nothing waits on would wait an hour
    first, sos = await queue_leased(sessions, sender, [1, 1], ["card", "🚨"])
    sender.adopt([first])
    await until_sent(wire, 1)
    assert sender.records.commits == 0  # delivered, its record lingers
    sos.priority = outbox.URGENT
    sender.adopt([sos])  # the chat's next message: an emergency waits on that record
    await until_sent(wire, 2)
    assert sender.records.commits == 1
    # Every slot taken by sends not yet recorded: the next send has them committed.
    others = await queue_leased(sessions, sender, [2, 3, 4])
    sender.adopt(others)
    await until_sent(wire, 5)
    assert sender.records.commits >= 2
    await sender.records.flush()  # stopping records the rest
    assert await pending(sessions) == 0
    assert [text for _, text in wire.log[:2]] == ["card", "🚨"]


def test_the_idle_look_waits_no_longer_than_the_next_retry_of_ours_is_due() -> None:
    sender = OutboxSender(None, Wire(), limiter())  # type: ignore[arg-type]
    assert sender._idle_wait(2.0) == 2.0
    sender._due = [time.monotonic() + 0.3]
    assert sender._idle_wait(2.0) <= 0.3
    sender._due = [time.monotonic() - 1]  # already looked for
    assert sender._idle_wait(2.0) == 2.0 and sender._due == []


async def test_a_record_that_fails_once_is_committed_at_the_next_try(
    sessions: Sessions, engine: AsyncEngine,
) -> None:
    wire = Wire()
    sender = OutboxSender(sessions, wire, limiter())
    failures: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _break_once(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE outbox") and "sent_at" in statement and not failures:
            failures.append(statement)  # as a deadlock or a broken connection would
            raise OperationalError(statement, {}, Exception("deadlock detected"))

    try:
        rows = await queue_leased(sessions, sender, [5, 5, 6])
        sender.adopt(rows)
        await drained(sender)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _break_once)
    assert failures and await pending(sessions) == 0 and sender.sent == 3
    # Nothing was sent twice, and the chats take hand-offs again at once (not after 30 s).
    assert sorted(wire.log) == [(5, "0"), (5, "1"), (6, "2")]
    assert not sender._dropped


async def test_a_send_not_answered_in_time_is_given_up_and_kept_for_a_retry() -> None:
    wire = Wire()
    wire.hold = asyncio.Event()  # never set: Telegram never answers
    sender = OutboxSender(None, wire, limiter())  # type: ignore[arg-type]
    sender.send_timeout_s = 0.01
    row = OutboxMessage(id=1, chat_id=5, payload={"text": "hello"}, created_at=START)
    delivery = await asyncio.wait_for(sender._deliver(5, [row]), 5)
    assert (delivery.status, delivery.retry_after) == ("retry", 5.0)
    assert "TimeoutError" in delivery.error and wire.log == [(5, "hello")]


def test_only_plain_new_texts_with_buttons_may_join_a_summary() -> None:
    plain = Message("楼道灯坏了", ((Button("接单", data="a:1"),),), reply_to_message_id=9)
    others = [
        Message("改", edit_message_id=3), Message("", delete_message_id=3),
        Message("图", media=Photo(b"\x89PNG")), Message("表", media=Document("a.xlsx", b"x")),
        Message("图", media=SavedPhotos(("f1", "f2"))), Message("", media=SavedVoice("v")),
        Message("", media=Place(31.2, 121.4)), Message("置顶", only_if_bot_admin=True),
        Message("电话", ask_contact="分享电话"), Message("好", remove_keyboard=True),
        Message("卡片", views=(View(1, "phone", 2, 3),)),
    ]
    assert is_plain_text(plain.to_json()) and is_plain_text({"text": "旧的行"})
    for message in others:
        assert not is_plain_text(message.to_json()), message
        assert Message.from_json(message.to_json()) == message  # every feature kept in the row
