"""Ledgers and numbers for managers: /export (a month's 台账 as a workbook or CSV) and /stats."""

import re
from datetime import date, timedelta

from handlers.context import Context
from handlers.feature import Feature
from handlers.managers import community_codes, my_community, split_code
from handlers.payloads import Act, Payload
from handlers.types import Button, Outgoing
from models import Community
from services import case_queries, ledger, staff, stats
from services.errors import DomainError
from services.stats import previous_month

FORMATS = ("xlsx", "csv")


def _month_code(month: date) -> int:
    return month.year * 100 + month.month


def _month_of(code: int) -> date | None:
    year, month = divmod(code, 100)
    return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


async def export(ctx: Context, args: str) -> None:
    """Export a month's ledger: `/export 2026-11 repair csv`, or choose with buttons."""
    code, words = split_code(ctx, args, await community_codes(ctx))
    community = await my_community(ctx, code)
    assert community.id is not None
    if not words:
        this_month = ctx.clock.now().astimezone(ctx.tz).date().replace(day=1)
        rows = tuple((Button(ctx.texts(key, month=f"{m:%Y-%m}"), data=Payload(
            Act.EXPORT_MONTH, community.id, _month_code(m)).pack()),)
            for key, m in (("ledger.this_month", this_month),
                           ("ledger.last_month", previous_month(this_month))))
        ctx.reply(ctx.texts("ledger.ask_month", community=community.name), rows)
        return
    month = next((m for w in words if (m := ledger.parse_month(w))), None)
    names = {ctx.texts(f"kind.{k}"): k for k in ledger.KINDS} | {k: k for k in ledger.KINDS}
    kinds = tuple(names[w] for w in words if w in names) or ledger.KINDS
    if month is None:
        wrong = next((w for w in words if re.fullmatch(r"\d{4}\D?\d{1,2}月?", w)), None)
        ctx.reply(ctx.texts("ledger.bad_month", month=wrong) if wrong
                  else ctx.texts("ledger.usage"))
        return
    await _send_ledger(ctx, community, month, kinds, "csv" if "csv" in words else "xlsx")


async def on_month(ctx: Context, payload: Payload) -> None:
    """After the month: offer the kinds, all in Excel, or all as CSV."""
    community = await _community(ctx, payload.case_id)
    month = _month_of(payload.arg)
    if month is None:
        raise DomainError("mgr.bad_choice")
    ctx.answer()

    def pick(label: str, kind: int, fmt: int = 0) -> Button:
        arg = (payload.arg * 10 + kind) * 10 + fmt
        return Button(label, data=Payload(Act.EXPORT_KIND, community.id or 0, arg).pack())

    rows = [(pick(ctx.texts("ledger.all_kinds"), 0),)]
    kinds = [pick(ctx.texts(f"kind.{k}"), i) for i, k in enumerate(ledger.KINDS, start=1)]
    rows += [tuple(kinds[i:i + 3]) for i in range(0, len(kinds), 3)]
    rows.append((pick(ctx.texts("ledger.all_csv"), 0, 1),))
    ctx.edit(ctx.texts("ledger.ask_kind", month=f"{month:%Y-%m}"), tuple(rows))


async def on_kind(ctx: Context, payload: Payload) -> None:
    """Build the chosen ledger and send it as a file."""
    community = await _community(ctx, payload.case_id)
    rest, fmt = divmod(payload.arg, 10)
    month_code, kind = divmod(rest, 10)
    month = _month_of(month_code)
    if month is None or kind > len(ledger.KINDS) or fmt >= len(FORMATS):
        raise DomainError("mgr.bad_choice")
    ctx.answer()
    kinds = (ledger.KINDS[kind - 1],) if kind else ledger.KINDS
    await _send_ledger(ctx, community, month, kinds, FORMATS[fmt])


async def _community(ctx: Context, community_id: int) -> Community:
    """Authorise a press again: the presser must still manage that community."""
    for community in await staff.managed_communities(ctx.session, ctx.me.id or 0):
        if community.id == community_id:
            return community
    raise DomainError("staff.not_manager")


async def _send_ledger(ctx: Context, community: Community, month: date, kinds: tuple[str, ...],
                       fmt: str) -> None:
    book = await ledger.collect(ctx.session, community=community, month=month, kinds=kinds,
                                policy=ctx.deadlines, now=ctx.clock.now(), tz=ctx.tz,
                                label=ctx.texts)
    content = (ledger.csv_bytes if fmt == "csv" else ledger.workbook_bytes)(book, ctx.texts)
    caption = ctx.texts("ledger.caption", community=community.name, month=f"{month:%Y-%m}",
                        count=len(book.rows))
    ctx.effects.messages.append(Outgoing(
        chat_id=ctx.incoming.chat_id, text=caption,
        document=(ledger.file_name(book, fmt=fmt), content)))


def _rate(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "—"


def _hours(span: timedelta | None) -> str:
    return f"{span.total_seconds() / 3600:.1f}" if span is not None else "—"


async def show_stats(ctx: Context, args: str) -> None:
    """Show the backlog, overdue cases, speed and the three rates, this month and last."""
    community = await my_community(ctx, args.strip())
    assert community.id is not None
    numbers = await stats.community_stats(ctx.session, community_id=community.id,
                                          policy=ctx.deadlines, now=ctx.clock.now(),
                                          tz=ctx.tz)
    grids = await stats.grid_names(ctx.session, community.id)
    people = await case_queries.people_by_id(ctx.session, set(numbers.open_by_assignee))
    backlog = sum(numbers.open_by_grid.values())
    lines = [ctx.texts("stats.header", community=community.name),
             ctx.texts("stats.backlog", count=backlog)]
    lines += [ctx.texts("stats.by_grid", grid=grids.get(g or 0) or ctx.texts("ledger.no_grid"),
                        count=n) for g, n in sorted(numbers.open_by_grid.items(),
                                                    key=lambda item: item[0] or 0)]
    lines += [ctx.texts("stats.by_person", name=people[p].name if p in people
                        else ctx.texts("stats.nobody"), count=n)
              for p, n in sorted(numbers.open_by_assignee.items(), key=lambda i: -i[1])]
    lines.append(ctx.texts("stats.overdue", count=len(numbers.overdue),
                           ids=" ".join(f"#{i}" for i in numbers.overdue[:20])))
    lines.append(ctx.texts("stats.speed", accept=_hours(numbers.avg_accept),
                           close=_hours(numbers.avg_close)))
    this, last = numbers.this_month, numbers.last_month
    lines.append(ctx.texts("stats.rates_header"))
    for key, now_rate, before in (
        ("stats.response", this.response_rate, last.response_rate),
        ("stats.resolution", this.resolution_rate, last.resolution_rate),
        ("stats.satisfaction", this.satisfaction_rate, last.satisfaction_rate),
    ):
        lines.append(ctx.texts(key, this=_rate(now_rate), last=_rate(before)))
    lines.append(ctx.texts("stats.counts", reported=this.reported, closed=this.closed))
    ctx.reply("\n".join(lines))


FEATURE = Feature(
    name="ledger",
    commands={"export": export, "stats": show_stats},
    private_commands=frozenset({"export", "stats"}),
    buttons={Act.EXPORT_MONTH: on_month, Act.EXPORT_KIND: on_kind},
)
