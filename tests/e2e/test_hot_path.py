"""The report's hot path (issue 19): replies queued already leased to this process's sender only
when nothing else of their chat waits, the structure snapshot refreshed by its version stamp,
and the statements a report costs (counted, never timed)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.db import Sessions, keep_loaded
from models import (
    Case,
    CaseKind,
    Community,
    OutboxMessage,
    Person,
    Role,
    StaffRole,
    Street,
    StructureVersion,
)
from models.construct import new_row
from services import conversation, directory, guide, outbox, sos, structure_snapshot
from services.clock import FrozenClock
from tests.e2e.harness import RESIDENT, YULAN_GROUP, World
from tests.factories import load_sample

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _row(chat_id: int, text: str = "x") -> dict[str, object]:
    return {"chat_id": chat_id, "payload": {"text": text}, "at": NOW}


@contextmanager
def _traced(engine: AsyncEngine) -> Iterator[tuple[list[str], list[int]]]:
    """The statements run on the engine meanwhile, and after how many of them each commit
    came."""
    statements: list[str] = []
    commits: list[int] = []
    record = lambda *args: statements.append(str(args[2]))  # noqa: E731
    commit = lambda _conn: commits.append(len(statements))  # noqa: E731
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    event.listen(engine.sync_engine, "commit", commit)
    try:
        yield statements, commits
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        event.remove(engine.sync_engine, "commit", commit)


@contextmanager
def _counted(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements run on the engine meanwhile."""
    with _traced(engine) as (statements, _commits):
        yield statements


