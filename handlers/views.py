"""Looking at cases: /my for residents, /tasks for workers, /case N for those allowed."""

from handlers import media_cards, notify, wish_cards
from handlers.cards import (
    address,
    assign_buttons,
    case_card,
    confirm_buttons,
    confirm_question,
    kind_name,
    local,
    record_card_view,
    status_name,
    worker_buttons,
)
from handlers.context import Context
from handlers.dispute_cards import show_dispute
from handlers.feature import Feature
from handlers.payloads import OpenCase, TasksPage
from handlers.types import Button
from models import Case, CaseAction, CaseKind, Urgency
from services import actors, case_queries, cases, numbers
from services.lifecycle import UNASSIGNED_STATUSES, Actor, may

PAGE = 8


def _line(ctx: Context, case: Case) -> str:
    urgent = ctx.texts("list.urgent_mark") if case.urgency == Urgency.URGENT else ""
    return ctx.texts("list.line", urgent=urgent, id=case.id, kind=kind_name(ctx, case.kind),
                     status=status_name(ctx, case.status), address=address(ctx, case, public=True),
                     time=local(ctx, case.created_at))


async def my_cases(ctx: Context) -> None:
    """List the resident's own cases."""
    mine = await case_queries.reported_by(ctx.session, ctx.me.id or 0)
    if not mine:
        ctx.reply(ctx.texts("my.none"))
        return
    lines = [ctx.texts("my.header")] + [_line(ctx, c) for c in mine]
    rows = tuple((Button(f"#{c.id}", data=OpenCase(c.id or 0).pack()),) for c in mine[:5])
    ctx.reply("\n".join(lines), rows)


