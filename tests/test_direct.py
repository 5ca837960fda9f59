"""The hot path's Core statements run on the session's driver connection (services/direct.py):
the same rows, in the same transaction, with SQLAlchemy's errors and events, on both databases;
and through the session whenever the short way could differ."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.db import keep_loaded
from models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseStatus,
    DataAccess,
    OutboxMessage,
    Person,
    ProcessedUpdate,
)
from services import (
    audit,
    conversation,
    direct,
    directory,
    duplicates,
    lifecycle,
    outbox,
    routing,
    updates,
)
from services.clock import FrozenClock
from services.outgoing import View
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person

AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def _dialect(engine: AsyncEngine) -> Any:
    return engine.sync_engine.dialect


async def test_the_hot_statements_compile_for_the_short_way(engine: AsyncEngine) -> None:
    # A Python-side default or a literal rendered per call would send them back through the
    # session silently, and the hot path would lose what this module is for.
    dialect = _dialect(engine)
    leased = {"chat_id": 1, "payload": {}, "case_id": None, "created_at": AT, "attempts": 0,
              "priority": 0, **outbox._lease_params(1, "o", AT, AT)}
    hot: list[tuple[direct.Statement, dict[str, Any]]] = [
        (updates._claim(dialect.name), {"update_id": 1, "at": AT}),
        (directory._WHO, {"telegram_id": 1, "chat_id": 2}),
        (directory._ADD_PERSON, dict.fromkeys(directory._PERSON_KEYS[1:])),
        (directory._OPEN_CASES, {"person_ids": [1, 2]}),
        (routing._LOADS_AND_OUTCOMES, {"person_ids": [1, 2], "chat_ids": []}),
        (duplicates._IN_BUILDING, {"community_id": 1, "place": 2, "since": AT}),
        (duplicates._IN_GRID, {"community_id": 1, "place": 2, "since": AT}),
        (lifecycle._ADD_CASE, dict.fromkeys(set(lifecycle._CASE_COLUMNS) - {"id"})),
        (lifecycle._ADD_EVENTS, dict.fromkeys(("case_id", "at", "note", "assignee_id",
                                               "actor_id", "action", "from_status",
                                               "to_status"))),
        (outbox._insert_leased(), leased),
        (outbox._INSERT, dict.fromkeys(("chat_id", "payload", "case_id", "created_at",
                                        "attempts", "priority"))),
        (outbox._MARK_SENT, {"row_id": 1, "message_id": 2, "at": AT}),
        (audit._RECORD, dict.fromkeys(("at", "viewer_id", "subject_id", "case_id", "what"))),
    ]
    for statement, params in hot:
        assert statement.plan(dialect, params) is not None, statement.statement


async def test_lists_in_a_statement_take_their_length_per_call(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, 511)
        reported = [await make_case(session, clock, reporter=reporter, number="3")
                    for _ in range(3)]
    assignee = reported[0].case.assignee_id
    assert assignee is not None
    async with sessions() as session:
        for ids in ([assignee], [assignee, 424242], [424242], []):
            counts = await directory.open_case_counts(session, ids)
            assert counts == {i: 3 if i == assignee else 0 for i in ids}
        counts, delivered = await routing.loads_and_outcomes(session, [
            p for p in [await session.get(Person, assignee)] if p is not None])
    assert counts == {assignee: 3}


async def test_a_report_is_stored_as_the_session_would_store_it(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, 501, "张阿姨")
    async with sessions() as session, session.begin():
        reported = await make_case(session, clock, reporter=reporter, number="3")
        case_id = reported.case.id
        assert case_id is not None
        queued = await outbox.enqueue_all(
            session, [{"chat_id": -100, "payload": {"text": "已受理 🆘", "n": [1, 2]}, "at": AT,
                       "case_id": case_id},
                      {"chat_id": 7, "payload": {"text": "卡片"}, "at": AT, "case_id": case_id}],
            lease_owner="me", now=AT, lease_s=30)
    assert [q.leased for q in queued] == [True, True] and queued[0].id < queued[1].id
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.kind == reported.case.kind
        assert case.status == reported.case.status and case.text == "楼道灯坏了"
        assert case.created_at == reported.case.created_at
        events = (await session.execute(select(CaseEvent).where(col(CaseEvent.case_id) == case_id)
                                        .order_by(col(CaseEvent.id)))).scalars().all()
        assert events[0].action == CaseAction.CREATE and events[0].to_status == CaseStatus.NEW
        assert events[0].actor_id == reporter.id
        rows = (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id))
                                      )).scalars().all()
        assert [r.id for r in rows] == [q.id for q in queued]
        assert rows[0].payload == {"text": "已受理 🆘", "n": [1, 2]}
        assert rows[0].lease_owner == "me" and rows[0].lease_until == AT + timedelta(seconds=30)
        assert rows[0].created_at == AT and rows[0].attempts == 0


async def test_a_second_claim_of_an_update_changes_nothing(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        assert await updates.claim_update(session, update_id=42, at=AT)
    async with sessions() as session, session.begin():
        assert not await updates.claim_update(session, update_id=42, at=AT)
    async with sessions() as session:
        stored = (await session.execute(select(ProcessedUpdate))).scalars().all()
    assert [(p.update_id, p.processed_at) for p in stored] == [(42, AT)]


async def test_deliveries_are_recorded_with_their_views(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        viewer, subject = await person(session, 601, "网格员"), await person(session, 602)
        queued = await outbox.enqueue_all(
            session, [{"chat_id": 5, "payload": {"text": str(i)}, "at": AT} for i in range(3)],
            lease_owner="me", now=AT)
    later = AT + timedelta(seconds=2)
    async with sessions() as session, session.begin():
        await outbox.mark_all_sent(session, [(queued[0].id, 71), (queued[1].id, None)], at=later)
        await audit.record_delivered(session, [
            View(viewer_id=viewer.id or 0, subject_id=subject.id, case_id=None, what="phone")],
            at=later)
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id))
                                      )).scalars().all()
        views = (await session.execute(select(DataAccess))).scalars().all()
    assert [(r.sent_at, r.sent_message_id, r.attempts, r.lease_until) for r in rows] == [
        (later, 71, 1, None), (later, None, 1, None),
        (None, None, 0, AT + timedelta(seconds=30))]
    assert [(v.at, v.viewer_id, v.subject_id, v.what) for v in views] == [
        (later, viewer.id, subject.id, "phone")]


async def test_a_direct_statement_is_part_of_the_sessions_transaction(
    sessions: Sessions,
) -> None:
    # The first statement of a transaction (on PostgreSQL it begins it on the driver).
    async with sessions() as session:
        async with session.begin():
            assert await updates.claim_update(session, update_id=1, at=AT)
            await session.rollback()
        async with session.begin():
            assert await updates.claim_update(session, update_id=2, at=AT)
            await session.execute(insert(ProcessedUpdate).values(update_id=3, processed_at=AT))
    async with sessions() as session:
        stored = (await session.execute(select(col(ProcessedUpdate.update_id)))).scalars().all()
    assert sorted(stored) == [2, 3]


async def test_unflushed_orm_changes_are_flushed_first(sessions: Sessions) -> None:
    # The session holds a change not written yet: the statement goes through the session,
    # which writes it first, as before any statement.
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, 701)
    async with sessions() as session, session.begin():
        assert reporter.id is not None
        case = Case(kind="repair", status=CaseStatus.NEW, text="漏水", reporter_id=reporter.id,
                    created_at=AT, updated_at=AT)
        session.add(case)
        await session.flush()
        case.text = "漏水很严重"  # a change not yet written
        outcome = await direct.run(session, lifecycle._ADD_EVENTS, [
            {"case_id": case.id, "at": AT, "note": None, "assignee_id": None, "actor_id": None,
             "action": CaseAction.CREATE, "from_status": None, "to_status": CaseStatus.NEW}])
        assert outcome.rows == [] and not session.dirty  # written before the statement
        stored = (await session.execute(text("SELECT text FROM cases"))).scalar_one()
        assert stored == "漏水很严重"


async def test_a_driver_error_is_sqlalchemys_and_the_session_goes_on(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        with pytest.raises(IntegrityError):
            async with session.begin():
                await direct.run(session, lifecycle._ADD_EVENTS, [  # no such case
                    {"case_id": 999_999, "at": AT, "note": None, "assignee_id": None,
                     "actor_id": None, "action": CaseAction.CREATE, "from_status": None,
                     "to_status": CaseStatus.NEW}])
        async with session.begin():
            assert await updates.claim_update(session, update_id=5, at=AT)
    async with sessions() as session:
        assert (await session.execute(select(col(ProcessedUpdate.update_id)))).scalars().all() \
            == [5]


async def test_listeners_see_each_statement(sessions: Sessions, engine: AsyncEngine) -> None:
    seen: list[tuple[str, bool]] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any,
               many: bool) -> None:
        seen.append((statement.split()[0] + " " + statement.split()[2], many))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessions() as session, session.begin():
            await updates.claim_update(session, update_id=9, at=AT)
            await outbox.enqueue_all(session, [{"chat_id": 1, "payload": {}, "at": AT}] * 2)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert seen == [("INSERT processed_update", False), ("INSERT outbox", True)]


async def test_a_write_waits_for_another_writer_without_blocking_the_loop(
    sessions: Sessions, database_url: str,
) -> None:
    if not database_url.startswith("sqlite"):
        # PostgreSQL has no database-wide write lock to wait for: rows lock one by one and
        # asyncpg waits for them on the loop already.
        pytest.skip("SQLite only: its one write lock for the whole database")
    path = database_url.split("///", 1)[1]
    async with sessions() as session, session.begin():
        await updates.claim_update(session, update_id=1, at=AT)  # the file and its tables
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def release() -> None:
        await asyncio.sleep(0.3)
        other.execute("COMMIT")

    clock_task, releasing = asyncio.create_task(ticking()), asyncio.create_task(release())
    try:
        async with sessions() as session, session.begin():
            assert await updates.claim_update(session, update_id=2, at=AT)
    finally:
        clock_task.cancel()
        await releasing
        other.close()
    assert ticks >= 10  # the loop ran while the statement waited
    async with sessions() as session:
        stored = (await session.execute(select(col(ProcessedUpdate.update_id)))).scalars().all()
    assert sorted(stored) == [1, 2]


async def test_who_is_this_gives_the_sessions_own_rows(
    sessions: Sessions, clock: FrozenClock, engine: AsyncEngine,
) -> None:
    # "Who is this" reads the person and their conversation state as columns: they must still
    # be the session's objects, changed and written like rows a query loaded.
    async with sessions() as session, session.begin():
        await load_sample(session)
        first = await person(session, 801, "李阿姨")
        await conversation.wait_for(session, clock=clock, chat_id=-5, user_id=801,
                                    step="building", data={"text": "漏水"})
    reads: list[str] = []

    def read(*args: Any) -> None:
        reads.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", read)
    try:
        async with sessions() as session, session.begin():
            keep_loaded(session)  # as an update's session (bot/processing.py)
            me = await directory.ensure_person(session, telegram_id=801, name="李阿姨",
                                               chat_id=-5, private_chat_at=AT)
            assert me.id == first.id and me.name == "李阿姨" and me.created_at == first.created_at
            assert await session.get(Person, me.id) is me  # held: not read again
            waiting = await conversation.current(session, chat_id=-5, user_id=801)
            assert waiting is not None and waiting.data == {"text": "漏水"}
            await conversation.wait_for(session, clock=clock, chat_id=-5, user_id=801,
                                        step="room")
            assert len(reads) == 1  # the one "who is this" statement
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", read)
    async with sessions() as session:
        again = await session.get(Person, first.id)
        state = await conversation.current(session, chat_id=-5, user_id=801)
    assert again is not None and again.private_chat_at == AT  # the change was written
    assert state is not None and state.step == "room"


async def test_a_first_contact_is_written_at_once_and_held(
    sessions: Sessions, engine: AsyncEngine,
) -> None:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2].split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with sessions() as session, session.begin():
            keep_loaded(session)
            new = await directory.ensure_person(session, telegram_id=901, name="王大爷" * 60,
                                                chat_id=-7, private_chat_at=AT)
            assert new.id is not None and await session.get(Person, new.id) is new
            assert not session.new and not session.dirty  # stored, nothing left to write
            assert statements == ["SELECT", "INSERT"]
            again = await directory.ensure_person(session, telegram_id=901, name="王大爷",
                                                  chat_id=-7)
            assert again is new
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    async with sessions() as session:
        stored = await session.get(Person, new.id)
    assert stored is not None and stored.telegram_id == 901 and stored.private_chat_at == AT
    assert stored.name == ("王大爷" * 60)[:100] and stored.created_at == new.created_at


async def test_the_claim_and_who_is_this_process_an_update_once(
    sessions: Sessions, engine: AsyncEngine,
) -> None:
    # On PostgreSQL the claim is a WITH of "who is this" (one statement); on SQLite two. Either
    # way a redelivered update is refused before anything else, even a first contact's row.
    async def claim(update_id: int, telegram_id: int) -> Person | None:
        async with sessions() as session, session.begin():
            return await directory.claim_and_ensure_person(
                session, update_id=update_id, at=AT, telegram_id=telegram_id, name="赵",
                private_chat_at=None, chat_id=-9)

    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        first = await claim(77, 950)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert first is not None and first.id is not None and first.telegram_id == 950
    postgres = engine.dialect.name == "postgresql"
    assert len(statements) == (2 if postgres else 3)  # (claim,) who, the new resident
    assert await claim(77, 951) is None  # redelivered: not processed, nobody registered
    assert await claim(78, 950) is not None
    async with sessions() as session:
        people = (await session.execute(select(col(Person.telegram_id))
                                        .where(col(Person.telegram_id).in_([950, 951])))
                  ).scalars().all()
        claimed = (await session.execute(select(col(ProcessedUpdate.update_id)))).scalars()
        assert list(people) == [950] and sorted(claimed) == [77, 78]
