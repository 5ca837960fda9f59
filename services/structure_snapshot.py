"""The structure (streets, communities, group chats, grids, buildings, staff roles and staff
members, and the service guide's entries, which change as rarely) kept in memory per process,
refreshed by a version stamp: every transaction that changes any of it raises
`structure_version.version` as it commits (the session events below see every ORM change and
every Core statement on those tables, whoever writes them), and a session reads the stamp once
before it answers from the snapshot. An update reads one number instead of the rows, and reads
it with the person who sent it (`STAMP` in `directory.ensure_person`'s query): at the start of
its transaction rather than at its first lookup, a few milliseconds earlier, which only
decides which snapshot is recent enough.

A transaction that has changed the structure itself is answered from the database (it sees its
own changes there); rows from the snapshot are copied into the asking session without a query,
so callers get ordinary session objects."""

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Table, event, insert, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    UOWTransaction,
    make_transient_to_detached,
)
from sqlalchemy.orm.base import instance_state
from sqlmodel import col

from models import (
    Building,
    Community,
    Grid,
    GroupChat,
    GuideEntry,
    Person,
    StaffRole,
    Street,
    StructureVersion,
)
from models.construct import as_stored

STRUCTURE = (Street, Community, Grid, Building, GroupChat, StaffRole, GuideEntry)
_TABLES: set[Table] = {m.__table__ for m in (*STRUCTURE, Person)}  # type: ignore[union-attr]
_VERSION: Table = StructureVersion.__table__  # type: ignore[attr-defined]
TOUCHED = "gridbot.structure.touched"  # session.info: this transaction changed the structure
READ = "gridbot.structure.version"  # session.info: the stamp this transaction read
RAISED = "gridbot.structure.raised"  # session.info: the stamp this transaction wrote
PEOPLE = "gridbot.structure.people"  # session.info: staff members it changed (and nothing else)
T = TypeVar("T")


class Holder(NamedTuple):
    """Where one staff role applies, in plain values (reading a row's ORM attributes in a loop
    over every worker costs a Python call each)."""

    person_id: int
    community_id: int | None
    street_id: int | None
    on_leave: bool


@dataclass
class Snapshot:
    """The structure as of one version."""

    version: int
    streets: dict[int, Street] = field(default_factory=dict)
    communities: dict[int, Community] = field(default_factory=dict)
    chat_community: dict[int, int] = field(default_factory=dict)
    grids: dict[int, Grid] = field(default_factory=dict)
    buildings: dict[int, Building] = field(default_factory=dict)
    numbered: dict[str, list[Building]] = field(default_factory=dict)  # number -> by id
    roles: list[StaffRole] = field(default_factory=list)  # by id
    roles_of: dict[int, list[StaffRole]] = field(default_factory=dict)
    # (role, scope, id) -> its holders by role id; scope "grid", "community", "street" or "all"
    holders: dict[tuple[str, str, int | None], list[Holder]] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)  # everyone holding a role
    guide: dict[int, list[GuideEntry]] = field(default_factory=dict)  # street -> by name, id


# The stamp as a scalar subquery, for a statement that reads it with other things (the update's
# "who is this" query): NULL when the row is missing, read as 0 like below.
_READ_STAMP = select(_VERSION.c.version).where(_VERSION.c.id == 1)
STAMP = _READ_STAMP.scalar_subquery()

_snapshots: "WeakKeyDictionary[Engine, Snapshot]" = WeakKeyDictionary()
_loading: "WeakKeyDictionary[Engine, asyncio.Lock]" = WeakKeyDictionary()


def remember_stamp(session: AsyncSession, version: int | None) -> None:
    """Take the stamp read with other things as this transaction's own, unless it read one
    already (it is read once per transaction; an earlier read is as good as a later one)."""
    session.info.setdefault(READ, int(version or 0))


