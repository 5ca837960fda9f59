"""Home visits (入户走访): managers flag households with /care; on the visit day each grid worker
gets the list for their grid and logs each visit: visited / not at home / needs help (a case).

```mermaid
stateDiagram-v2
    List --> Household: tap a household
    Household --> Logged: 已走访 / 不在家
    Household --> Case: 需要帮助 (opens a case for the household)
```
"""

import re

from handlers import managers
from handlers.cards import button
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.filing import hand_over
from handlers.payloads import LogVisit, VisitHome
from handlers.renderer import Renderer
from handlers.types import Button
from models import CaseKind, Community, Person, Role, Urgency
from services import audit, directory, numbers, visits
from services.cases import NewReport, report_case
from services.errors import DomainError
from services.residents import CARE_KINDS
from services.visits import OUTCOMES, Household

PER_MESSAGE = 30  # households per list message (Telegram allows 100 buttons)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _label(ctx: Renderer, h: Household) -> str:
    mark = ctx.texts(f"visit.mark_{h.outcome}") if h.outcome else ctx.texts("visit.mark_none")
    flags = ctx.texts("digest.list_sep").join(ctx.texts(f"care.{f}") for f in h.person.care)
    # A household flagged by door number alone has no name yet: say so, not the door again.
    unnamed = re.fullmatch(r"\d+-\d+-\d+", h.person.name.strip())
    return ctx.texts("visit.line", mark=mark, building=h.building, unit=h.person.unit or "-",
                     room=h.person.room or "-", flags=flags,
                     name=ctx.texts("visit.unnamed") if unnamed else h.person.name)


async def send_lists(ctx: Writer, community: Community, week: str) -> int:
    """Queue each grid worker's list of flagged households; return how many lists."""
    sent = 0
    for grid in await visits.grids_of(ctx.session, community.id or 0):
        homes = await visits.households(ctx.session, grid_id=grid.id or 0, week=week)
        if not homes:
            continue
        workers = await directory.people_with_role(ctx.session, Role.WORKER, grid_id=grid.id,
                                                   include_on_leave=False)
        for worker in workers:
            if worker.telegram_id is None:
                continue
            await _list(ctx, worker, grid.name, homes)
            sent += 1
    return sent


async def _list(ctx: Writer, worker: Person, grid: str, homes: list[Household]) -> None:
    """Send a worker the households to visit (names and flats: recorded as seen)."""
    assert worker.telegram_id is not None
    for home in homes:
        await audit.record_view(ctx.session, viewer_id=worker.id or 0, at=ctx.clock.now(),
                                what=visits.LIST_VIEW, subject_id=home.person.id)
    for start in range(0, len(homes), PER_MESSAGE):
        part = homes[start:start + PER_MESSAGE]
        lines = [ctx.texts("visit.list_header", grid=grid, n=len(homes))]
        lines += [_label(ctx, h) for h in part]
        rows = tuple((Button(ctx.texts("visit.btn_home", building=h.building,
                                       unit=h.person.unit or "-", room=h.person.room or "-"),
                             data=VisitHome(h.person.id or 0).pack()),)
                     for h in part)
        ctx.send(worker.telegram_id, "\n".join(lines), rows)


async def on_visits(ctx: Context, args: str) -> None:
    """Show this week's list to a grid worker."""
    week = visits.week_of(ctx.clock.now(), ctx.tz)
    grid_ids = {r.grid_id for r in await directory.roles_of(ctx.session, ctx.me.id or 0)
                if r.role == Role.WORKER and r.grid_id}
    shown = False
    for community in await directory.all_communities(ctx.session):
        for grid in await visits.grids_of(ctx.session, community.id or 0):
            if grid.id not in grid_ids:
                continue
            homes = await visits.households(ctx.session, grid_id=grid.id or 0, week=week)
            if homes:
                await _list(ctx, ctx.me, grid.name, homes)
                shown = True
    if not shown:
        ctx.reply(ctx.texts("visit.none"))


