"""The daily digest: each community manager gets their community, the sub-district admin one line
per community; both with a 14-day chart. `/digest` sends it on demand.

The scheduler's job (scheduler/jobs.daily_digest) plans it with the renderer, draws the charts
off the event loop and outside any transaction, then queues everything in one transaction."""

import asyncio
from dataclasses import dataclass

from handlers.cards import kind_name, when
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.renderer import Renderer
from handlers.texts import Texts
from handlers.types import Message, Outgoing
from models import Person, Role
from services import chart, digest, directory
from services.chart import ChartLabels
from services.digest import CommunityDigest, DayPoint
from services.metrics import Rates
from services.outgoing import Photo, split_text


def _rate(ctx: Renderer, part: int, whole: int) -> str:
    if not whole:
        return ctx.texts("digest.rate_none")
    return ctx.texts("digest.rate", pct=round(100 * part / whole), part=part, whole=whole)


def _numbers(ctx: Renderer, rates: Rates) -> dict[str, object]:
    return {"new": rates.reported, "closed": rates.closed, "overdue": len(rates.overdue),
            "response": _rate(ctx, rates.responded, rates.response_due),
            "resolution": _rate(ctx, rates.resolved, rates.resolution_due),
            "satisfaction": _rate(ctx, rates.satisfied, rates.rated)}


def community_text(ctx: Renderer, d: CommunityDigest) -> str:
    """A manager's digest of one community."""
    numbers = _numbers(ctx, d.rates)
    lines = [ctx.texts("digest.header", community=d.name, day=_day(ctx, d)),
             ctx.texts("digest.yesterday", **numbers), ctx.texts("digest.rates", **numbers)]
    if d.backlog:
        lines.append(ctx.texts("digest.backlog", total=d.backlog))
        for grid in d.grids:
            workers = ctx.texts("digest.list_sep").join(
                ctx.texts("digest.backlog_worker", name=name or ctx.texts("digest.unassigned"),
                          n=n) for name, n in grid.by_worker)
            lines.append(ctx.texts("digest.backlog_grid", grid=grid.grid, total=grid.total,
                                   workers=workers))
    else:
        lines.append(ctx.texts("digest.backlog_none"))
    if d.oldest_overdue:
        lines.append(ctx.texts("digest.oldest"))
        lines += [ctx.texts("digest.oldest_line", id=c.id, kind=kind_name(ctx, c.kind),
                            since=when(ctx, c.created_at)) for c in d.oldest_overdue]
    if d.missed_visits:
        lines.append(ctx.texts("digest.visits_missed", n=d.missed_visits))
    return "\n".join(lines)


def admin_text(ctx: Renderer, digests: list[CommunityDigest]) -> str:
    """The sub-district's digest: one line per community, then the total."""
    if not digests:
        return ctx.texts("digest.none")
    lines = [ctx.texts("digest.admin_header", day=_day(ctx, digests[0]))]
    lines += [ctx.texts("digest.admin_line", community=d.name, backlog=d.backlog,
                        **_numbers(ctx, d.rates)) for d in digests]
    lines.append(ctx.texts("digest.admin_total", backlog=sum(d.backlog for d in digests),
                           **_numbers(ctx, digest.total(digests))))
    lines.append(ctx.texts("digest.definitions"))
    return "\n".join(lines)


def _day(ctx: Renderer, d: CommunityDigest) -> str:
    return ctx.texts("digest.day", month=d.day.month, day=d.day.day)


@dataclass(frozen=True, slots=True)
class ChartToDraw:
    """A chart the digest will send as a photo, not drawn yet (drawing takes a while)."""

    chat_id: int
    caption: str
    points: list[DayPoint]
    labels: ChartLabels


DigestPlan = list[Outgoing | ChartToDraw]


def _chart(r: Renderer, chat_id: int, points: list[DayPoint], caption: str) -> ChartToDraw:
    texts = r.texts if chart.cjk_font() else Texts("en")  # no Chinese font: English labels
    labels = chart.ChartLabels(*(texts(f"digest.chart_{part}") for part in
                                 ("title", "new", "closed", "response", "resolution",
                                  "satisfaction")))
    return ChartToDraw(chat_id, caption, points, labels)


async def plan_digests(w: Writer, person: Person | None = None) -> DigestPlan:
    """Write the digest for every manager and admin (or only `person`): each recipient's text,
    then their chart (still to be drawn). Only reads; nothing is queued."""
    now = w.clock.now()
    digests = await digest.build(w.session, policy=w.deadlines, tz=w.tz, now=now)
    overall, each = await digest.series_by_community(w.session, policy=w.deadlines, tz=w.tz,
                                                     now=now)
    empty = [DayPoint(p.day, 0, 0, None, None, None) for p in overall]
    plan: DigestPlan = []
    for d in digests:
        managers = await directory.people_with_role(w.session, Role.MANAGER,
                                                    community_id=d.community_id)
        for manager in managers:
            if (person is None or manager.id == person.id) and manager.telegram_id:
                plan += [Outgoing(manager.telegram_id, Message(part))
                         for part in split_text(community_text(w, d))]
                plan.append(_chart(w, manager.telegram_id, each.get(d.community_id, empty),
                                   w.texts("digest.caption", name=d.name)))
    for admin in await directory.admins(w.session):
        if (person is None or admin.id == person.id) and admin.telegram_id:
            plan += [Outgoing(admin.telegram_id, Message(part))
                     for part in split_text(admin_text(w, digests))]
            plan.append(_chart(w, admin.telegram_id, overall,
                               w.texts("digest.caption", name=w.texts("digest.all"))))
    return plan


def recipients(plan: DigestPlan) -> int:
    """How many people the planned digest goes to (each gets one chart)."""
    return sum(isinstance(item, ChartToDraw) for item in plan)


def draw(plan: DigestPlan) -> list[Outgoing]:
    """Draw the planned charts (matplotlib: call it off the event loop) and return the messages
    in order."""
    return [item if isinstance(item, Outgoing) else
            Outgoing(item.chat_id, Message(item.caption,
                                            media=Photo(chart.render(item.points, item.labels))))
            for item in plan]


async def send_digests(ctx: Writer, person: Person | None = None) -> int:
    """Queue the digest for every manager and admin (or only `person`); return how many."""
    plan = await plan_digests(ctx, person)
    ctx.effects.messages.extend(await asyncio.to_thread(draw, plan))
    return recipients(plan)


async def on_digest(ctx: Context, args: str) -> None:
    """Send the digest now to the manager or admin who asks."""
    if not await send_digests(ctx, ctx.me):
        ctx.reply(ctx.texts("digest.not_allowed"))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("digest.help")] if roles & {Role.MANAGER, Role.ADMIN} else []


FEATURE = Feature(name="digest", commands={"digest": on_digest},
                  private_commands=frozenset({"digest"}), help=_help)
