"""Emergency help beyond the alert itself (issue 14): the local emergency lines of a street,
and turning a resident's urgent repair into an emergency when they press 🆘."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Building,
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    Person,
    Role,
    Street,
    Urgency,
)
from services import directory
from services.cases import load_case
from services.clock import Clock
from services.errors import DomainError
from services.lifecycle import UNTAKEN_STATUSES
from services.routing import route_case


async def local_lines(session: AsyncSession, community_id: int | None) -> list[tuple[str, str]]:
    """(name, number) of the street's local lines (96333 …); the only street's when unknown."""
    street: Street | None
    if community_id is not None:  # from the structure snapshot: a report asks for them
        street = await directory.street_of_community(session, community_id)
    else:
        streets = (await session.execute(select(Street).limit(2))).scalars().all()
        street = streets[0] if len(streets) == 1 else None
    if street is None:
        return []
    return [(str(line.get("name", "")), str(line.get("number", "")))
            for line in street.emergency_lines or [] if line.get("number")]


async def escalate(
    session: AsyncSession, *, clock: Clock, case_id: int, actor: Person
) -> tuple[Case, Person | None, list[Person]]:
    """The reporter says their report is an emergency: the case becomes one (urgent), and the
    people to alert are returned (assignee, managers). Refused once someone has taken it."""
    case = await load_case(session, case_id)
    if case.reporter_id != actor.id:
        raise DomainError("sos.not_yours", case_id=case_id)
    if case.kind == CaseKind.EMERGENCY:
        raise DomainError("sos.already", case_id=case_id)
    if case.status not in UNTAKEN_STATUSES:
        raise DomainError("sos.taken", case_id=case_id)
    building = await session.get(Building, case.building_id) if case.building_id else None
    route = await route_case(session, kind=CaseKind.EMERGENCY, community_id=case.community_id,
                             building=building)
    assignee = (await session.get(Person, case.assignee_id)) if case.assignee_id else None
    assignee = assignee or route.assignee
    managers = (await directory.people_with_role(session, Role.MANAGER,
                                                 community_id=case.community_id)
                if case.community_id is not None else [])
    also = [p for p in (*route.also_notify, *managers)
            if p.id != (assignee.id if assignee else None)]
    case.kind, case.urgency = CaseKind.EMERGENCY, Urgency.URGENT
    session.add(CaseEvent(case_id=case_id, at=clock.now(), actor_id=actor.id,
                          action=CaseAction.ESCALATE, from_status=case.status,
                          to_status=case.status, note="sos"))
    return case, assignee, list({p.id: p for p in also}.values())