async def on_home(ctx: Context, payload: VisitHome) -> None:
    """Offer the three outcomes for one household."""
    ctx.answer()
    rows = (tuple(button(ctx, f"visit.btn_{outcome}", LogVisit(payload.person_id, n))
                  for n, outcome in enumerate(OUTCOMES[:2], start=1)),
            (button(ctx, "visit.btn_help", LogVisit(payload.person_id, 3)),))
    ctx.reply(ctx.texts("visit.ask", id=payload.person_id), rows)


async def on_log(ctx: Context, payload: LogVisit) -> None:
    """Record the visit; "needs help" opens a case for the household."""
    if not 1 <= payload.outcome <= len(OUTCOMES):
        raise DomainError("visit.bad_outcome")
    outcome = OUTCOMES[payload.outcome - 1]
    now = ctx.clock.now()
    household, building = await visits.log_visit(ctx.session, worker=ctx.me,
                                                 household_id=payload.person_id, outcome=outcome,
                                                 at=now, tz=ctx.tz)
    ctx.answer()
    where = ctx.texts("visit.where", building=building.number, unit=household.unit or "-",
                      room=household.room or "-")
    if outcome != "help":
        ctx.edit(ctx.texts(f"visit.logged_{outcome}", where=where))
        return
    report = NewReport(text=ctx.texts("visit.case_text", where=where, worker=ctx.me.name),
                       kind=CaseKind.OTHER, urgency=Urgency.NORMAL,
                       community_id=building.community_id, building=building,
                       unit=household.unit, room=household.room)
    reported = await report_case(ctx.session, clock=ctx.clock, reporter=household, report=report)
    await visits.log_visit(ctx.session, worker=ctx.me, household_id=payload.person_id,
                           outcome=outcome, at=now, tz=ctx.tz, case_id=reported.case.id)
    ctx.edit(ctx.texts("visit.logged_help", where=where, id=reported.case.id))
    await hand_over(ctx, reported.case, reported.assignee, reported.also_notify)


async def on_care(ctx: Context, args: str) -> None:
    """Flag a household: /care 3-2-301 独居 残疾 (no flags: unflag), or a registered resident by
    number: /care 12 独居 (see /register)."""
    words = args.split()
    if words and numbers.parse_id(words[0]) is not None:
        await managers.care(ctx, args)
        return
    address, *names = words or [""]
    flags = [_care_kind(ctx, name) for name in names]
    parts = address.split("-")
    community_id = await directory.managed_community(ctx.session, ctx.me.id or 0)
    if len(parts) != 3 or community_id is None:
        ctx.reply(ctx.texts("visit.care_usage"))
        return
    household = await visits.flag_household(ctx.session, actor=ctx.me, community_id=community_id,
                                            building_number=parts[0], unit=parts[1],
                                            room=parts[2], flags=flags)
    saved = ctx.texts("digest.list_sep").join(ctx.texts(f"care.{f}") for f in household.care)
    ctx.reply(ctx.texts("visit.care_saved", where=address, flags=saved or "-"))


def _care_kind(ctx: Context, word: str) -> str:
    """Read a care flag written as 独居 or as elderly_alone."""
    return next((kind for kind in CARE_KINDS if word in (kind, ctx.texts(f"care.{kind}"))), word)


async def on_visitday(ctx: Context, args: str) -> None:
    """Choose the community's visit day: /visitday wed."""
    community_id = await directory.managed_community(ctx.session, ctx.me.id or 0)
    day = args.strip().lower()[:3]
    if community_id is None or day not in WEEKDAYS:
        ctx.reply(ctx.texts("visit.day_usage"))
        return
    await visits.set_visit_weekday(ctx.session, actor=ctx.me, community_id=community_id,
                                   weekday=WEEKDAYS.index(day))
    ctx.reply(ctx.texts("visit.day_saved", day=ctx.texts(f"visit.weekday_{day}")))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = []
    if Role.WORKER in roles:
        parts.append(ctx.texts("visit.help_worker"))
    if Role.MANAGER in roles:
        parts.append(ctx.texts("visit.help_manager"))
    return parts


FEATURE = Feature(name="visits",
                  commands={"care": on_care, "visitday": on_visitday, "visits": on_visits},
                  private_commands=frozenset({"care", "visits"}),
                  buttons={VisitHome: on_home, LogVisit: on_log}, help=_help)