async def tasks(ctx: Context, offset: int = 0, *, edit: bool = False) -> None:
    """Show one page of the worker's open cases, urgent and oldest first."""
    page, total = await case_queries.queue_of(ctx.session, ctx.me.id or 0, offset=offset,
                                              limit=PAGE)
    if total == 0:
        ctx.reply(ctx.texts("tasks.none"))
        return
    pages = (total + PAGE - 1) // PAGE
    lines = [ctx.texts("tasks.header", total=total, page=offset // PAGE + 1, pages=pages)]
    lines += [_line(ctx, c) for c in page]
    opens = [Button(f"#{c.id}", data=OpenCase(c.id or 0).pack()) for c in page]
    rows = [tuple(opens[i:i + 4]) for i in range(0, len(opens), 4)]
    nav = []
    if offset > 0:
        nav.append(Button(ctx.texts("btn.prev"), data=TasksPage(offset - PAGE).pack()))
    if offset + PAGE < total:
        nav.append(Button(ctx.texts("btn.next"), data=TasksPage(offset + PAGE).pack()))
    if nav:
        rows.append(tuple(nav))
    (ctx.edit if edit else ctx.reply)("\n".join(lines), tuple(rows))


async def show_case(ctx: Context, case_id: int, *, with_history: bool) -> None:
    """Show one case to someone allowed to see it, with the buttons their role allows."""
    case = await case_queries.find_case(ctx.session, case_id)
    if case is not None and case.kind == CaseKind.DISPUTE:  # stricter access, every view audited
        await show_dispute(ctx, case, lambda: _footer(ctx, case, with_history))
        return
    access = await case_queries.access_to(ctx.session, case, ctx.me) if case else None
    if case is None or access is None or not access.details:
        ctx.reply(ctx.texts("case.not_visible", id=case_id))
        return
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    footer = await _footer(ctx, case, with_history)
    text = case_card(ctx, case, reporter, phone=access.phone, header="card.view", footer=footer)
    await record_card_view(ctx, case, ctx.me, phone=access.phone)
    attached = await media_cards.summary(ctx, case.id or 0)
    ctx.reply(text, await _buttons_for_viewer(ctx, case)
              + media_cards.view_button(ctx, case, attached))


async def _footer(ctx: Context, case: Case, with_history: bool) -> str:
    assignee = await case_queries.person(ctx.session, case.assignee_id)
    footer = ctx.texts("card.assignee", name=assignee.name if assignee else "-")
    if attached := await media_cards.summary(ctx, case.id or 0):  # photos, voice, proof
        footer += "\n" + attached
    if with_history:
        events = await case_queries.history(ctx.session, case.id or 0)
        footer += "\n" + ctx.texts("case.history_header") + "".join(
            "\n" + ctx.texts("case.history_line", time=local(ctx, e.at),
                             actor=name or ctx.texts("case.system"),
                             action=ctx.texts(f"action.{e.action}"),
                             note=f" · {e.note}" if e.note else "")
            for e, name in events[-15:])
    return footer


async def _buttons_for_viewer(ctx: Context, case: Case) -> tuple[tuple[Button, ...], ...]:
    if case.kind == CaseKind.WISH:  # micro-wishes have their own buttons (issue 4)
        return await wish_cards.viewer_buttons(ctx, case)
    if case.assignee_id == ctx.me.id:
        return worker_buttons(ctx, case)
    if case.reporter_id == ctx.me.id and may(case, CaseAction.CONFIRM, Actor.REPORTER):
        return confirm_buttons(ctx, case.id or 0)
    # Nobody holds it: a manager hands it out from here.
    if case.status in UNASSIGNED_STATUSES and await actors.plays(
        ctx.session, case, ctx.me, Actor.MANAGER
    ):
        return assign_buttons(ctx, case, await cases.assignable_workers(ctx.session, case))
    return ()


async def follow_case(ctx: Context, case_id: int) -> None:
    """Open a case from a deep link: the reporter is subscribed and asked what is pending."""
    case = await case_queries.find_case(ctx.session, case_id)
    if case is None or case.reporter_id != ctx.me.id:
        public = case is not None and case.kind != "dispute"
        ctx.reply(ctx.texts("follow.public", id=case_id, status=status_name(ctx, case.status))
                  if public and case else ctx.texts("case.not_visible", id=case_id))
        return
    ctx.reply(ctx.texts("follow.subscribed", id=case.id, status=status_name(ctx, case.status)))
    if case.kind == CaseKind.WISH:  # micro-wishes have their own buttons (issue 4)
        await wish_cards.follow_up(ctx, case)
        return
    if may(case, CaseAction.CONFIRM, Actor.REPORTER):
        notify.to_person(ctx, ctx.me, confirm_question(ctx, case),
                         confirm_buttons(ctx, case.id or 0), case_id=case.id)


async def on_open(ctx: Context, payload: OpenCase) -> None:
    """Show the case card of a list's #N button."""
    ctx.answer()
    await show_case(ctx, payload.case_id, with_history=False)


async def on_page(ctx: Context, payload: TasksPage) -> None:
    """Turn the /tasks page."""
    ctx.answer()
    await tasks(ctx, max(payload.offset, 0), edit=True)


async def on_my(ctx: Context, _args: str) -> None:
    """/my: the resident's own cases."""
    await my_cases(ctx)


async def on_tasks(ctx: Context, _args: str) -> None:
    """/tasks: the worker's open cases."""
    await tasks(ctx)


async def on_case(ctx: Context, args: str) -> None:
    """/case N: one case with its history."""
    number = numbers.parse_id(args.lstrip("#"))
    if number is None:
        ctx.reply(ctx.texts("case.usage"))
        return
    await show_case(ctx, number, with_history=True)


async def on_start_link(ctx: Context, args: str) -> bool:
    """/start c<N> (a receipt's 跟进 link): follow the case."""
    if args.startswith("c") and (case_id := numbers.parse_id(args[1:])) is not None:
        await follow_case(ctx, case_id)
        return True
    return False


FEATURE = Feature(
    name="views",
    commands={"my": on_my, "tasks": on_tasks, "case": on_case},
    private_commands=frozenset({"my", "tasks", "case"}),
    buttons={OpenCase: on_open, TasksPage: on_page},
    start=on_start_link,
)