async def current(session: AsyncSession) -> Snapshot | None:
    """The snapshot this session may answer from, or None: the session has changed the
    structure (or is about to), or it is not bound to one engine."""
    if session.info.get(TOUCHED) or _pending(session.sync_session):
        return None
    bind = session.bind
    engine = getattr(bind, "sync_engine", None)
    if not isinstance(engine, Engine):
        return None
    version = session.info.get(READ)
    if version is None:
        found = await session.execute(_READ_STAMP)
        version = session.info[READ] = int(found.scalar_one_or_none() or 0)
    snapshot = _snapshots.get(engine)
    if snapshot is not None and snapshot.version >= version:
        return snapshot
    lock = _loading.setdefault(engine, asyncio.Lock())
    async with lock:
        snapshot = _snapshots.get(engine)
        if snapshot is None or snapshot.version < version:
            # Read on the asking session's own connection, in its transaction (it has changed
            # nothing of the structure): another connection could wait for the pool forever
            # while every holder of one waits here. Its own session keeps the rows apart.
            async with AsyncSession(bind=await session.connection(),
                                    expire_on_commit=False) as loader:
                snapshot = await _load(loader)
            _snapshots[engine] = snapshot
    return snapshot if snapshot.version >= version else None


async def _load(session: AsyncSession) -> Snapshot:
    """Read the whole structure (the stamp first: a change meanwhile raises it again)."""
    found = await session.execute(_READ_STAMP)
    snapshot = Snapshot(int(found.scalar_one_or_none() or 0))

    async def rows(model: type[T], order: Any) -> list[T]:
        return list((await session.execute(select(model).order_by(order))).scalars().all())
    snapshot.streets = {s.id: s for s in await rows(Street, col(Street.id)) if s.id is not None}
    snapshot.communities = {c.id: c for c in await rows(Community, col(Community.id))
                            if c.id is not None}
    snapshot.chat_community = {g.chat_id: g.community_id
                               for g in await rows(GroupChat, col(GroupChat.chat_id))}
    snapshot.grids = {g.id: g for g in await rows(Grid, col(Grid.id)) if g.id is not None}
    numbered: dict[str, list[Building]] = defaultdict(list)
    for building in await rows(Building, col(Building.id)):
        if building.id is not None:
            snapshot.buildings[building.id] = building
            numbered[building.number].append(building)
    snapshot.numbered = dict(numbered)
    snapshot.roles = await rows(StaffRole, col(StaffRole.id))
    by_person: dict[int, list[StaffRole]] = defaultdict(list)
    for role in snapshot.roles:
        by_person[role.person_id].append(role)
    snapshot.roles_of = dict(by_person)
    snapshot.holders = _holders(snapshot.roles)
    staff = select(Person).where(col(Person.id).in_(select(col(StaffRole.person_id))))
    snapshot.people = {p.id: p for p in (await session.execute(staff)).scalars().all()
                       if p.id is not None}
    guide: dict[int, list[GuideEntry]] = defaultdict(list)
    entries = select(GuideEntry).order_by(col(GuideEntry.name), col(GuideEntry.id))
    for entry in (await session.execute(entries)).scalars().all():
        guide[entry.street_id].append(entry)
    snapshot.guide = dict(guide)
    return snapshot


def _holders(roles: list[StaffRole]) -> dict[tuple[str, str, int | None], list[Holder]]:
    """Each role's holders indexed by every scope a look-up may name."""
    found: dict[tuple[str, str, int | None], list[Holder]] = defaultdict(list)
    for role in roles:
        holder = Holder(role.person_id, role.community_id, role.street_id, role.on_leave)
        found[(role.role, "all", None)].append(holder)
        for scope, scope_id in (("grid", role.grid_id), ("community", role.community_id),
                                ("street", role.street_id)):
            if scope_id is not None:
                found[(role.role, scope, scope_id)].append(holder)
    return dict(found)


async def attach(session: AsyncSession, rows: Iterable[T]) -> list[T]:
    """The snapshot's rows as objects of this session (no query: a copy of each is added as
    stored, as `merge(load=False)` would)."""
    sync = session.sync_session
    held = sync.identity_map
    attached: list[T] = []
    for row in rows:
        # A row the session holds already is its own (an update asks for the grid's workers
        # several times); copying it again would cost more than the look-up, and would write
        # the snapshot's values over a change this transaction has made to it (a staff member's
        # private_chat_at).
        state = instance_state(row)
        key = state.key
        mine = held.get(key) if key is not None else None
        if mine is None:
            mine = _copy_in(sync, row)
        elif instance_state(mine).expired_attributes:  # an expired one is refreshed from it
            mine = sync.merge(row, load=False)
        attached.append(mine)
    return attached


