"""Deadlines per kind and urgency: how long a case may wait to be accepted and to be resolved.

A deadline runs from a start point that depends on the kind:
- accept: from the report (for a wish: from its publication, since review comes first; a wish's
  "accept" is a volunteer's claim);
- resolve: from the report (for a wish: from the claim, since a volunteer can only start then).

Defaults follow common practice in Chinese grid management and can be overridden with the
DEADLINES setting, e.g. ``repair.accept=1h,repair.resolve=2d,dispute.urgent.accept=4h``.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import CaseKind, CaseStatus, Urgency


@dataclass(frozen=True, slots=True)
class Allowance:
    """How long a case may take to be accepted and to be resolved."""

    accept: timedelta
    resolve: timedelta


_H, _D, _M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)

DEFAULTS: dict[tuple[str, str], Allowance] = {
    (CaseKind.EMERGENCY, Urgency.NORMAL): Allowance(15 * _M, 1 * _D),
    (CaseKind.EMERGENCY, Urgency.URGENT): Allowance(15 * _M, 1 * _D),
    (CaseKind.REPAIR, Urgency.NORMAL): Allowance(2 * _H, 3 * _D),
    (CaseKind.REPAIR, Urgency.URGENT): Allowance(30 * _M, 1 * _D),
    (CaseKind.DISPUTE, Urgency.NORMAL): Allowance(1 * _D, 14 * _D),
    (CaseKind.DISPUTE, Urgency.URGENT): Allowance(4 * _H, 7 * _D),
    (CaseKind.WISH, Urgency.NORMAL): Allowance(3 * _D, 7 * _D),
    (CaseKind.WISH, Urgency.URGENT): Allowance(1 * _D, 3 * _D),
    (CaseKind.OTHER, Urgency.NORMAL): Allowance(4 * _H, 5 * _D),
    (CaseKind.OTHER, Urgency.URGENT): Allowance(1 * _H, 2 * _D),
}

_UNITS = {"m": _M, "h": _H, "d": _D}
_OVERRIDE = re.compile(
    r"^(?P<kind>[a-z]+)(?:\.(?P<urgency>normal|urgent))?\.(?P<what>accept|resolve)"
    r"=(?P<amount>\d+(?:\.\d+)?)(?P<unit>[mhd])$"
)


class DeadlineConfigError(ValueError):
    """The DEADLINES setting could not be read."""


@dataclass(frozen=True, slots=True)
class Due:
    """When a case must be accepted and resolved (None: no deadline running yet).

    The one definition of "on time", for the digest, /stats, the ledger and the reminders: a step
    is on time when it happened at or before its deadline, and late when it happened after it or
    has not happened and the deadline has passed. Acceptance happens at `accepted_at` (a wish's
    claim); resolution happens at the fix (`resolved_at`), which the resident then confirms or
    lets close by timeout, so an unconfirmed case fixed in time is on time. A reopened case is
    not resolved until it is fixed again; a referred one is done when it was referred.
    """

    accept: datetime | None
    resolve: datetime | None

    def accept_late(self, accepted_at: datetime | None, now: datetime) -> bool:
        """Whether acceptance missed its deadline, as known at `now`."""
        return _late(accepted_at, self.accept, now)

    def resolve_late(self, resolved_at: datetime | None, now: datetime) -> bool:
        """Whether resolution missed its deadline, as known at `now` (see resolved_moment)."""
        return _late(resolved_at, self.resolve, now)


def _late(done: datetime | None, deadline: datetime | None, now: datetime) -> bool:
    if deadline is None:
        return False
    return done > deadline if done is not None else now > deadline


def resolved_moment(
    status: str, resolved_at: datetime | None, closed_at: datetime | None
) -> datetime | None:
    """When the case's resolution happened for the on-time rule: the fix, if the case is still
    fixed (awaiting confirmation or closed); the referral for a referred case; else None."""
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return resolved_at or closed_at
    if status == CaseStatus.REFERRED:
        return closed_at
    return None


class DeadlinePolicy:
    """The allowances in force, with any overrides applied."""

    def __init__(self, overrides: str = "") -> None:
        table = dict(DEFAULTS)
        for item in filter(None, (part.strip() for part in overrides.split(","))):
            match = _OVERRIDE.match(item)
            if match is None or match["kind"] not in set(CaseKind):
                raise DeadlineConfigError(
                    f"DEADLINES: cannot read {item!r}; write e.g. repair.accept=2h or "
                    "dispute.urgent.resolve=7d (units m, h, d)")
            amount = float(match["amount"]) * _UNITS[match["unit"]]
            urgencies = [match["urgency"]] if match["urgency"] else list(Urgency)
            for urgency in urgencies:
                old = table[(match["kind"], urgency)]
                table[(match["kind"], urgency)] = (
                    Allowance(amount, old.resolve) if match["what"] == "accept"
                    else Allowance(old.accept, amount))
        self._table = table

    def allowance(self, kind: str, urgency: str) -> Allowance:
        """The allowance for this kind and urgency (unknown values count as 'other, normal')."""
        return self._table.get((kind, urgency)) or self._table[(CaseKind.OTHER, Urgency.NORMAL)]

    def allowances(self) -> dict[tuple[str, str], Allowance]:
        """Every (kind, urgency) and its allowance, overrides applied."""
        return dict(self._table)

    @property
    def longest_resolve(self) -> timedelta:
        """The longest resolve allowance plus the accept allowance before it (for queries)."""
        return max(a.accept + a.resolve for a in self._table.values())

    def due(
        self, *, kind: str, urgency: str, created_at: datetime,
        published_at: datetime | None = None, accepted_at: datetime | None = None,
    ) -> Due:
        """When this case must be accepted and resolved."""
        allowance = self.allowance(kind, urgency)
        if kind == CaseKind.WISH:
            accept = published_at + allowance.accept if published_at else None
            resolve = accepted_at + allowance.resolve if accepted_at else None
            return Due(accept, resolve)
        return Due(created_at + allowance.accept, created_at + allowance.resolve)
