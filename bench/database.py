"""The bench's database: a fresh one per run, its size, what the outbox did, and 100,000 old
cases seeded in bulk (not through the bot)."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Select, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bench.processes import cpu_seconds
from bot import migrate
from bot.db import make_engine, make_sessions
from models import (
    Building,
    Case,
    CaseAction,
    CaseEvent,
    CaseStatus,
    OutboxMessage,
    Person,
    Role,
    StaffRole,
)
from services.structure_import import import_structure, load_structure

TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


def sqlite_url(path: Path) -> str:
    """The URL of an SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


async def fresh_database(url: str, structure_yaml: str) -> None:
    """An empty database at the newest migration, holding the bench community."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite+aiosqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    else:
        engine = make_engine(url)
        async with engine.begin() as conn:  # the bench owns this database: start from nothing
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await migrate.upgrade(url)
    engine = make_engine(url)
    async with make_sessions(engine)() as session, session.begin():
        await import_structure(session, load_structure(structure_yaml, source="bench"))
    await engine.dispose()


async def size_bytes(url: str) -> int:
    """The database's size on disk: the SQLite file, or every PostgreSQL table with indexes."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            if url.startswith("sqlite"):
                await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                path = Path(url.removeprefix("sqlite+aiosqlite:///"))
                return path.stat().st_size
            tables = (await conn.execute(text(TABLES_SQL))).scalars().all()
            total = 0
            for table in tables:
                total += int((await conn.execute(
                    text("SELECT pg_total_relation_size(:t)"), {"t": f"public.{table}"}
                )).scalar_one())
            return total
    finally:
        await engine.dispose()


BACKENDS_SQL = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")


async def server_cpu(url: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving this database (the bot's
    connections; the server runs on this machine), by process id; nothing for SQLite."""
    if url.startswith("sqlite"):
        return {}
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            pids = (await conn.execute(text(BACKENDS_SQL))).scalars().all()
    finally:
        await engine.dispose()
    return {int(pid): cpu_seconds(int(pid)) for pid in pids}


@dataclass(frozen=True)
class Outcome:
    """What the outbox and the cases look like after a run."""

    queued: int
    sent: int
    failed: int
    pending: int
    closed_cases: int
    cases: int


async def outcome(url: str) -> Outcome:
    """Count outbox rows by fate and the cases closed."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            def count(*where: ColumnElement[bool]) -> Select[int]:
                return select(func.count()).select_from(OutboxMessage).where(*where)
            row = OutboxMessage
            queued = (await conn.execute(count())).scalar_one()
            sent = (await conn.execute(count(col(row.sent_at).is_not(None)))).scalar_one()
            failed = (await conn.execute(count(col(row.failed_at).is_not(None)))).scalar_one()
            cases = (await conn.execute(select(func.count()).select_from(Case))).scalar_one()
            closed = (await conn.execute(select(func.count()).select_from(Case).where(
                col(Case.status) == CaseStatus.CLOSED))).scalar_one()
    finally:
        await engine.dispose()
    return Outcome(queued, sent, failed, queued - sent - failed, closed, cases)


async def seed_cases(url: str, count: int, *, residents: int = 20_000, batch: int = 5_000) -> None:
    """Insert `count` closed cases (with their filing and closing events) in bulk."""
    engine = make_engine(url)
    try:
        await _seed(engine, count, residents, batch)
    finally:
        await engine.dispose()


async def _seed(engine: AsyncEngine, count: int, residents: int, batch: int) -> None:
    rng = random.Random(8)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        buildings = (await conn.execute(select(col(Building.id), col(Building.community_id),
                                               col(Building.grid_id)))).all()
        workers = (await conn.execute(select(col(StaffRole.person_id), col(StaffRole.grid_id))
                                      .where(col(StaffRole.role) == Role.WORKER))).all()
        first = (await conn.execute(select(func.max(col(Person.id))))).scalar_one() or 0
        await conn.execute(insert(Person), [
            {"telegram_id": 50_000_000 + n, "name": f"老住户{n:05d}", "care": [],
             "notices_opt_in": False, "created_at": start} for n in range(residents)])
    by_grid: dict[int, list[int]] = {}
    for person_id, grid_id in workers:
        if grid_id is not None:  # every worker has a grid; the column allows none for managers
            by_grid.setdefault(grid_id, []).append(person_id)
    for offset in range(0, count, batch):
        cases, events = [], []
        async with engine.begin() as conn:
            top = (await conn.execute(select(func.max(col(Case.id))))).scalar_one() or 0
            for n in range(offset, min(count, offset + batch)):
                building_id, community_id, grid_id = rng.choice(buildings)
                created = start + timedelta(minutes=5 * n)
                reporter = first + 1 + rng.randrange(residents)
                assignee = rng.choice(by_grid[grid_id])
                cases.append({
                    "kind": "repair", "status": CaseStatus.CLOSED, "urgency": "normal",
                    "text": f"{rng.randrange(1, 21)}号楼楼道灯坏了，麻烦尽快来修一下（{n}）",
                    "community_id": community_id, "grid_id": grid_id,
                    "building_id": building_id, "building_label": "1", "reporter_id": reporter,
                    "assignee_id": assignee, "resolution_note": "已更换灯泡", "rating": 5,
                    "created_at": created, "updated_at": created, "accepted_at": created,
                    "resolved_at": created, "closed_at": created})
                case_id = top + 1 + n - offset
                for action, before, after in ((CaseAction.ASSIGN, None, CaseStatus.ASSIGNED),
                                              (CaseAction.CONFIRM, CaseStatus.RESOLVED,
                                               CaseStatus.CLOSED)):
                    events.append({"case_id": case_id, "at": created, "actor_id": reporter,
                                   "action": action, "from_status": before, "to_status": after,
                                   "assignee_id": assignee})
            await conn.execute(insert(Case), cases)
            await conn.execute(insert(CaseEvent), events)
