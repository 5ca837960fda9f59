"""The case lifecycle, in one place: the table of allowed transitions (from which statuses, to
which, by whom, for which kinds) and the only code that sets a case's status. Every change
appends an event. `check` refuses an action; `next_actions` says what a viewer may do next."""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from models import Case, CaseAction, CaseEvent, CaseKind, CaseStatus
from services import direct
from services.errors import DomainError

S = CaseStatus
K = CaseKind
A = CaseAction

OPEN_STATUSES: tuple[str, ...] = (
    S.NEW, S.PUBLISHED, S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.RETURNED)
WORKING_STATUSES: tuple[str, ...] = (S.ASSIGNED, S.ACCEPTED, S.REOPENED)
# Open, but nobody has taken it yet (an accept or claim deadline runs).
UNTAKEN_STATUSES: tuple[str, ...] = (S.NEW, S.PUBLISHED, S.ASSIGNED, S.RETURNED)
# Nobody holds it: a manager (or the first responder of an emergency) hands it out.
UNASSIGNED_STATUSES: tuple[str, ...] = (S.NEW, S.RETURNED)


class Actor(StrEnum):
    """The part a person plays towards one case; each transition names who may take it."""

    ASSIGNEE = "assignee"  # the grid worker (or manager) holding a repair, emergency, other
    MEDIATOR = "mediator"  # the person holding a dispute
    CLAIMER = "claimer"  # the volunteer holding a wish
    REPORTER = "reporter"  # the resident who reported it
    POSTER = "poster"  # the worker who posted a wish for a resident without Telegram
    PARTY = "party"  # either party of a dispute (the reporter or the other side)
    MANAGER = "manager"  # a manager of the case's community, or a sub-district admin
    REVIEWER = "reviewer"  # the wish's grid worker or a manager of its community
    VOLUNTEER = "volunteer"  # a volunteer of the wish's community
    SYSTEM = "system"  # routing and the scheduler


# What a person is told when they are none of the actors a transition names (the last one
# that applies to the case's kind is quoted: "the assignee, or else a manager").
REFUSALS: dict[Actor, Callable[[Case], DomainError]] = {
    Actor.ASSIGNEE: lambda case: DomainError("case.not_yours", case_id=case.id),
    Actor.MEDIATOR: lambda case: DomainError("case.not_yours", case_id=case.id),
    Actor.CLAIMER: lambda case: DomainError("wish.not_claimer", case_id=case.id),
    Actor.REPORTER: lambda case: DomainError("case.not_reporter", case_id=case.id),
    Actor.POSTER: lambda case: DomainError("case.not_reporter", case_id=case.id),
    Actor.PARTY: lambda case: DomainError("case.not_reporter", case_id=case.id),
    Actor.MANAGER: lambda case: DomainError("case.not_manager", case_id=case.id),
    Actor.REVIEWER: lambda case: DomainError("wish.not_reviewer", case_id=case.id),
    Actor.VOLUNTEER: lambda case: DomainError("wish.not_volunteer", case_id=case.id),
    Actor.SYSTEM: lambda case: DomainError("case.not_allowed", case_id=case.id,
                                           status=case.status),
}
# Which kinds an actor exists for (the holder of a case is called by the kind's name for it).
ACTOR_KINDS: dict[Actor, frozenset[CaseKind]] = {
    Actor.ASSIGNEE: frozenset({K.REPAIR, K.EMERGENCY, K.OTHER}),
    Actor.MEDIATOR: frozenset({K.DISPUTE}), Actor.PARTY: frozenset({K.DISPUTE}),
    Actor.CLAIMER: frozenset({K.WISH}), Actor.POSTER: frozenset({K.WISH}),
    Actor.REVIEWER: frozenset({K.WISH}), Actor.VOLUNTEER: frozenset({K.WISH}),
}
ALL_KINDS = frozenset(CaseKind)
LOOP_KINDS = ALL_KINDS - {K.WISH}  # the closed loop's own buttons; a wish has its own


