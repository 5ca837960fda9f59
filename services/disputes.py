"""Disputes (矛盾纠纷): filing with a proposed tier, the choice of mediator, who may see them.

A dispute is a case of kind "dispute" on the ordinary lifecycle; its details live in
DisputeDetails. It is assigned to a mediator of its tier (the street's legal tier when the
community has none), who accepts it; services/mediation.py holds what follows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Building,
    Case,
    CaseAction,
    CaseKind,
    DisputeDetails,
    MediatorTier,
    Person,
    Role,
    StaffRole,
    Urgency,
)
from services import directory
from services.cases import managers_for
from services.clock import Clock
from services.errors import DomainError
from services.intake import parse_address
from services.lifecycle import apply, start_case
from services.routing import least_loaded, route_case
from services.tiers import ORDER, TierFacts, amount_in, propose_tier

REPEAT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class NewDispute:
    """What the resident told the intake conversation."""

    what: str
    place: str | None
    other_party: str | None
    since: str | None
    injury: bool
    property_damage: bool
    compensation: bool
    repeated: bool
    community_id: int | None


@dataclass(frozen=True)
class FiledDispute:
    """A stored dispute, its mediator and who else must hear of it (grid worker, managers)."""

    case: Case
    details: DisputeDetails
    mediator: Person | None
    also_notify: Sequence[Person]


async def mediator_for(
    session: AsyncSession, tier: str, community_id: int | None, *, exclude: int | None = None,
) -> tuple[Person, MediatorTier] | None:
    """The least busy mediator of this tier (or, if none, of the next tier up) who can serve."""
    for candidate in ORDER[ORDER.index(MediatorTier(tier)):]:
        holders = select(col(StaffRole.person_id)).where(
            col(StaffRole.role) == Role.MEDIATOR, col(StaffRole.tier) == candidate,
            col(StaffRole.on_leave).is_(False),
            or_(col(StaffRole.community_id) == community_id, col(StaffRole.community_id).is_(None)))
        query = select(Person).where(col(Person.id).in_(holders),
                                     col(Person.telegram_id).is_not(None)).order_by(col(Person.id))
        people = [p for p in (await session.execute(query)).scalars() if p.id != exclude]
        chosen = await least_loaded(session, people)
        if chosen is not None:
            return chosen, candidate
    return None


async def had_recent_dispute(
    session: AsyncSession, *, reporter_id: int, building_id: int | None, since: datetime,
) -> bool:
    """Tell whether this resident or building had a dispute since then."""
    who = col(Case.reporter_id) == reporter_id
    if building_id is not None:
        who = or_(who, col(Case.building_id) == building_id)
    found = await session.execute(select(col(Case.id)).where(
        col(Case.kind) == CaseKind.DISPUTE, col(Case.created_at) >= since, who).limit(1))
    return found.first() is not None


async def _resident_at(
    session: AsyncSession, community_id: int | None, text: str | None
) -> Person | None:
    """Match "5号楼302" to the one resident remembered at that flat."""
    number, _unit, room = parse_address(text or "")
    if number is None or room is None:
        return None
    buildings = await directory.buildings_numbered(session, number, community_id)
    if len(buildings) != 1:
        return None
    found = await session.execute(select(Person).where(
        col(Person.building_id) == buildings[0].id, col(Person.room) == room))
    people = found.scalars().all()
    return people[0] if len(people) == 1 else None


async def _building(session: AsyncSession, new: NewDispute) -> Building | None:
    for text in (new.place, new.what):
        number = parse_address(text or "")[0]
        if number is not None:
            found = await directory.buildings_numbered(session, number, new.community_id)
            if len(found) == 1:
                return found[0]
    return None


async def file_dispute(
    session: AsyncSession, *, clock: Clock, reporter: Person, new: NewDispute
) -> FiledDispute:
    """Store a dispute, propose its tier and assign it to a mediator of that tier."""
    assert reporter.id is not None
    now = clock.now()
    building = await _building(session, new)
    route = await route_case(session, kind=CaseKind.DISPUTE, community_id=new.community_id,
                             building=building)
    known_repeat = await had_recent_dispute(session, reporter_id=reporter.id,
                                            building_id=route.building_id,
                                            since=now - REPEAT_WINDOW)
    facts = TierFacts(text=new.what, injury=new.injury, property_damage=new.property_damage,
                      compensation=new.compensation, repeated=new.repeated or known_repeat)
    decision = propose_tier(facts)
    urgent = new.injury or "violence" in decision.reasons
    case = Case(kind=CaseKind.DISPUTE, urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                text=new.what[:4000], community_id=route.community_id, grid_id=route.grid_id,
                building_id=route.building_id,
                building_label=building.number if building else None, reporter_id=reporter.id)
    await start_case(session, case, actor_id=reporter.id, at=now)
    assert case.id is not None
    other = await _resident_at(session, route.community_id, new.other_party)
    details = DisputeDetails(
        case_id=case.id, what=new.what[:4000], place=(new.place or "")[:200] or None,
        other_party=(new.other_party or "")[:200] or None,
        other_party_id=other.id if other and other.id != reporter.id else None,
        since=(new.since or "")[:40] or None, injury=new.injury,
        property_damage=new.property_damage, compensation=new.compensation,
        amount=amount_in(new.what), repeated=facts.repeated, proposed_tier=decision.tier,
        tier=decision.tier, tier_reasons=list(decision.reasons))
    session.add(details)
    found = await mediator_for(session, decision.tier, route.community_id)
    mediator = found[0] if found else None
    if found is not None:
        details.tier = found[1]
    elif route.assignee is not None:  # no mediator at all: the worker or manager takes it
        mediator = route.assignee
    if mediator is not None:
        await apply(session, case, CaseAction.ASSIGN, actor_id=None, at=now,
                    assignee_id=mediator.id)
    # The grid worker (or, without one, whoever routing chose) and the managers are told.
    told = [route.assignee] if route.assignee is not None else []
    told += await managers_for(session, case)
    also = list({p.id: p for p in told if p.id != (mediator.id if mediator else None)}.values())
    return FiledDispute(case=case, details=details, mediator=mediator, also_notify=also)


async def details_of(session: AsyncSession, case_id: int) -> DisputeDetails:
    """Fetch a dispute's details or refuse."""
    details = await session.get(DisputeDetails, case_id)
    if details is None:
        raise DomainError("dispute.not_dispute", case_id=case_id)
    return details


async def may_see(session: AsyncSession, case: Case, viewer: Person) -> bool:
    """Only the mediator, the grid's worker, the managers (and the reporter) see the details."""
    assert viewer.id is not None
    if viewer.id in (case.assignee_id, case.reporter_id):
        return True
    if await directory.is_manager_of(session, viewer.id, case.community_id):
        return True
    if case.grid_id is None:
        return False
    found = await session.execute(select(col(StaffRole.id)).where(
        col(StaffRole.person_id) == viewer.id, col(StaffRole.role) == Role.WORKER,
        col(StaffRole.grid_id) == case.grid_id).limit(1))
    return found.first() is not None
