"""Who a person is to one case (assignee, reporter, manager, claimer, mediator, ...), worked out
only as far as an action needs; `require` then asks the lifecycle table."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseAction, DisputeDetails, Person, Role, StaffRole, WishDetails
from services import directory, wish_people
from services.errors import DomainError
from services.lifecycle import ACTOR_KINDS, ALL_KINDS, REFUSALS, TRANSITIONS, Actor, check
from services.lifecycle import next_actions as _next_actions

__all__ = ["Actor", "can_review", "next_actions", "plays", "require", "require_reporter",
           "roles_of"]


async def can_review(session: AsyncSession, person_id: int, case: Case) -> bool:
    """Tell whether the person is the wish's grid worker or manages its community."""
    if case.grid_id is not None:
        found = await session.execute(select(col(StaffRole.id)).where(
            col(StaffRole.person_id) == person_id, col(StaffRole.role) == Role.WORKER,
            col(StaffRole.grid_id) == case.grid_id).limit(1))
        if found.first() is not None:
            return True
    return await directory.is_manager_of(session, person_id, case.community_id)


async def plays(session: AsyncSession, case: Case, person: Person, actor: Actor) -> bool:
    """Tell whether the person plays this part towards the case."""
    pid = person.id
    if pid is None or case.kind not in ACTOR_KINDS.get(actor, ALL_KINDS):
        return False
    if actor in (Actor.ASSIGNEE, Actor.MEDIATOR, Actor.CLAIMER):
        return case.assignee_id == pid
    if actor == Actor.REPORTER:
        return case.reporter_id == pid
    if actor == Actor.POSTER:
        wish = await session.get(WishDetails, case.id)
        return wish is not None and wish.posted_by_id == pid
    if actor == Actor.PARTY:
        dispute = await session.get(DisputeDetails, case.id)
        return pid == case.reporter_id or (dispute is not None and
                                           dispute.other_party_id == pid)
    if actor == Actor.MANAGER:
        return await directory.is_manager_of(session, pid, case.community_id)
    if actor == Actor.REVIEWER:
        return await can_review(session, pid, case)
    if actor == Actor.VOLUNTEER:
        return await wish_people.is_volunteer(session, pid, case.community_id)
    return False  # SYSTEM: never a person


async def roles_of(
    session: AsyncSession, case: Case, person: Person, among: tuple[Actor, ...] = tuple(Actor)
) -> frozenset[Actor]:
    """The parts (of `among`) the person plays towards the case."""
    return frozenset([a for a in among if await plays(session, case, person, a)])


async def require(
    session: AsyncSession, case: Case, action: CaseAction, person: Person
) -> None:
    """Refuse the action unless the table lets this person take it on the case now."""
    t = TRANSITIONS[action]
    found: set[Actor] = set()
    if case.kind in t.kinds:  # the first part that fits is enough
        for actor in t.actors:
            if await plays(session, case, person, actor):
                found.add(actor)
                break
    check(case, action, found)


async def next_actions(
    session: AsyncSession, case: Case, viewer: Person, among: tuple[Actor, ...] = tuple(Actor)
) -> tuple[CaseAction, ...]:
    """What the viewer may do next on the case (the lifecycle's answer for their parts)."""
    return _next_actions(case, await roles_of(session, case, viewer, among))


async def require_reporter(
    session: AsyncSession, case_id: int, person: Person, *, or_registrar: bool = False
) -> Case:
    """The case, if it exists and the person reported it (with `or_registrar`, also the worker
    who registered the reporter and speaks for them); refuse otherwise (不用了 buttons)."""
    case = await session.get(Case, case_id)
    if case is None and or_registrar:
        raise DomainError("case.not_reporter", case_id=case_id)
    if case is None:
        raise DomainError("case.not_found", case_id=case_id)
    if await plays(session, case, person, Actor.REPORTER):
        return case
    if or_registrar and person.id is not None:
        reporter = await session.get(Person, case.reporter_id)
        if reporter is not None and reporter.registered_by_id == person.id:
            return case
    raise REFUSALS[Actor.REPORTER](case)