@dataclass(frozen=True, slots=True)
class Transition:
    """From which statuses an action may start, where it leads, who may take it, and on which
    kinds of case."""

    sources: frozenset[CaseStatus]
    target: CaseStatus
    actors: tuple[Actor, ...]
    kinds: frozenset[CaseKind] = ALL_KINDS


def _t(sources: set[CaseStatus], target: CaseStatus, *actors: Actor,
       kinds: frozenset[CaseKind] = ALL_KINDS) -> Transition:
    return Transition(frozenset(sources), target, actors, kinds)


R = Actor  # short names keep the table readable
WISH, DISPUTE = frozenset({K.WISH}), frozenset({K.DISPUTE})
TRANSITIONS: dict[CaseAction, Transition] = {
    A.ASSIGN: _t({S.NEW, S.RETURNED, S.ASSIGNED, S.ACCEPTED, S.REOPENED}, S.ASSIGNED,
                 R.SYSTEM, R.MANAGER, kinds=LOOP_KINDS),
    A.ACCEPT: _t({S.ASSIGNED, S.REOPENED}, S.ACCEPTED, R.MEDIATOR, R.ASSIGNEE, kinds=LOOP_KINDS),
    A.TRANSFER: _t({S.ASSIGNED, S.ACCEPTED, S.REOPENED}, S.ASSIGNED, R.MEDIATOR, R.ASSIGNEE,
                   R.MANAGER, kinds=LOOP_KINDS),
    A.RETURN: _t({S.ASSIGNED, S.ACCEPTED, S.REOPENED}, S.RETURNED, R.MEDIATOR, R.ASSIGNEE,
                 kinds=LOOP_KINDS),
    A.RESOLVE: _t({S.ACCEPTED, S.REOPENED}, S.RESOLVED, R.CLAIMER, R.MEDIATOR, R.ASSIGNEE),
    A.CONFIRM: _t({S.RESOLVED}, S.CLOSED, R.POSTER, R.REPORTER),
    A.REOPEN: _t({S.RESOLVED}, S.REOPENED, R.POSTER, R.REPORTER),
    A.RATE: _t({S.CLOSED}, S.CLOSED, R.POSTER, R.REPORTER),
    A.CANCEL: _t({S.NEW, S.PUBLISHED, S.ASSIGNED, S.ACCEPTED, S.RETURNED, S.REOPENED},
                 S.CANCELLED, R.REPORTER, R.MANAGER),
    A.APPROVE: _t({S.NEW}, S.PUBLISHED, R.SYSTEM, R.REVIEWER, kinds=WISH),
    A.DECLINE: _t({S.NEW}, S.CANCELLED, R.REVIEWER, kinds=WISH),
    A.CLAIM: _t({S.PUBLISHED}, S.ACCEPTED, R.VOLUNTEER, kinds=WISH),
    A.UNCLAIM: _t({S.ACCEPTED, S.REOPENED}, S.PUBLISHED, R.CLAIMER, kinds=WISH),
    A.SCHEDULE: _t({S.ACCEPTED, S.REOPENED}, S.ACCEPTED, R.MEDIATOR, kinds=DISPUTE),
    A.ESCALATE: _t({S.NEW, S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.RETURNED}, S.ASSIGNED,
                   R.MEDIATOR, kinds=DISPUTE),
    A.REFER: _t({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.RETURNED}, S.REFERRED, R.MEDIATOR,
                kinds=DISPUTE),
    A.RELAPSE: _t({S.CLOSED}, S.REOPENED, R.PARTY, kinds=DISPUTE),
    A.AUTO_CLOSE: _t({S.RESOLVED}, S.CLOSED, R.SYSTEM),
    A.MERGE: _t({S.NEW, S.ASSIGNED, S.ACCEPTED, S.RETURNED, S.REOPENED}, S.CANCELLED,
                R.ASSIGNEE, R.MANAGER, kinds=frozenset({K.REPAIR, K.EMERGENCY, K.OTHER})),
}

