"""Ledgers and numbers for managers: /export (a month's 台账 as a workbook or CSV) and /stats."""

import re
from datetime import date, timedelta

from handlers.context import Context
from handlers.feature import Feature
from handlers.managers import community_codes, my_community, split_code
from handlers.payloads import ExportLedger, ExportMonth
from handlers.types import Button, Message
from models import Community
from services import case_queries, ledger, staff, stats
from services.errors import DomainError
from services.outgoing import Document
from services.stats import previous_month

FORMATS = ("xlsx", "csv")
ALL = "all"  # every kind in one ledger


def _month_of(year: int, month: int) -> date | None:
    return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


async def export(ctx: Context, args: str) -> None:
    """Export a month's ledger: `/export 2026-11 repair csv`, or choose with buttons."""
    code, words = split_code(ctx, args, await community_codes(ctx))
    community = await my_community(ctx, code)
    assert community.id is not None
    if not words:
        this_month = ctx.clock.now().astimezone(ctx.tz).date().replace(day=1)
        rows = tuple((Button(ctx.texts(key, month=f"{m:%Y-%m}"), data=ExportMonth(
            community.id, m.year, m.month).pack()),)
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


async def on_month(ctx: Context, payload: ExportMonth) -> None:
    """After the month: offer the kinds, all in Excel, or all as CSV."""
    community = await _community(ctx, payload.community_id)
    month = _month_of(payload.year, payload.month)
    if month is None:
        raise DomainError("mgr.bad_choice")
    ctx.answer()

    def pick(label: str, kind: str, fmt: str = FORMATS[0]) -> Button:
        return Button(label, data=ExportLedger(community.id or 0, month.year, month.month, kind,
                                               fmt).pack())

    rows: list[tuple[Button, ...]] = [(pick(ctx.texts("ledger.all_kinds"), ALL),)]
    kinds = [pick(ctx.texts(f"kind.{k}"), k) for k in ledger.KINDS]
    rows += [tuple(kinds[i:i + 3]) for i in range(0, len(kinds), 3)]
    rows.append((pick(ctx.texts("ledger.all_csv"), ALL, "csv"),))
    ctx.edit(ctx.texts("ledger.ask_kind", month=f"{month:%Y-%m}"), tuple(rows))


async def on_kind(ctx: Context, payload: ExportLedger) -> None:
    """Build the chosen ledger and send it as a file."""
    community = await _community(ctx, payload.community_id)
    month = _month_of(payload.year, payload.month)
    kind_ok = payload.kind == ALL or payload.kind in ledger.KINDS
    if month is None or not kind_ok or payload.fmt not in FORMATS:
        raise DomainError("mgr.bad_choice")
    ctx.answer()
    kinds = ledger.KINDS if payload.kind == ALL else (payload.kind,)
    await _send_ledger(ctx, community, month, kinds, payload.fmt)


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
    ctx.emit(ctx.incoming.chat_id,
             Message(caption, media=Document(ledger.file_name(book, fmt=fmt), content)))


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
    buttons={ExportMonth: on_month, ExportLedger: on_kind},
)
