"""Staff management: invite codes, joining, removing and moving staff, and leave.

A worker going on leave hands every open case on: to the least-loaded colleague in the same grid,
or back to the community manager when there is none. Each move is a lifecycle event.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Case,
    CaseAction,
    Community,
    Grid,
    GroupChat,
    InviteCode,
    Person,
    Role,
    StaffRole,
)
from services import directory
from services.clock import Clock
from services.errors import DomainError
from services.lifecycle import WORKING_STATUSES, apply
from services.routing import least_loaded

INVITE_TTL = timedelta(hours=72)
INVITE_ROLES = (Role.WORKER, Role.MANAGER, Role.VOLUNTEER, Role.MEDIATOR)
# No 0/O or 1/I: codes are read aloud and typed by hand.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


async def managed_communities(session: AsyncSession, person_id: int) -> Sequence[Community]:
    """The communities this person manages (every one for a sub-district admin)."""
    if await directory.has_role(session, person_id, Role.ADMIN):
        return await directory.all_communities(session)
    ids = [r.community_id for r in await directory.roles_of(session, person_id)
           if r.role == Role.MANAGER and r.community_id is not None]
    return [c for c in await directory.all_communities(session) if c.id in ids]


async def community_by_code(session: AsyncSession, code: str) -> Community | None:
    """Find a community by its code (e.g. yulan)."""
    result = await session.execute(select(Community).where(col(Community.code) == code.strip()))
    return result.scalar_one_or_none()


async def grid_by_code(session: AsyncSession, code: str) -> Grid | None:
    """Find a grid by its code (e.g. yulan-1)."""
    result = await session.execute(select(Grid).where(col(Grid.code) == code.strip()))
    return result.scalar_one_or_none()


async def _scope(session: AsyncSession, actor: Person, place: str) -> tuple[Community, Grid | None]:
    """Resolve a community or grid code the actor manages."""
    grid = await grid_by_code(session, place)
    community = (await session.get(Community, grid.community_id) if grid
                 else await community_by_code(session, place))
    if community is None:
        raise DomainError("staff.unknown_place", place=place)
    assert actor.id is not None
    if not await directory.is_manager_of(session, actor.id, community.id):
        raise DomainError("staff.not_manager")
    return community, grid


async def create_invite(
    session: AsyncSession, *, clock: Clock, actor: Person, role: str, place: str,
) -> InviteCode:
    """Make a one-time code for a new staff member (a worker needs a grid, others a community)."""
    if role not in INVITE_ROLES:
        raise DomainError("staff.bad_role", role=role)
    community, grid = await _scope(session, actor, place)
    if role == Role.WORKER and grid is None:
        raise DomainError("staff.worker_needs_grid")
    assert actor.id is not None and community.id is not None
    now = clock.now()
    invite = InviteCode(code="".join(secrets.choice(_ALPHABET) for _ in range(8)), role=role,
                        community_id=community.id, grid_id=grid.id if grid else None,
                        created_by_id=actor.id, created_at=now, expires_at=now + INVITE_TTL)
    session.add(invite)
    await session.flush()
    return invite


async def join(session: AsyncSession, *, clock: Clock, person: Person, code: str) -> StaffRole:
    """Use an invite code: the person gets its role, and the code is spent."""
    now = clock.now()
    result = await session.execute(
        select(InviteCode).where(col(InviteCode.code) == code.strip().upper()))
    invite = result.scalar_one_or_none()
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise DomainError("staff.bad_code")
    # Guarded like a status change: two people racing for one code, one wins.
    spent = await session.execute(
        update(InviteCode).where(col(InviteCode.id) == invite.id,
                                 col(InviteCode.used_at).is_(None))
        .values(used_at=now, used_by_id=person.id).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("staff.bad_code")
    assert person.id is not None
    role = StaffRole(person_id=person.id, role=invite.role, community_id=invite.community_id,
                     grid_id=invite.grid_id)
    session.add(role)
    await session.flush()
    return role


async def staff_of(session: AsyncSession, community_id: int) -> list[tuple[Person, StaffRole]]:
    """Everyone holding a role in the community, by role then name."""
    result = await session.execute(
        select(Person, StaffRole).join(StaffRole, col(StaffRole.person_id) == col(Person.id))
        .where(col(StaffRole.community_id) == community_id)
        .order_by(col(StaffRole.role), col(StaffRole.grid_id), col(Person.id)))
    return [(p, r) for p, r in result.all()]


async def find_staff(
    session: AsyncSession, *, actor: Person, community_id: int, name: str,
) -> tuple[Person, StaffRole]:
    """Find a staff member of the community by name, for a manager of it."""
    assert actor.id is not None
    if not await directory.is_manager_of(session, actor.id, community_id):
        raise DomainError("staff.not_manager")
    found = [(p, r) for p, r in await staff_of(session, community_id) if p.name == name.strip()]
    if not found:
        raise DomainError("staff.not_found", name=name)
    workers = [(p, r) for p, r in found if r.role == Role.WORKER]
    return (workers or found)[0]


@dataclass
class Handover:
    """Where a worker's open cases went: to colleagues, or back to the manager."""

    moved: list[tuple[Case, Person]] = field(default_factory=list)
    returned: list[Case] = field(default_factory=list)