# Timestamps that record the first time a case reached a milestone.
_MILESTONES: dict[CaseStatus, str] = {
    S.PUBLISHED: "published_at",
    S.ACCEPTED: "accepted_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
    S.REFERRED: "closed_at",
    S.CANCELLED: "closed_at",
}
_UNSET: Any = object()
_EVENTS: Table = CaseEvent.__table__  # type: ignore[attr-defined]  # Core statements
_ADD_EVENTS = direct.Statement(insert(_EVENTS))  # built once: every new case runs it
_CASES: Table = Case.__table__  # type: ignore[attr-defined]
_CASE_COLUMNS = tuple(column.key for column in _CASES.columns)
_ADD_CASE = direct.Statement(insert(_CASES).returning(_CASES.c.id))
_ADD_CASE_WITH_ID = direct.Statement(insert(_CASES))


def allowed(status: str, action: CaseAction) -> bool:
    """Tell whether the action may be taken on a case in this status."""
    return CaseStatus(status) in TRANSITIONS[action].sources


def holder(kind: str) -> Actor:
    """What the person holding a case of this kind is called in the table."""
    return {K.WISH: Actor.CLAIMER, K.DISPUTE: Actor.MEDIATOR}.get(CaseKind(kind), Actor.ASSIGNEE)


def may(case: Case, action: CaseAction, actor: Actor | Collection[Actor]) -> bool:
    """Tell whether someone playing these parts may take the action on the case now."""
    return _may(TRANSITIONS[action], case.kind, case.status, _parts(actor))


def _parts(actor: Actor | Collection[Actor]) -> frozenset[Actor]:
    return frozenset((actor,)) if isinstance(actor, Actor) else frozenset(actor)


def _may(t: Transition, kind: str, status: str, roles: frozenset[Actor]) -> bool:
    return (kind in t.kinds and CaseStatus(status) in t.sources
            and any(role in roles for role in t.actors))


def check(case: Case, action: CaseAction, actor: Actor | Collection[Actor]) -> Transition:
    """Refuse, politely and without changing anything, an action the table does not allow to
    someone playing these parts; return the transition otherwise."""
    roles = {actor} if isinstance(actor, Actor) else set(actor)
    t = TRANSITIONS[action]
    if case.kind not in t.kinds:
        raise _wrong_kind(case, t)
    if not any(role in roles for role in t.actors):
        named = [a for a in t.actors if case.kind in ACTOR_KINDS.get(a, ALL_KINDS)]
        raise REFUSALS[named[-1] if named else Actor.SYSTEM](case)
    if CaseStatus(case.status) not in t.sources:
        raise DomainError("case.not_allowed", case_id=case.id, status=case.status)
    return t


def _wrong_kind(case: Case, t: Transition) -> DomainError:
    """A button of one kind's flow pressed on a case of another kind."""
    if case.kind == K.WISH:
        return DomainError("wish.use_wish_buttons", case_id=case.id)
    if t.kinds == WISH:
        return DomainError("wish.not_a_wish", case_id=case.id)
    if t.kinds == DISPUTE:
        return DomainError("dispute.not_dispute", case_id=case.id)
    return DomainError("case.not_allowed", case_id=case.id, status=case.status)


def next_actions(case: Case, viewer: Actor | Collection[Actor]) -> tuple[CaseAction, ...]:
    """The actions someone playing these parts may take on the case now, in table order."""
    return _next_actions(case.kind, case.status, _parts(viewer))


@cache
def _next_actions(kind: str, status: str, roles: frozenset[Actor]) -> tuple[CaseAction, ...]:
    """Worked out once per kind, status and parts (the table never changes; every card asks,
    and asking each of the table's rows cost ~100 Python calls)."""
    return tuple(action for action, t in TRANSITIONS.items() if _may(t, kind, status, roles))


