"""Followers of a case (我也遇到): residents affected by a fault someone else reported. They hear
its progress privately and confirm the fix too; enough of them make the case urgent. Merging a
duplicate into the case that survives carries its reporter and followers over."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseAction, CaseFollower, CaseKind, Person, Urgency
from services.actors import require
from services.cases import load_case
from services.clock import Clock
from services.errors import DomainError
from services.lifecycle import OPEN_STATUSES, apply
from services.voice_rules import VoiceRules

FOLLOWABLE = frozenset({CaseKind.REPAIR, CaseKind.OTHER, CaseKind.EMERGENCY})


@dataclass(frozen=True)
class Followed:
    """The case followed, whether this person is new to it, and whether it just became urgent."""

    case: Case
    added: bool
    raised: bool


async def follow(
    session: AsyncSession, *, clock: Clock, case_id: int, person: Person, rules: VoiceRules,
) -> Followed:
    """Add a resident to an open case's followers (once); raise its priority at the threshold."""
    case = await load_case(session, case_id)
    if case.kind not in FOLLOWABLE:
        raise DomainError("follow.not_followable", case_id=case.id)
    if case.status not in OPEN_STATUSES:
        raise DomainError("follow.closed", case_id=case.id)
    assert person.id is not None
    if person.id in (case.reporter_id, case.assignee_id) or await _following(
            session, case_id, person.id):
        return Followed(case, added=False, raised=False)
    session.add(CaseFollower(case_id=case_id, person_id=person.id, created_at=clock.now()))
    return Followed(case, added=True, raised=await _count_one_more(session, case, 1, rules))


async def _following(session: AsyncSession, case_id: int, person_id: int) -> bool:
    found = await session.execute(select(col(CaseFollower.id)).where(
        col(CaseFollower.case_id) == case_id, col(CaseFollower.person_id) == person_id))
    return found.first() is not None


async def _count_one_more(session: AsyncSession, case: Case, more: int, rules: VoiceRules) -> bool:
    """Add to the follower count (race-safe) and make the case urgent at the threshold; True
    when this made it urgent."""
    await session.execute(update(Case).where(col(Case.id) == case.id)
                          .values(followers=col(Case.followers) + more)
                          .execution_options(synchronize_session=False))
    await session.refresh(case, ["followers"])
    affected = case.followers + 1  # the reporter is affected too
    if case.urgency != Urgency.URGENT and affected >= rules.followers_urgent_at:
        case.urgency = Urgency.URGENT
        session.add(case)
        return True
    return False


async def followers(session: AsyncSession, case_id: int) -> Sequence[Person]:
    """The people following a case, first come first."""
    found = await session.execute(
        select(Person).join(CaseFollower, col(CaseFollower.person_id) == col(Person.id))
        .where(col(CaseFollower.case_id) == case_id).order_by(col(CaseFollower.id)))
    return found.scalars().all()


async def answer(
    session: AsyncSession, *, clock: Clock, case_id: int, person: Person, solved: bool,
) -> Case:
    """Record a follower's own answer to "is it fixed?" (the reporter's answer closes the case;
    a follower's is heard and counted)."""
    case = await load_case(session, case_id)
    found = await session.execute(select(CaseFollower).where(
        col(CaseFollower.case_id) == case_id, col(CaseFollower.person_id) == person.id))
    row = found.scalars().first()
    if row is None:
        raise DomainError("follow.not_following", case_id=case_id)
    row.solved, row.answered_at = solved, clock.now()
    session.add(row)
    return case


async def merge(
    session: AsyncSession, *, clock: Clock, duplicate_id: int, survivor_id: int, actor: Person,
    rules: VoiceRules,
) -> tuple[Case, Case, list[Person]]:
    """Merge a duplicate into the surviving case: the duplicate is cancelled and points to the
    survivor; its reporter and followers follow the survivor. Returns the people carried over."""
    if duplicate_id == survivor_id:
        raise DomainError("merge.same", case_id=survivor_id)
    duplicate = await load_case(session, duplicate_id)
    survivor = await load_case(session, survivor_id)
    await require(session, duplicate, CaseAction.MERGE, actor)
    if (survivor.status not in OPEN_STATUSES or survivor.kind not in FOLLOWABLE
            or survivor.community_id != duplicate.community_id):
        raise DomainError("merge.bad_survivor", case_id=survivor_id)
    await apply(session, duplicate, CaseAction.MERGE, actor_id=actor.id, at=clock.now(),
                note=f"#{survivor_id}", extra={"merged_into_id": survivor_id})
    moved = [p for p in [*await _people(session, duplicate.reporter_id),
                         *await followers(session, duplicate_id)]
             if p.id not in (survivor.reporter_id, survivor.assignee_id)]
    already = {p.id for p in await followers(session, survivor_id)}
    carried = [p for p in moved if p.id not in already]
    for person in carried:
        assert person.id is not None
        session.add(CaseFollower(case_id=survivor_id, person_id=person.id, created_at=clock.now()))
    if carried:
        await _count_one_more(session, survivor, len(carried), rules)
    return duplicate, survivor, carried


async def _people(session: AsyncSession, person_id: int) -> list[Person]:
    person = await session.get(Person, person_id)
    return [person] if person is not None else []