async def hand_over_cases(
    session: AsyncSession, *, clock: Clock, actor: Person, worker: Person, grid_id: int | None,
    note: str | None = None,
) -> Handover:
    """Move a worker's open cases to the least-loaded colleague of the grid, else the manager;
    `note` says in each case's history why (休假转交 · 张敏), by default the worker's name."""
    note = note or worker.name
    result = await session.execute(select(Case).where(
        col(Case.assignee_id) == worker.id, col(Case.status).in_(WORKING_STATUSES))
        .order_by(col(Case.id)))
    handover = Handover()
    now = clock.now()
    for case in result.scalars().all():
        colleagues = []
        if grid_id is not None:
            colleagues = [p for p in await directory.people_with_role(
                session, Role.WORKER, grid_id=grid_id, include_on_leave=False)
                if p.id != worker.id and p.telegram_id]
        target = await least_loaded(session, colleagues)
        if target is not None:
            await apply(session, case, CaseAction.TRANSFER, actor_id=actor.id, at=now,
                        assignee_id=target.id, note=note)
            handover.moved.append((case, target))
        else:
            await apply(session, case, CaseAction.RETURN, actor_id=actor.id, at=now,
                        assignee_id=None, note=note)
            handover.returned.append(case)
    return handover


async def set_leave(
    session: AsyncSession, *, clock: Clock, actor: Person, community_id: int, name: str,
    on_leave: bool, note: str | None = None,
) -> tuple[Person, Handover]:
    """Mark a worker on leave (their open cases move on) or back at work."""
    person, role = await find_staff(session, actor=actor, community_id=community_id, name=name)
    if role.role != Role.WORKER:
        raise DomainError("staff.not_worker", name=person.name)
    await session.execute(update(StaffRole).where(
        col(StaffRole.person_id) == person.id, col(StaffRole.role) == Role.WORKER,
        col(StaffRole.community_id) == community_id).values(on_leave=on_leave))
    if not on_leave:
        return person, Handover()
    return person, await hand_over_cases(session, clock=clock, actor=actor, worker=person,
                                         grid_id=role.grid_id,
                                         note=note and f"{note} · {person.name}")


async def remove_staff(
    session: AsyncSession, *, clock: Clock, actor: Person, community_id: int, name: str,
    note: str | None = None,
) -> tuple[Person, Handover]:
    """Take away a person's roles in the community; their open cases move on first."""
    person, role = await find_staff(session, actor=actor, community_id=community_id, name=name)
    if person.id == actor.id:
        raise DomainError("staff.not_yourself")
    handover = await hand_over_cases(session, clock=clock, actor=actor, worker=person,
                                     grid_id=role.grid_id, note=note and f"{note} · {person.name}")
    await session.execute(delete(StaffRole).where(col(StaffRole.person_id) == person.id,
                                                  col(StaffRole.community_id) == community_id))
    return person, handover


async def move_worker(
    session: AsyncSession, *, clock: Clock, actor: Person, community_id: int, name: str,
    grid_code: str, note: str | None = None,
) -> tuple[Person, Grid, Handover]:
    """Move a worker to another grid of the community; open cases stay in the old grid."""
    person, role = await find_staff(session, actor=actor, community_id=community_id, name=name)
    grid = await grid_by_code(session, grid_code)
    if grid is None or grid.community_id != community_id:
        raise DomainError("staff.unknown_place", place=grid_code)
    if role.role != Role.WORKER:
        raise DomainError("staff.not_worker", name=person.name)
    old_grid = role.grid_id
    role.grid_id = grid.id
    session.add(role)
    await session.flush()
    handover = await hand_over_cases(session, clock=clock, actor=actor, worker=person,
                                     grid_id=old_grid, note=note and f"{note} · {person.name}")
    return person, grid, handover


async def bind_group(
    session: AsyncSession, *, actor: Person, chat_id: int, code: str,
) -> Community:
    """Bind a residents' group chat to a community its manager names (rebinding is allowed)."""
    community = await community_by_code(session, code)
    if community is None:
        raise DomainError("staff.unknown_place", place=code)
    assert actor.id is not None and community.id is not None
    if not await directory.is_manager_of(session, actor.id, community.id):
        raise DomainError("staff.not_manager")
    group = await session.get(GroupChat, chat_id)
    if group is None:
        session.add(GroupChat(chat_id=chat_id, community_id=community.id))
    else:
        group.community_id = community.id
        session.add(group)
    return community


async def set_care(
    session: AsyncSession, *, actor: Person, resident_id: int, care: list[str],
) -> Person:
    """Set a resident's special-care flags; staff of the resident's community may."""
    resident = await session.get(Person, resident_id)
    if resident is None or resident.community_id is None:
        raise DomainError("staff.no_resident", id=resident_id)
    assert actor.id is not None
    roles = await directory.roles_of(session, actor.id)
    allowed = any(r.role == Role.ADMIN or r.community_id == resident.community_id for r in roles
                  if r.role in (Role.ADMIN, Role.MANAGER, Role.WORKER))
    if not allowed:
        raise DomainError("staff.not_staff")
    resident.care = list(care)
    session.add(resident)
    return resident
