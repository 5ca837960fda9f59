"""Benchmark: one reminder tick and one daily digest over 1,000,000 cases, 100,000 of them open.

    python bench/bench_scheduler.py                       # SQLite file in /tmp
    python bench/bench_scheduler.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python bench/bench_scheduler.py --total 100000 --open 10000   # a quick run

The database is emptied and seeded with bulk inserts: 10 communities of 5 grids, a year of closed
cases and a month of open ones. Reminder steps that fell due more than an hour ago are recorded as
sent (the steady state of a bot that has been running), so the tick finds the last hour's steps.
"""

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select, text  # noqa: E402
from sqlmodel import SQLModel, col  # noqa: E402

from bot.db import make_engine, make_sessions  # noqa: E402
from models import (  # noqa: E402
    Building,
    Case,
    CaseKind,
    CaseStatus,
    Community,
    Grid,
    OutboxMessage,
    Person,
    ReminderSent,
    ScheduledSend,
    StaffRole,
    Street,
    Urgency,
)
from scheduler.env import JobEnv  # noqa: E402
from scheduler.jobs import daily_digest, remind  # noqa: E402
from services import digest  # noqa: E402
from services.clock import FrozenClock  # noqa: E402
from services.deadlines import DeadlinePolicy  # noqa: E402
from services.reminders import TICK, ReminderRules  # noqa: E402
from services.timing import Timing  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 0, 30, tzinfo=UTC)  # 08:30 local: digest time
COMMUNITIES, GRIDS, BUILDINGS, RESIDENTS = 10, 5, 10, 10_000
BATCH = 20_000
KINDS = [(CaseKind.REPAIR, 60), (CaseKind.OTHER, 22), (CaseKind.DISPUTE, 10), (CaseKind.WISH, 6),
         (CaseKind.EMERGENCY, 2)]


def pick_kind(rng: random.Random) -> str:
    return str(rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0])


async def reset(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)


async def seed_structure(sessions) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    people: dict[str, list[int]] = {"grid": [], "building": [], "community": [], "worker": []}
    async with sessions() as session, session.begin():
        street = Street(name="华侨路街道")
        session.add(street)
        await session.flush()
        admin = Person(name="周主任", telegram_id=900001, private_chat_at=NOW)
        session.add(admin)
        await session.flush()
        session.add(StaffRole(person_id=admin.id or 0, role="admin", street_id=street.id))
        for c in range(COMMUNITIES):
            community = Community(code=f"c{c}", name=f"社区{c}", street_id=street.id or 0)
            session.add(community)
            await session.flush()
            manager = Person(name=f"书记{c}", telegram_id=910000 + c, private_chat_at=NOW)
            session.add(manager)
            await session.flush()
            session.add(StaffRole(person_id=manager.id or 0, role="manager",
                                  community_id=community.id))
            for g in range(GRIDS):
                grid = Grid(code=f"c{c}g{g}", name=f"网格{c}-{g}", community_id=community.id or 0)
                session.add(grid)
                await session.flush()
                for w in range(2):
                    worker = Person(name=f"网格员{c}-{g}-{w}", private_chat_at=NOW,
                                    telegram_id=940000 + c * 100 + g * 10 + w)
                    session.add(worker)
                    await session.flush()
                    session.add(StaffRole(person_id=worker.id or 0, role="worker",
                                          community_id=community.id, grid_id=grid.id))
                    people["grid"].append(grid.id or 0)
                    people["community"].append(community.id or 0)
                    people["worker"].append(worker.id or 0)
                for b in range(BUILDINGS):
                    building = Building(community_id=community.id or 0, grid_id=grid.id or 0,
                                        number=str(g * BUILDINGS + b + 1))
                    session.add(building)
                    await session.flush()
                    people["building"].append(building.id or 0)
    async with sessions() as session, session.begin():
        await session.execute(insert(Person), [
            {"name": f"居民{i}", "telegram_id": 5_000_000 + i, "care": []}
            for i in range(RESIDENTS)])
        first = (await session.execute(select(func.min(Person.id)).where(
            col(Person.telegram_id) >= 5_000_000))).scalar_one()
    people["reporters"] = list(range(first, first + RESIDENTS))
    return people