def _copy_in(session: Session, row: T) -> T:
    """A copy of a snapshot row, persistent in the session and unchanged: what
    `merge(load=False)` makes of a row the session does not hold, without its per-attribute
    merge and cascade (~60 Python calls a row, ~25 here). The values are shared with the
    snapshot's row, as merge shares them: a change assigns a new value (no column is tracked
    for in-place mutation), it never alters the old one."""
    source = instance_state(row)
    if source.unloaded:  # not a whole row (none of ours): merge marks the rest as not loaded
        return session.merge(row, load=False)
    values = {key: value for key, value in row.__dict__.items() if key != "_sa_instance_state"}
    return as_stored(session, type(row), values, source.key)  # type: ignore[type-var]


def _pending(session: Session) -> bool:
    """Whether the session holds unflushed changes to the structure."""
    if not (session.identity_map.check_modified() or session.new or session.deleted):
        return False  # the usual answer, without looking at every row the session holds
    return any(isinstance(obj, STRUCTURE)
               for obj in chain(session.new, session.dirty, session.deleted))


def _staff_ids() -> set[int]:
    return {pid for snapshot in list(_snapshots.values()) for pid in snapshot.people}


@event.listens_for(Session, "before_flush")
def _changes(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Note a transaction that changes the structure ("rows"), or only staff members as the
    snapshot holds them ("people": e.g. a worker's first private message)."""
    info = session.info
    if info.get(TOUCHED) == "rows":
        return
    staff: set[int] | None = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, STRUCTURE):
            info[TOUCHED] = "rows"
            return
        if isinstance(obj, Person) and obj.id is not None:
            staff = _staff_ids() if staff is None else staff
            if obj.id not in staff:
                continue
            if obj in session.deleted:
                info[TOUCHED] = "rows"
                return
            if _person_changed(obj):
                info[TOUCHED] = "people"
                info.setdefault(PEOPLE, []).append(obj)


def _person_changed(person: Person) -> bool:
    return any(attr.history.has_changes() for attr in inspect(person).attrs)


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    """A Core INSERT, UPDATE or DELETE on a structure table (or on people) changes it."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and table in _TABLES and table is not _VERSION:
            if table is not Person.__table__ or _staff_ids():  # type: ignore[attr-defined]
                state.session.info[TOUCHED] = "rows"


@event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    """Raise the stamp with the changes, in their transaction."""
    info = session.info
    if info.get(TOUCHED) != "rows":
        session.flush()  # what is still pending is flushed now, and noted by _changes
    touched = info.get(TOUCHED)
    if not touched:
        return
    raised = session.execute(update(_VERSION).where(_VERSION.c.id == 1)
                             .values(version=_VERSION.c.version + 1)
                             .returning(_VERSION.c.version)).scalar_one_or_none()
    if raised is None:  # the row was emptied out
        session.execute(insert(_VERSION).values(id=1, version=1))
        raised = 1
    info[RAISED] = int(raised)
    if touched == "people":  # their values now, for this process's snapshot after the commit
        columns = [c.key for c in Person.__table__.columns]  # type: ignore[attr-defined]
        info[PEOPLE] = [{key: getattr(p, key) for key in columns} for p in info.get(PEOPLE, [])]
    else:
        info.pop(PEOPLE, None)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Forget what this transaction read and changed. A change to the structure drops this
    process's snapshot at once (other processes see the stamp raised); a change to staff
    members alone is written into it, when no other change came in between."""
    info = session.info
    if not info:
        return
    info.pop(READ, None)
    touched = info.pop(TOUCHED, None)
    raised = info.pop(RAISED, None)
    people = info.pop(PEOPLE, None)
    if raised is None:
        return
    engine = session.get_bind()
    if not isinstance(engine, Engine):
        return
    snapshot = _snapshots.get(engine)
    if snapshot is None:
        return
    if touched == "people" and people and snapshot.version == raised - 1:
        for values in people:
            fresh = Person(**values)
            make_transient_to_detached(fresh)
            snapshot.people[values["id"]] = fresh
        snapshot.version = raised
    else:
        _snapshots.pop(engine, None)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """Forget what a transaction that did not happen read and changed."""
    for key in (READ, TOUCHED, RAISED, PEOPLE):
        session.info.pop(key, None)


@event.listens_for(_VERSION, "after_create")
def _first_row(table: Table, connection: Any, **_kw: Any) -> None:
    """A database made from the models (tests) starts with the stamp's one row, as migrated
    ones do."""
    connection.execute(table.insert().values(id=1, version=0))
