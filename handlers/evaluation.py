"""The monthly evaluation (考评): on the 1st each grid worker gets their own figures for the last
month beside the community average; managers get every worker's row and the workbook; the
sub-district admins get the workbook of every community. `/evaluation [2026-10]` on demand."""

from handlers import notify
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.renderer import Renderer
from handlers.types import Message
from models import Person, Role
from services import directory, evaluation, evaluation_book
from services.evaluation import Evaluation, WorkerFigures
from services.ledger import parse_month
from services.metrics import Rates
from services.outgoing import Document


def _rate(ctx: Renderer, part: int, whole: int) -> str:
    if not whole:
        return ctx.texts("digest.rate_none")
    return ctx.texts("digest.rate", pct=round(100 * part / whole), part=part, whole=whole)


def _stars(ctx: Renderer, rates: Rates) -> str:
    if rates.average_rating is None:
        return ctx.texts("digest.rate_none")
    return ctx.texts("eval.stars", stars=f"{rates.average_rating:.1f}", n=rates.rated)


def _avg(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _month(ctx: Renderer, ev: Evaluation) -> str:
    return ctx.texts("eval.month", year=ev.month.year, month=ev.month.month)


def worker_text(ctx: Renderer, ev: Evaluation, row: WorkerFigures) -> str:
    """A worker's own figures with the community average beside each."""
    mine, all_ = row.rates, ev.rates
    return ctx.texts(
        "eval.worker", month=_month(ctx, ev), name=row.person.name, community=ev.community.name,
        handled=row.handled, handled_avg=_avg(ev.handled_per_worker),
        response=_rate(ctx, mine.responded, mine.response_due),
        response_avg=_rate(ctx, all_.responded, all_.response_due),
        resolution=_rate(ctx, mine.resolved_in_time, mine.resolution_due),
        resolution_avg=_rate(ctx, all_.resolved_in_time, all_.resolution_due),
        stars=_stars(ctx, mine), stars_avg=_stars(ctx, all_),
        followups=row.followups, followups_avg=_avg(ev.followups_per_worker))


def manager_text(ctx: Renderer, ev: Evaluation) -> str:
    """Every worker's row of a community, then the community's own figures."""
    lines = [ctx.texts("eval.manager_header", month=_month(ctx, ev), community=ev.community.name)]
    for row in ev.workers:
        lines.append(ctx.texts(
            "eval.manager_line", name=row.person.name, grid=row.grid, handled=row.handled,
            response=_rate(ctx, row.rates.responded, row.rates.response_due),
            resolution=_rate(ctx, row.rates.resolved_in_time, row.rates.resolution_due),
            stars=_stars(ctx, row.rates), followups=row.followups))
    lines.append(ctx.texts(
        "eval.manager_average", handled=_avg(ev.handled_per_worker),
        response=_rate(ctx, ev.rates.responded, ev.rates.response_due),
        resolution=_rate(ctx, ev.rates.resolved_in_time, ev.rates.resolution_due),
        stars=_stars(ctx, ev.rates), followups=_avg(ev.followups_per_worker)))
    lines.append(ctx.texts("eval.definitions"))
    return "\n".join(lines)


def _workbook(ctx: Writer, chat_id: int, evaluations: list[Evaluation], caption: str) -> None:
    content = evaluation_book.workbook_bytes(evaluations, ctx.texts)
    ctx.emit(chat_id, Message(caption, media=Document(evaluation_book.file_name(evaluations),
                                                      content)))


async def send_evaluations(ctx: Writer, *, month_text: str = "",
                           person: Person | None = None) -> int:
    """Queue last month's (or the given month's) evaluation to every worker, manager and admin,
    or only to `person`; return how many people got it."""
    month = parse_month(month_text) if month_text else evaluation.last_month(ctx.clock.now(),
                                                                             ctx.tz)
    if month is None:
        return -1
    evaluations = await evaluation.evaluate_all(ctx.session, month=month, policy=ctx.deadlines,
                                                tz=ctx.tz, now=ctx.clock.now())

    def wanted(someone: Person) -> bool:
        return someone.telegram_id is not None and (person is None or someone.id == person.id)

    sent = 0
    for ev in evaluations:
        for row in ev.workers:
            if wanted(row.person):
                notify.to_person(ctx, row.person, worker_text(ctx, ev, row))
                sent += 1
        for manager in await directory.people_with_role(ctx.session, Role.MANAGER,
                                                        community_id=ev.community.id):
            if wanted(manager) and manager.telegram_id is not None:
                notify.to_person(ctx, manager, manager_text(ctx, ev))
                _workbook(ctx, manager.telegram_id, [ev], ctx.texts(
                    "eval.caption", community=ev.community.name, month=_month(ctx, ev)))
                sent += 1
    for admin in await directory.admins(ctx.session):
        if wanted(admin) and admin.telegram_id is not None and evaluations:
            for ev in evaluations:  # one message per community: a street's would be too long
                notify.to_person(ctx, admin, manager_text(ctx, ev))
            _workbook(ctx, admin.telegram_id, evaluations, ctx.texts(
                "eval.caption", community=ctx.texts("digest.all"),
                month=_month(ctx, evaluations[0])))
            sent += 1
    return sent


async def on_evaluation(ctx: Context, args: str) -> None:
    """/evaluation [2026-10]: the evaluation now, to the worker, manager or admin who asks."""
    sent = await send_evaluations(ctx, month_text=args.strip(), person=ctx.me)
    if sent < 0:
        ctx.reply(ctx.texts("eval.usage"))
    elif sent == 0:
        ctx.reply(ctx.texts("eval.not_allowed"))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("eval.help")] if roles & {Role.WORKER, Role.MANAGER, Role.ADMIN} else []


FEATURE = Feature(name="evaluation", commands={"evaluation": on_evaluation},
                  private_commands=frozenset({"evaluation"}), help=_help)