async def test_who_is_this_reads_person_state_and_stamp_in_one_statement(
    sessions: Sessions, engine: AsyncEngine,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
    async with sessions() as s, s.begin():
        assert await structure_snapshot.current(s) is not None  # loaded once, before counting
    group, newcomer = -1001, 777001
    with _counted(engine) as first_contact:
        async with sessions() as s, s.begin():
            keep_loaded(s)
            me = await directory.ensure_person(s, telegram_id=newcomer, name="新人", chat_id=group)
            assert await conversation.current(s, chat_id=group, user_id=newcomer) is None
            assert await directory.community_of_chat(s, group) is None  # from the snapshot
            await conversation.wait_for(s, clock=FrozenClock(), chat_id=group, user_id=newcomer,
                                        step="intake.building", data={"text": "灯坏了"})
    # A first contact: the query (no person, no state, the stamp), then the new resident.
    assert me.id is not None and me.telegram_id == newcomer
    assert [q.split()[0] for q in first_contact] == ["SELECT", "INSERT", "INSERT"], first_contact
    assert "structure_version" in first_contact[0] and "conversation_state" in first_contact[0]
    with _counted(engine) as known:
        async with sessions() as s, s.begin():
            keep_loaded(s)
            again = await directory.ensure_person(s, telegram_id=newcomer, name="新人",
                                                  chat_id=group)
            waiting = await conversation.current(s, chat_id=group, user_id=newcomer)
            snapshot = await structure_snapshot.current(s)
    assert again.id == me.id and waiting == conversation.Waiting("intake.building",
                                                                 {"text": "灯坏了"})
    assert snapshot is not None and len(known) == 1, known
    # A transaction that changes the structure itself still reads it from the database, and
    # the next one reads the raised stamp with the person.
    workers = [p.id for p in await _workers(sessions)]
    async with sessions() as s, s.begin():
        await directory.ensure_person(s, telegram_id=newcomer, name="新人", chat_id=group)
        await s.execute(update(StaffRole).where(col(StaffRole.person_id) == workers[0])
                        .values(on_leave=True))
        assert workers[0] not in [p.id for p in await directory.people_with_role(
            s, Role.WORKER, include_on_leave=False)]
    async with sessions() as s, s.begin():
        await directory.ensure_person(s, telegram_id=newcomer, name="新人", chat_id=group)
        fresh = await structure_snapshot.current(s)
        stamp = (await s.execute(select(col(StructureVersion.version)))).scalar_one()
    assert fresh is not None and fresh.version == stamp > snapshot.version
    assert workers[0] not in [r.person_id for r in fresh.roles
                              if r.role == Role.WORKER and not r.on_leave]


async def test_a_communitys_street_lines_and_guide_come_from_the_snapshot(
    sessions: Sessions, engine: AsyncEngine,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        community = (await s.scalars(select(Community).order_by(col(Community.id)))).first()
        assert community is not None and community.id is not None
        await s.execute(update(Street).where(col(Street.id) == community.street_id)
                        .values(emergency_lines=[{"name": "电梯困人救援", "number": "96333"}]))
    async with sessions() as s, s.begin():
        assert await structure_snapshot.current(s) is not None  # loaded once, before counting
    with _counted(engine) as asked:
        async with sessions() as s, s.begin():
            await directory.ensure_person(s, telegram_id=777002, name="居民", chat_id=-1001)
            lines = await sos.local_lines(s, community.id)
            (answer,) = await guide.answer_for(s, "社区几点上班？", community.id)
            assert answer in s and answer.community_id == community.id  # this session's own
            assert await guide.answer_for(s, "公积金怎么提取", community.id) == []
            assert await directory.street_of_community(s, 10**6) is None
    # The person (with the stamp) and the new resident: no community, street or guide read (an
    # urgent repair's receipt shows the lines; a report that may be a question asks the guide).
    assert lines == [("电梯困人救援", "96333")]
    assert [q.split()[0] for q in asked] == ["SELECT", "INSERT"], asked
    # A change of the lines or of the guide raises the stamp: the next transaction sees it.
    async with sessions() as s, s.begin():
        await s.execute(update(Street).where(col(Street.id) == community.street_id)
                        .values(emergency_lines=[]))
        await guide.add_entry(s, clock=FrozenClock(), community_id=community.id,
                              given=guide.GuideFields(name="失物招领", keywords=("丢东西",)))
    async with sessions() as s, s.begin():
        assert await sos.local_lines(s, community.id) == []
        (found,) = await guide.answer_for(s, "我丢东西了", community.id)
        assert found.name == "失物招领"
        await guide.remove_entry(s, community_id=community.id, name="失物招领")
        await s.execute(update(Street).where(col(Street.id) == community.street_id)
                        .values(emergency_lines=[{"name": "燃气", "number": "96777"}]))
        # A transaction that changed the structure reads its own change from the database.
        assert await sos.local_lines(s, community.id) == [("燃气", "96777")]
        assert await guide.answer_for(s, "我丢东西了", community.id) == []
    async with sessions() as s, s.begin():
        assert await guide.answer_for(s, "我丢东西了", community.id) == []
        assert "失物招领" not in [e.name for e in await guide.entries_for(s, community.id)]


async def _workers(sessions: Sessions) -> list[Person]:
    async with sessions() as s, s.begin():
        return list(await directory.people_with_role(s, Role.WORKER, include_on_leave=False))


async def test_a_row_built_without_setattr_is_the_row_its_constructor_builds(
    sessions: Sessions,
) -> None:
    values: dict[str, Any] = {"kind": CaseKind.REPAIR, "text": "水管漏水", "reporter_id": 1,
                              "unit": "2", "created_at": NOW, "updated_at": NOW}
    built, plain = new_row(Case, **values), Case(**values)
    assert built.model_dump() == plain.model_dump()
    assert built.model_fields_set == plain.model_fields_set
    async with sessions() as s, s.begin():
        await load_sample(s)
        reporter = await directory.ensure_person(s, telegram_id=5, name="居民")
        built.reporter_id = reporter.id or 0
        s.add(built)
        await s.flush()
        stored = (await s.execute(select(Case.__table__).where(  # type: ignore[attr-defined]
            col(Case.id) == built.id))).mappings().one()
    assert stored["text"] == "水管漏水" and stored["unit"] == "2" and stored["followers"] == 0
    try:
        new_row(Case, colour="red")
    except TypeError:
        pass
    else:
        raise AssertionError("an unknown field was accepted")


async def test_replies_come_out_leased_only_when_nothing_else_of_their_chat_waits(
    sessions: Sessions,
) -> None:
    async with sessions() as s, s.begin():
        retry = outbox.enqueue(s, chat_id=2, payload={"text": "retry"}, at=NOW)
        other = outbox.enqueue(s, chat_id=3, payload={"text": "elsewhere"}, at=NOW)
        quiet = outbox.enqueue(s, chat_id=4, payload={"text": "after quiet hours"}, at=NOW,
                               available_at=NOW + timedelta(hours=8))
        await s.flush()
        retry.attempts, retry.available_at = 1, NOW + timedelta(seconds=5)
        other.lease_owner, other.lease_until = "b", NOW + timedelta(seconds=30)
    async with sessions() as s, s.begin():
        first = await outbox.enqueue_all(s, [_row(1, "a"), _row(2), _row(3), _row(4), _row(1)],
                                         lease_owner="a", now=NOW)
    # chat 1: nothing waited (its two rows agree); 2: a retry waits; 3: another sender holds
    # one; 4: only a message deferred on purpose, which holds nothing back.
    assert [q.leased for q in first] == [True, False, False, True, True]
    assert len({q.id for q in first}) == 5 and first[0].id < first[4].id
    async with sessions() as s, s.begin():
        again = await outbox.enqueue_all(s, [_row(1), _row(2)], lease_owner="a", now=NOW)
        other_sender = await outbox.enqueue_all(s, [_row(1)], lease_owner="b", now=NOW)
    assert [q.leased for q in again] == [True, False]  # chat 1 waits only for "a"'s own
    assert [q.leased for q in other_sender] == [False]
    async with sessions() as s:
        rows = {r.id: r for r in (await s.execute(select(OutboxMessage))).scalars()}
    assert rows[first[0].id].lease_owner == "a" and rows[first[0].id].lease_until is not None
    assert rows[first[1].id].lease_owner is None and rows[first[1].id].lease_until is None
    assert quiet.id in rows
    # What was not leased is leased the usual way, in order, once its chat is free.
    async with sessions() as s, s.begin():
        early = await outbox.lease_batch(s, now=NOW + timedelta(seconds=1), owner="c", limit=50)
    assert not {first[1].id, other_sender[0].id} & {r.id for r in early}  # 2 and 1 wait
    async with sessions() as s, s.begin():
        later = [r.id for r in await outbox.lease_batch(
            s, now=NOW + timedelta(seconds=31), owner="c", limit=50)]
    assert later.index(retry.id) < later.index(first[1].id)  # the retry goes first
    assert other_sender[0].id in later  # chat 1's leases ran out: taken over


async def test_the_snapshot_follows_every_committed_change_of_the_structure(
    sessions: Sessions,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
    async with sessions() as s, s.begin():
        before = await directory.people_with_role(s, Role.WORKER, include_on_leave=False)
        snapshot = await structure_snapshot.current(s)
        assert snapshot is not None and before
    worker = before[0]
    async with sessions() as s, s.begin():  # a Core UPDATE, as any writer might make it
        await s.execute(update(StaffRole).where(col(StaffRole.person_id) == worker.id)
                        .values(on_leave=True))
        # Its own transaction reads the database, and sees the change already.
        mine = await directory.people_with_role(s, Role.WORKER, include_on_leave=False)
        assert worker.id not in [p.id for p in mine]
    async with sessions() as s, s.begin():
        after = await directory.people_with_role(s, Role.WORKER, include_on_leave=False)
        stamp = (await s.execute(select(col(StructureVersion.version)))).scalar_one()
        fresh = await structure_snapshot.current(s)
    assert worker.id not in [p.id for p in after]
    assert fresh is not None and fresh.version == stamp > snapshot.version
    first_version = fresh.version
    async with sessions() as s, s.begin():  # an ORM change to a staff member, too
        person = await directory.person_by_telegram(s, worker.telegram_id or 0)
        assert person is not None
        person.phone = "13912345678"
    async with sessions() as s, s.begin():
        roles = await directory.people_with_role(s, Role.WORKER)
        patched = await structure_snapshot.current(s)
    assert next(p for p in roles if p.id == worker.id).phone == "13912345678"
    # A change to staff members alone is written into this process's snapshot, not re-read
    # (a whole team pressing Start on the first day would otherwise re-read it per person).
    assert patched is fresh and patched.version == first_version + 1


async def test_a_report_costs_few_statements_one_commit_and_one_record(world: World) -> None:
    assert world.bot is not None and world.bot.engine is not None
    await world.say(RESIDENT, "@gridbot_test_bot 3号楼楼道灯坏了", chat=YULAN_GROUP)
    with _traced(world.bot.engine) as (statements, commits):
        world.fake.user_sends(RESIDENT, "@gridbot_test_bot 4号楼水管漏水了",
                              chat=world.groups[YULAN_GROUP])
        await world.fake.wait_for(lambda: len(world.fake.messages(YULAN_GROUP)) >= 2)
        await world.settle()
    processing = statements[:commits[0]]
    delivery = [s for s in statements[commits[0]:] if "count(" not in s]  # settle()'s own
    # The update: claim; who is this (the person, their conversation state in this chat and the
    # structure stamp, one SELECT); the 我也遇到 check; the open-case counts of the grid's
    # workers with whether one without a private chat is reachable (one SELECT); the case; its
    # two events (one INSERT); the replies (one INSERT). On PostgreSQL the claim is a WITH of
    # "who is this": one statement less. The card's audit row is written when the card is
    # delivered, with its record.
    postgres = world.bot.engine.dialect.name == "postgresql"
    assert len(processing) <= (6 if postgres else 7), processing
    reads = [s for s in processing if s.startswith(("SELECT", "WITH"))]
    assert len(reads) == 3, reads
    assert all(t in reads[0] for t in ("person", "conversation_state", "structure_version"))
    assert ("INSERT INTO processed_update" in reads[0]) == postgres, reads[0]
    assert "FROM cases" in reads[1] and "LIMIT" in reads[1]  # the duplicate check
    assert "count(*)" in reads[2] and "FROM outbox" in reads[2]  # loads and reachability
    assert [s.split()[2] for s in processing if s.startswith("INSERT")] == [
        *([] if postgres else ["processed_update"]), "cases", "case_event", "outbox"]
    assert not [s for s in processing if "FROM building" in s or "FROM staff_role" in s]
    # The replies go to this process's sender: nothing leases them (an idle look for other
    # work may run meanwhile, and finds nothing), and recording them is an UPDATE or two.
    assert not [s for s in delivery if s.startswith("UPDATE outbox SET lease_until=")
                and "lease_owner=" in s], delivery
    # The receipt (group) and the card (worker) share one record when both are in the sender's
    # open batch when it commits (settle() commits it at once, after a 2 ms wait for sends
    # still on the wire); a card answered later than that is recorded by the next batch:
    # one UPDATE or two, never more, never none.
    records = [s for s in delivery if s.startswith("UPDATE outbox")]
    assert 1 <= len(records) <= 2, delivery
    # The worker saw the resident's details when the card arrived: one audit row, recorded in
    # the same transaction as the card's delivery.
    views = [s for s in delivery if s.startswith("INSERT INTO data_access")]
    assert len(views) == 1, delivery


async def test_an_urgent_repair_with_local_lines_costs_what_any_report_costs(
    world: World,
) -> None:
    assert world.bot is not None and world.bot.engine is not None
    assert world.bot.sessions is not None
    async with world.bot.sessions() as s, s.begin():
        await s.execute(update(Street).values(
            emergency_lines=[{"name": "电梯困人救援", "number": "96333"}]))
    await world.say(RESIDENT, "@gridbot_test_bot 3号楼楼道灯坏了", chat=YULAN_GROUP)
    with _traced(world.bot.engine) as (statements, commits):
        await world.say(RESIDENT, "/report 3号楼整栋楼停水一整天了", chat=YULAN_GROUP)
    offer = world.last(YULAN_GROUP)
    assert "96333" in offer.text and offer.button_texts == ["🆘 紧急求助"]
    # The street's lines come from the structure snapshot, like every other part of it.
    processing = statements[:commits[0]]
    assert len(processing) <= 7, processing
    assert not [q for q in processing if "FROM community" in q or "FROM street" in q], processing