async def start_case(
    session: AsyncSession, case: Case, *, actor_id: int | None, at: datetime,
    assign_to: int | None = None,
) -> None:
    """Store a new case and its first event; with `assign_to`, also its assignment (the ASSIGN
    transition, by no one, taken before the case is written: one INSERT with the final state
    and its two events, instead of an INSERT, an UPDATE and two events one by one)."""
    case.status = S.NEW
    case.created_at = case.updated_at = at
    events: list[dict[str, Any]] = [{"actor_id": actor_id, "action": CaseAction.CREATE,
                                     "from_status": None, "to_status": S.NEW}]
    if assign_to is not None:
        old, target, changes = _transition(case, CaseAction.ASSIGN, at=at, assignee_id=assign_to)
        for key, value in changes.items():
            setattr(case, key, value)
        events.append({"actor_id": None, "action": CaseAction.ASSIGN, "from_status": old,
                       "to_status": target, "assignee_id": case.assignee_id})
    await _insert(session, case)
    # The events with one INSERT (nothing reads their ids back).
    await direct.run(session, _ADD_EVENTS, [
        {"case_id": case.id, "at": at, "note": None, "assignee_id": None, **e} for e in events])


async def _insert(session: AsyncSession, case: Case) -> None:
    """Write a new case with one Core INSERT and keep it in the session as stored: what the
    ORM's flush did, without its unit of work (~0.3 ms a report). The case has no relationships
    and no defaults the database fills in, so the object holds everything its row does."""
    # Read from the new row's dict (an attribute read is a Python call each; a transient row's
    # unset attribute reads as None either way).
    held = case.__dict__
    if case.id is not None:  # a chosen id is written as given (none of ours choose one)
        await direct.run(session, _ADD_CASE_WITH_ID, {key: held.get(key) for key in _CASE_COLUMNS})
    else:
        values = {key: held.get(key) for key in _CASE_COLUMNS if key != "id"}
        case.id = (await direct.run(session, _ADD_CASE, values)).rows[0][0]
    make_transient_to_detached(case)
    session.add(case)


def _transition(
    case: Case, action: CaseAction, *, at: datetime, assignee_id: int | None = _UNSET,
    extra: dict[str, Any] | None = None,
) -> tuple[str, CaseStatus, dict[str, Any]]:
    """Check one transition and work out its changes: (old status, new status, columns)."""
    if not allowed(case.status, action):
        raise DomainError("case.not_allowed", case_id=case.id, status=case.status)
    old = case.status
    target = TRANSITIONS[action].target
    # `extra` carries a use case's own columns (a note, a rating); the status, the time of the
    # change and the assignee are the table's and this function's alone.
    reserved = {"status", "updated_at", "assignee_id"} & set(extra or {})
    if reserved:
        raise ValueError(f"apply() sets {sorted(reserved)} itself")
    changes: dict[str, Any] = {**(extra or {}), "status": target, "updated_at": at}
    if assignee_id is not _UNSET:
        changes["assignee_id"] = assignee_id
    milestone = _MILESTONES.get(target)
    if milestone and getattr(case, milestone) is None and milestone not in changes:
        changes[milestone] = at
    return old, target, changes


async def apply(
    session: AsyncSession, case: Case, action: CaseAction, *, actor_id: int | None, at: datetime,
    note: str | None = None, assignee_id: int | None = _UNSET, extra: dict[str, Any] | None = None,
) -> CaseEvent:
    """Move a case through one transition, guarded against a concurrent change, and log it."""
    old, target, changes = _transition(case, action, at=at, assignee_id=assignee_id,
                                       extra=extra)
    # The status guard makes two simultaneous presses safe on every database: one wins.
    result = await session.execute(
        update(Case).where(col(Case.id) == case.id, col(Case.status) == old)
        .values(**changes).execution_options(synchronize_session=False)
    )
    # execute() is typed as returning Result; an UPDATE really returns a CursorResult.
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("case.changed", case_id=case.id)
    for key, value in changes.items():
        set_committed_value(case, key, value)
    assert case.id is not None  # the update above matched it by id
    event = CaseEvent(case_id=case.id, at=at, actor_id=actor_id, action=action, from_status=old,
                      to_status=target, note=note, assignee_id=case.assignee_id)
    session.add(event)
    return event
