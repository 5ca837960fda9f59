"""The daily digest: each community manager gets their community, the sub-district admin one line
per community; both with a 14-day chart. `/digest` sends it on demand."""

from handlers import notify
from handlers.cards import kind_name, when
from handlers.context import Context
from handlers.feature import Feature
from handlers.texts import Texts
from handlers.types import Message
from models import Person, Role
from services import chart, digest, directory
from services.digest import CommunityDigest, DayPoint
from services.metrics import Rates
from services.outgoing import Photo


def _rate(ctx: Context, part: int, whole: int) -> str:
    if not whole:
        return ctx.texts("digest.rate_none")
    return ctx.texts("digest.rate", pct=round(100 * part / whole), part=part, whole=whole)


def _numbers(ctx: Context, rates: Rates) -> dict[str, object]:
    return {"new": rates.reported, "closed": rates.closed, "overdue": len(rates.overdue),
            "response": _rate(ctx, rates.responded, rates.response_due),
            "resolution": _rate(ctx, rates.resolved, rates.resolution_due),
            "satisfaction": _rate(ctx, rates.satisfied, rates.rated)}


def community_text(ctx: Context, d: CommunityDigest) -> str:
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


def admin_text(ctx: Context, digests: list[CommunityDigest]) -> str:
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


def _day(ctx: Context, d: CommunityDigest) -> str:
    return ctx.texts("digest.day", month=d.day.month, day=d.day.day)


def chart_message(ctx: Context, chat_id: int, points: list[DayPoint], caption: str) -> None:
    """Queue the 14-day chart as a photo."""
    texts = ctx.texts if chart.cjk_font() else Texts("en")  # no Chinese font: English labels
    labels = chart.ChartLabels(*(texts(f"digest.chart_{part}") for part in
                                 ("title", "new", "closed", "response", "resolution",
                                  "satisfaction")))
    ctx.emit(chat_id, Message(caption, media=Photo(chart.render(points, labels))))


async def send_digests(ctx: Context, person: Person | None = None) -> int:
    """Queue the digest for every manager and admin (or only `person`); return how many."""
    now = ctx.clock.now()
    digests = await digest.build(ctx.session, policy=ctx.deadlines, tz=ctx.tz, now=now)
    overall, each = await digest.series_by_community(ctx.session, policy=ctx.deadlines,
                                                     tz=ctx.tz, now=now)
    empty = [DayPoint(p.day, 0, 0, None, None, None) for p in overall]
    sent = 0
    for d in digests:
        managers = await directory.people_with_role(ctx.session, Role.MANAGER,
                                                    community_id=d.community_id)
        for manager in managers:
            if (person is None or manager.id == person.id) and manager.telegram_id:
                notify.to_person(ctx, manager, community_text(ctx, d))
                chart_message(ctx, manager.telegram_id, each.get(d.community_id, empty),
                              ctx.texts("digest.caption", name=d.name))
                sent += 1
    for admin in await directory.admins(ctx.session):
        if (person is None or admin.id == person.id) and admin.telegram_id:
            notify.to_person(ctx, admin, admin_text(ctx, digests))
            chart_message(ctx, admin.telegram_id, overall,
                          ctx.texts("digest.caption", name=ctx.texts("digest.all")))
            sent += 1
    return sent


async def on_digest(ctx: Context, args: str) -> None:
    """Send the digest now to the manager or admin who asks."""
    if not await send_digests(ctx, ctx.me):
        ctx.reply(ctx.texts("digest.not_allowed"))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("digest.help")] if roles & {Role.MANAGER, Role.ADMIN} else []


FEATURE = Feature(name="digest", commands={"digest": on_digest},
                  private_commands=frozenset({"digest"}), help=_help)
