"""The structure snapshot hands out the asking session's own objects."""

from datetime import UTC, datetime

from sqlalchemy import inspect, select
from sqlmodel import col

from bot.db import Sessions
from models import Person, Role, StaffRole
from services import directory, structure_snapshot
from tests.factories import load_sample


async def test_a_staff_member_changed_in_the_transaction_keeps_the_change(
        sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
    when = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        (first, *_) = await directory.people_with_role(session, Role.WORKER)
        first.private_chat_at = when  # e.g. the worker's first private message
        again = await directory.people_with_role(session, Role.WORKER)
        assert again[0] is first
        assert again[0].private_chat_at == when
    async with sessions() as session, session.begin():
        (stored, *_) = await directory.people_with_role(session, Role.WORKER)
        assert stored.private_chat_at == when


async def test_a_snapshot_row_in_a_session_is_its_own_stored_unchanged_copy(
        sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
    async with sessions() as session, session.begin():
        snapshot = await structure_snapshot.current(session)
        assert snapshot is not None
        (worker, *_) = await directory.people_with_role(session, Role.WORKER)
        cached = snapshot.people[worker.id or 0]
        state = inspect(worker)
        # Held by this session as stored, with nothing to write; not the snapshot's own object.
        assert worker is not cached and state.persistent and worker in session
        assert not session.dirty and not session.new
        assert worker.model_dump() == cached.model_dump()
        worker.phone = "13800000000"
        assert worker in session.dirty and cached.phone != "13800000000"
        await session.flush()  # written as an UPDATE of the stored row
    async with sessions() as session, session.begin():
        (stored,) = (await session.execute(
            select(Person).where(col(Person.id) == worker.id))).scalars()
        assert stored.phone == "13800000000"


async def test_a_role_look_up_by_scope_finds_the_holders_of_that_scope_only(
        sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
    async with sessions() as session, session.begin():
        roles = list((await session.execute(select(StaffRole))).scalars())
    async with sessions() as session, session.begin():
        assert await structure_snapshot.current(session) is not None
        for role in {Role(r.role) for r in roles}:
            for grid in {r.grid_id for r in roles} | {None}:
                for community in {r.community_id for r in roles} | {None}:
                    expected = sorted({r.person_id for r in roles if r.role == role
                                       and grid in (None, r.grid_id)
                                       and community in (None, r.community_id)})
                    found = await directory.people_with_role(
                        session, role, grid_id=grid, community_id=community)
                    assert [p.id for p in found] == expected, (role, grid, community)