def case_rows(start: int, count: int, opened: bool, people: dict[str, list[int]],
              rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Cases, and the reminder steps a running bot would already have recorded for them."""
    rules = Timing().reminder_rules()
    cases, sent = [], []
    span = timedelta(days=30 if opened else 365)
    for i in range(start, start + count):
        slot = rng.randrange(len(people["grid"]))
        kind = pick_kind(rng)
        urgency = Urgency.URGENT if rng.random() < 0.1 else Urgency.NORMAL
        created = NOW - span * rng.random() - timedelta(minutes=1)
        accepted = created + timedelta(minutes=rng.randrange(5, 180))
        row = {"id": i, "kind": kind, "urgency": urgency, "text": "楼道灯坏了",
               "community_id": people["community"][slot], "grid_id": people["grid"][slot],
               "building_label": "1", "reporter_id": rng.choice(people["reporters"]),
               "assignee_id": people["worker"][slot], "created_at": created,
               "updated_at": created, "published_at": created if kind == CaseKind.WISH else None,
               "accepted_at": None, "resolved_at": None, "closed_at": None, "rating": None}
        if opened:
            waiting = rng.random() < 0.3 and accepted > NOW - timedelta(hours=6)
            row["status"] = (CaseStatus.PUBLISHED if kind == CaseKind.WISH else
                             CaseStatus.ASSIGNED) if waiting else CaseStatus.ACCEPTED
            row["accepted_at"] = None if waiting else min(accepted, NOW)
            sent += already_sent(rules, row)
        else:
            closed = accepted + timedelta(hours=rng.randrange(1, 120))
            row.update(status=CaseStatus.CLOSED, accepted_at=accepted, resolved_at=closed,
                       closed_at=closed, updated_at=closed,
                       rating=rng.choice([None, None, 5, 5, 5, 4, 4, 3, 2, 1]))
        cases.append(row)
    return cases, sent


def already_sent(rules: ReminderRules, row: dict) -> list[dict]:
    allowance = rules.policy.allowance(row["kind"], row["urgency"])
    wish = row["kind"] == CaseKind.WISH
    rows = []
    for step in rules.steps():
        if step.phase == "confirm":
            continue
        if step.phase == "accept":
            since = row["published_at"] if wish else row["created_at"]
            if row["accepted_at"] is not None and not wish:
                continue
            if wish and row["status"] != CaseStatus.PUBLISHED:
                continue
            span = allowance.accept
        else:
            since = row["accepted_at"] if wish else row["created_at"]
            if since is None:
                continue
            span = allowance.resolve
        if since + span * step.share <= NOW - timedelta(hours=1):
            rows.append({"case_id": row["id"], "step": step.name, "since": since,
                         "sent_at": since + span * step.share})
    return rows


async def seed_cases(sessions, total: int, opened: int, people: dict) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    next_id = 1
    for wanted, is_open in ((total - opened, False), (opened, True)):
        done = 0
        while done < wanted:
            count = min(BATCH, wanted - done)
            cases, sent = case_rows(next_id, count, is_open, people, rng)
            async with sessions() as session, session.begin():
                await session.execute(insert(Case), cases)
                if sent:
                    await session.execute(insert(ReminderSent), sent)
            next_id += count
            done += count
    print(f"  seeded {next_id - 1:,} cases")


async def timed(label: str, job) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = await job
    elapsed = time.perf_counter() - started
    print(f"  {label:<44} {elapsed * 1000:9.0f} ms   ({result})")
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="sqlite+aiosqlite:////tmp/gridbot_bench.db")
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the cases seeded by an earlier run (only undo its sends)")
    args = parser.parse_args()
    engine = make_engine(args.url)
    sessions = make_sessions(engine)
    print(f"database: {args.url.split('@')[-1]}")
    started = time.perf_counter()
    if args.keep:
        async with engine.begin() as conn:
            for table in ("outbox", "scheduled_send"):
                await conn.execute(text(f"DELETE FROM {table}"))
            await conn.execute(delete(ReminderSent).where(
                col(ReminderSent.sent_at) > NOW - timedelta(hours=1)))
    else:
        await reset(engine)
        people = await seed_structure(sessions)
        await seed_cases(sessions, args.total, args.open, people)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))"))
        await conn.execute(text("ANALYZE"))
    print(f"  seeding took {time.perf_counter() - started:.0f} s")
    async with sessions() as session:
        open_count = (await session.execute(select(func.count()).select_from(Case).where(
            col(Case.status) != CaseStatus.CLOSED))).scalar_one()
        steps = (await session.execute(select(func.count()).select_from(ReminderSent))).scalar_one()
    print(f"  {args.total:,} cases, {open_count:,} open, {steps:,} reminder steps already sent")
    async with sessions() as session, session.begin():  # the bot last ticked an hour ago
        session.add(ScheduledSend(kind=TICK, key=TICK, sent_at=NOW - timedelta(hours=1)))
    env = JobEnv(sessions=sessions, clock=FrozenClock(NOW), tz=TZ)
    print("timings:")
    await timed("reminder tick (the last hour's steps)", remind(env))
    await timed("reminder tick (steady: nothing new)", remind(env))
    async with sessions() as session, session.begin():
        await session.execute(delete(ScheduledSend))
    await timed("first tick ever (no previous tick: full scan)", remind(env))
    policy = DeadlinePolicy()

    async def build() -> int:
        async with sessions() as session:
            return len(await digest.build(session, policy=policy, tz=TZ, now=NOW))

    await timed("digest numbers, all communities", build())
    await timed("daily digest job (texts + 11 charts)", daily_digest(env))
    async with sessions() as session:
        queued = (await session.execute(
            select(func.count()).select_from(OutboxMessage))).scalar_one()
    print(f"  {queued:,} messages queued in all")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
