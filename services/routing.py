"""Routing: building → grid → the grid worker with the fewest open cases, else the manager."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import literal_column, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models import Building, CaseKind, Person, Role
from services import direct, directory, outbox


@dataclass(frozen=True)
class Route:
    """Where a new case goes and who else must hear of it at once."""

    community_id: int | None
    grid_id: int | None
    building_id: int | None
    assignee: Person | None
    also_notify: Sequence[Person] = field(default_factory=tuple)


# The open-case counts of the candidates and the outcome of the newest message finished with in
# the private chats of those who never wrote to the bot: one round trip instead of two, each part
# as its own module writes it (the third column says which part a row is from).
_LOAD, _OUTCOME = 0, 1
_LOADS_AND_OUTCOMES = direct.Statement(union_all(
    directory.OPEN_CASES.add_columns(literal_column(str(_LOAD))),
    outbox.OUTCOMES.add_columns(literal_column(str(_OUTCOME)))))


def _least(people: Sequence[Person], counts: dict[int, int]) -> Person | None:
    """The person with the fewest open cases (the earliest registered on a tie)."""
    return min(people, key=lambda p: (counts.get(p.id or 0, 0), p.id), default=None)


def _unknown(people: Sequence[Person]) -> list[int]:
    """Telegram ids of those who never wrote to the bot privately (whether a message reached
    them is all the bot knows)."""
    return [p.telegram_id for p in people if p.telegram_id and not p.private_chat_at]


def _unreachable(people: Sequence[Person], outcome: dict[int, bool]) -> set[int | None]:
    """Ids of those with no Telegram account, or whose last message failed for good and who have
    not written since."""
    return {p.id for p in people if not p.telegram_id or outcome.get(p.telegram_id) is False}


async def least_loaded(session: AsyncSession, people: Sequence[Person]) -> Person | None:
    """Pick the person with the fewest open cases (the earliest registered on a tie)."""
    if not people:
        return None
    counts = await directory.open_case_counts(session, [p.id for p in people if p.id is not None])
    return _least(people, counts)


async def loads_and_outcomes(
    session: AsyncSession, people: Sequence[Person]
) -> tuple[dict[int, int], dict[int, bool]]:
    """Open cases per person, and per private chat of those never heard from privately whether
    the newest message finished with was delivered: in one statement."""
    ids = [p.id for p in people if p.id is not None]
    unknown = _unknown(people)
    if not unknown:
        return await directory.open_case_counts(session, ids), {}
    counts = dict.fromkeys(ids, 0)
    outcome: dict[int, bool] = {}
    rows = await direct.run(session, _LOADS_AND_OUTCOMES, {"person_ids": ids,
                                                            "chat_ids": unknown})
    for key, value, part in rows.rows:
        if part == _LOAD and key is not None:
            counts[int(key)] = int(value)
        elif part == _OUTCOME:
            outcome[int(key)] = bool(value)
    return counts, outcome


async def known_unreachable(session: AsyncSession, people: Sequence[Person]) -> set[int | None]:
    """Ids of those the bot cannot write to: no Telegram account, or the last message to them
    failed for good and they have not written since."""
    unknown = _unknown(people)
    return _unreachable(people, await outbox.reachable(session, unknown) if unknown else {})


async def never_heard_from(session: AsyncSession, people: Sequence[Person]) -> set[int | None]:
    """Ids of those who never wrote to the bot privately and never got a message from it: the
    bot cannot know yet whether they pressed Start."""
    unknown = _unknown(people)
    outcome = await outbox.reachable(session, unknown) if unknown else {}
    return {p.id for p in people
            if p.telegram_id and not p.private_chat_at and p.telegram_id not in outcome}


async def route_case(
    session: AsyncSession, *, kind: CaseKind, community_id: int | None, building: Building | None,
) -> Route:
    """Decide who handles a new case; emergencies also alert the managers and admins at once."""
    if building is not None:
        community_id = building.community_id
    managers: Sequence[Person] = []
    if community_id is not None:
        managers = await directory.people_with_role(session, Role.MANAGER,
                                                    community_id=community_id)
    assignee: Person | None = None
    if building is not None:
        workers = await directory.people_with_role(
            session, Role.WORKER, grid_id=building.grid_id, include_on_leave=False
        )
        # Only people who can be reached on Telegram can take a case; not those whose last
        # message could not be delivered (they never pressed Start, or blocked the bot), while
        # a colleague can take it.
        on_telegram = [w for w in workers if w.telegram_id]
        counts, outcome = await loads_and_outcomes(session, on_telegram)
        unreachable = _unreachable(on_telegram, outcome)
        assignee = (_least([w for w in on_telegram if w.id not in unreachable], counts)
                    or _least(on_telegram, counts))
    also: list[Person] = []
    if assignee is None:
        # No worker for the building (or no building): the community manager takes it;
        # with no community known either, the sub-district admins do.
        fallback = [p for p in managers if p.telegram_id] or [
            p for p in await directory.admins(session) if p.telegram_id]
        assignee = await least_loaded(session, fallback)
        also = [p for p in fallback if p.id != (assignee.id if assignee else None)]
    elif kind == CaseKind.EMERGENCY:
        also = [p for p in managers if p.id != assignee.id]
    return Route(community_id=community_id, grid_id=building.grid_id if building else None,
                 building_id=building.id if building else None, assignee=assignee,
                 also_notify=tuple(also))
