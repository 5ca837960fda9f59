"""Reminders derived from the database: which deadline steps of which cases are due now.

Each step fires once per case: it is claimed by writing a `ReminderSent` row (INSERT ... ON
CONFLICT) in the same transaction as its messages, so a restart never repeats or loses one and two
replicas never both send it (the second one's insert waits for the first and then finds the row).

The ladder for accepting and for resolving a case (the allowance A runs from `since`):
- at 75% of A: remind the assignee; at A: remind the assignee again ("it has passed");
- at A: tell the community manager(s); at A + 2·A (overdue by twice A): the sub-district admin(s).
A resolved case nobody confirmed gets one reminder after a day and is closed after three.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseAction, CaseKind, ReminderSent, ScheduledSend
from services.clock import Clock
from services.deadlines import DeadlinePolicy
from services.errors import DomainError
from services.lifecycle import OPEN_STATUSES, TRANSITIONS, UNTAKEN_STATUSES, apply

ADMIN_AFTER = 2  # the admin hears when a case is overdue by this many allowances
TICK = "reminders"  # the scheduled_send row holding the time of the last complete tick
# Look back this far before the last tick: covers transactions that committed after it started.
SLACK = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of the ladder: when it fires (a share of the allowance) and who hears."""

    name: str
    phase: str  # "accept", "resolve" or "confirm"
    share: float  # of the allowance, counted from the start (confirm: unused)
    audience: str  # "assignee", "managers", "admins", "reporter", "close"


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """The settings the ladder runs on (services.timing.Timing.reminder_rules builds them)."""

    policy: DeadlinePolicy
    remind_at: float
    confirm_remind_after: timedelta
    confirm_close_after: timedelta

    def steps(self) -> tuple[Step, ...]:
        """Every step in the order a tick handles them."""
        ladder: list[Step] = []
        for phase in ("accept", "resolve"):
            ladder += [Step(f"{phase}_75", phase, self.remind_at, "assignee"),
                       Step(f"{phase}_due", phase, 1.0, "assignee"),
                       Step(f"{phase}_mgr", phase, 1.0, "managers"),
                       Step(f"{phase}_admin", phase, 1.0 + ADMIN_AFTER, "admins")]
        return (*ladder, Step("confirm_1d", "confirm", 0, "reporter"),
                Step("confirm_close", "confirm", 0, "close"))


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One claimed step of one case: what is due, when, and since when."""

    case: Case
    step: Step
    since: datetime
    due_at: datetime

    @property
    def urgent(self) -> bool:
        """Emergencies and urgent cases never wait for quiet hours."""
        return self.case.kind == CaseKind.EMERGENCY or self.case.urgency == "urgent"

    def overtaken(self, deliver_at: datetime) -> bool:
        """Whether a reminder ahead of a deadline ("请于 … 前接单", "please confirm") would only
        arrive once that deadline has come (held by quiet hours, or found late after downtime):
        then it is dropped, and the step at the deadline says what is true by then."""
        ahead = self.step.audience == "reporter" or (
            self.step.phase in ("accept", "resolve") and self.step.share < 1)
        return ahead and deliver_at >= self.due_at


# Where a phase's clock starts, and which statuses it runs in, for ordinary cases and wishes.
def _from(action: CaseAction) -> tuple[str, ...]:
    return tuple(sorted(TRANSITIONS[action].sources))


# Where each phase's clock starts and in which statuses it still runs (the lifecycle's sets).
_PHASES: dict[tuple[str, bool], tuple[Any, tuple[str, ...], tuple[Any, ...]]] = {
    ("accept", False): (Case.created_at, UNTAKEN_STATUSES, (col(Case.accepted_at).is_(None),)),
    ("accept", True): (Case.published_at, _from(CaseAction.CLAIM), ()),
    ("resolve", False): (Case.created_at, OPEN_STATUSES, ()),
    ("resolve", True): (Case.accepted_at, _from(CaseAction.RESOLVE), ()),
    ("confirm", False): (Case.updated_at, _from(CaseAction.CONFIRM), ()),
}


def _offsets(rules: ReminderRules, step: Step, wish: bool) -> dict[tuple[str, str], timedelta]:
    """How long after its start each (kind, urgency) reaches this step."""
    if step.phase == "confirm":
        after = (rules.confirm_remind_after if step.audience == "reporter"
                 else rules.confirm_close_after)
        return {("", ""): after}
    offsets = {}
    for (kind, urgency), allowance in rules.policy.allowances().items():
        if (kind == CaseKind.WISH) != wish:
            continue
        span = allowance.accept if step.phase == "accept" else allowance.resolve
        offsets[(kind, urgency)] = span * step.share
    return offsets


def _queries(
    rules: ReminderRules, step: Step, now: datetime, since: datetime | None
) -> list[tuple[Any, Any]]:
    """(start column, WHERE clause) pairs selecting the cases that reached this step.

    After the first tick, only two narrow slices can hold new work, each an index range: cases
    whose step time fell after the previous tick (`since`), and cases changed since then (a
    reopened case is due again at once)."""
    found = []
    for wish in (False, True):
        if step.phase == "confirm" and wish:
            continue
        start, statuses, extra = _PHASES[(step.phase, wish)]
        kinds = col(Case.kind) == CaseKind.WISH if wish else col(Case.kind) != CaseKind.WISH
        done = exists().where(col(ReminderSent.case_id) == col(Case.id),
                              col(ReminderSent.step) == step.name,
                              col(ReminderSent.since) >= col(start))
        common = (col(Case.status).in_(statuses), kinds, col(start).is_not(None), *extra, ~done)
        reached = []
        for (kind, urgency), offset in _offsets(rules, step, wish).items():
            same = () if step.phase == "confirm" else (col(Case.kind) == kind,
                                                       col(Case.urgency) == urgency)
            window = (col(start) <= now - offset,
                      *(() if since is None else (col(start) > since - offset,)))
            found.append((start, and_(*common, *same, *window)))
            reached.append(and_(*same, col(start) <= now - offset))
        if since is not None:
            found.append((start, and_(*common, col(Case.updated_at) > since, or_(*reached))))
    return found


def _due_at(rules: ReminderRules, step: Step, case: Case, since: datetime) -> datetime:
    if step.phase == "confirm":
        return since + rules.confirm_close_after
    allowance = rules.policy.allowance(case.kind, case.urgency)
    return since + (allowance.accept if step.phase == "accept" else allowance.resolve)


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def already_claimed(session: AsyncSession, *, kind: str, key: str) -> bool:
    """Tell whether a periodic send was already claimed (a cheap look before costly work)."""
    found = await session.execute(select(col(ScheduledSend.kind)).where(
        col(ScheduledSend.kind) == kind, col(ScheduledSend.key) == key).limit(1))
    return found.first() is not None


async def claim_once(session: AsyncSession, *, kind: str, key: str, at: datetime) -> bool:
    """Claim a periodic send (a day's digest, a week's visit list); False if already done."""
    statement = (_insert(session)(ScheduledSend).values(kind=kind, key=key, sent_at=at)
                 .on_conflict_do_nothing(index_elements=["kind", "key"])
                 .returning(col(ScheduledSend.kind)))
    return (await session.execute(statement)).first() is not None


async def _claim(
    session: AsyncSession, step: Step, found: Sequence[tuple[Case, datetime]], now: datetime
) -> set[int]:
    """Record the step for these cases; return the ids this transaction won."""
    if not found:
        return set()
    insert = _insert(session)
    rows = [{"case_id": case.id, "step": step.name, "since": since, "sent_at": now}
            for case, since in sorted(found, key=lambda pair: pair[0].id or 0)]
    values = insert(ReminderSent).values(rows)
    statement = values.on_conflict_do_update(
        index_elements=["case_id", "step"],
        set_={"since": values.excluded.since, "sent_at": values.excluded.sent_at},
        where=col(ReminderSent.since) < values.excluded.since,
    ).returning(col(ReminderSent.case_id))
    return {int(case_id) for case_id in (await session.execute(statement)).scalars().all()}


async def claim_due(
    session: AsyncSession, *, clock: Clock, rules: ReminderRules, limit: int = 500
) -> list[DueReminder]:
    """Claim every reminder step due now (at most `limit` per query and tick: the rest follow
    next tick) and return them; resolved cases past the confirmation time are closed by timeout
    on the way."""
    now = clock.now()
    last = await session.get(ScheduledSend, (TICK, TICK))
    since = last.sent_at - SLACK if last is not None else None
    claimed: list[DueReminder] = []
    complete = True
    for step in rules.steps():
        for start, clause in _queries(rules, step, now, since):
            # No ORDER BY: SQLite would walk the whole table in id order to honour it.
            query = select(Case, col(start)).where(clause).limit(limit)
            found = [(case, at) for case, at in (await session.execute(query)).all()]
            complete = complete and len(found) < limit
            won = await _claim(session, step, found, now)
            for case, at in found:
                if case.id not in won:
                    continue
                if step.audience == "close" and not await _close_by_timeout(session, case, now):
                    continue
                claimed.append(DueReminder(case, step, at, _due_at(rules, step, case, at)))
    if complete:  # everything up to now is done: the next tick looks only at what is newer
        await _mark_tick(session, now)
    return claimed


async def _mark_tick(session: AsyncSession, now: datetime) -> None:
    values = _insert(session)(ScheduledSend).values(kind=TICK, key=TICK, sent_at=now)
    await session.execute(values.on_conflict_do_update(
        index_elements=["kind", "key"], set_={"sent_at": values.excluded.sent_at},
        where=col(ScheduledSend.sent_at) < values.excluded.sent_at))


async def _close_by_timeout(session: AsyncSession, case: Case, now: datetime) -> bool:
    """Close a resolved case nobody confirmed: recorded as such, with no rating."""
    try:
        await apply(session, case, CaseAction.AUTO_CLOSE, actor_id=None, at=now)
    except DomainError:  # the resident answered in the meantime
        return False
    return True
