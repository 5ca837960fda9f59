"""The case lifecycle, in one place: the table of allowed transitions and the only code that sets
a case's status. Every change appends an event."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from models import Case, CaseAction, CaseEvent, CaseStatus
from services.errors import DomainError

S = CaseStatus

OPEN_STATUSES: tuple[str, ...] = (
    S.NEW, S.PUBLISHED, S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.RETURNED)
WORKING_STATUSES: tuple[str, ...] = (S.ASSIGNED, S.ACCEPTED, S.REOPENED)


@dataclass(frozen=True, slots=True)
class Transition:
    """From which statuses an action may start, and where it leads."""

    sources: frozenset[CaseStatus]
    target: CaseStatus


def _t(sources: set[CaseStatus], target: CaseStatus) -> Transition:
    return Transition(frozenset(sources), target)


TRANSITIONS: dict[CaseAction, Transition] = {
    CaseAction.ASSIGN: _t({S.NEW, S.RETURNED, S.ASSIGNED, S.ACCEPTED, S.REOPENED}, S.ASSIGNED),
    CaseAction.ACCEPT: _t({S.ASSIGNED, S.REOPENED}, S.ACCEPTED),
    CaseAction.TRANSFER: _t({S.ASSIGNED, S.ACCEPTED, S.REOPENED}, S.ASSIGNED),
    CaseAction.RETURN: _t({S.ASSIGNED, S.ACCEPTED, S.REOPENED}, S.RETURNED),
    CaseAction.RESOLVE: _t({S.ACCEPTED, S.REOPENED}, S.RESOLVED),
    CaseAction.CONFIRM: _t({S.RESOLVED}, S.CLOSED),
    CaseAction.REOPEN: _t({S.RESOLVED}, S.REOPENED),
    CaseAction.RATE: _t({S.CLOSED}, S.CLOSED),
    CaseAction.CANCEL: _t(
        {S.NEW, S.PUBLISHED, S.ASSIGNED, S.ACCEPTED, S.RETURNED, S.REOPENED}, S.CANCELLED),
    CaseAction.APPROVE: _t({S.NEW}, S.PUBLISHED),
    CaseAction.DECLINE: _t({S.NEW}, S.CANCELLED),
    CaseAction.CLAIM: _t({S.PUBLISHED}, S.ACCEPTED),
    CaseAction.UNCLAIM: _t({S.ACCEPTED, S.REOPENED}, S.PUBLISHED),
    CaseAction.SCHEDULE: _t({S.ACCEPTED, S.REOPENED}, S.ACCEPTED),
    CaseAction.ESCALATE: _t({S.NEW, S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.RETURNED}, S.ASSIGNED),
    CaseAction.REFER: _t({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.RETURNED}, S.REFERRED),
    CaseAction.RELAPSE: _t({S.CLOSED}, S.REOPENED),
    CaseAction.AUTO_CLOSE: _t({S.RESOLVED}, S.CLOSED),
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


def allowed(status: str, action: CaseAction) -> bool:
    """Tell whether the action may be taken on a case in this status."""
    return CaseStatus(status) in TRANSITIONS[action].sources


async def start_case(
    session: AsyncSession, case: Case, *, actor_id: int | None, at: datetime
) -> None:
    """Store a new case and its first event."""
    case.status = S.NEW
    case.created_at = case.updated_at = at
    session.add(case)
    await session.flush()
    assert case.id is not None
    session.add(CaseEvent(case_id=case.id, at=at, actor_id=actor_id, action=CaseAction.CREATE,
                          from_status=None, to_status=S.NEW, note=None))


async def apply(
    session: AsyncSession, case: Case, action: CaseAction, *, actor_id: int | None, at: datetime,
    note: str | None = None, assignee_id: int | None = _UNSET, extra: dict[str, Any] | None = None,
) -> CaseEvent:
    """Move a case through one transition, guarded against a concurrent change, and log it."""
    if not allowed(case.status, action):
        raise DomainError("case.not_allowed", case_id=case.id, status=case.status)
    old = case.status
    target = TRANSITIONS[action].target
    changes: dict[str, Any] = {"status": target, "updated_at": at, **(extra or {})}
    if assignee_id is not _UNSET:
        changes["assignee_id"] = assignee_id
    milestone = _MILESTONES.get(target)
    if milestone and getattr(case, milestone) is None:
        changes[milestone] = at
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
