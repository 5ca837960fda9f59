"""Grid workers and managers working a case: accept, transfer, return, resolve, assign."""

from handlers import media_cards, metoo, notify
from handlers.cards import (
    button,
    case_card,
    confirm_buttons,
    confirm_question,
    record_card_view,
    worker_buttons,
)
from handlers.context import Context
from handlers.feature import Feature
from handlers.filing import hand_over, send_assign_card
from handlers.payloads import Accept, AssignTo, GiveBack, Resolve, SkipNote, Transfer, TransferTo
from handlers.steps import Asks, OnCase
from handlers.types import Button
from models import Case, CaseAction, Person, Role
from services import case_queries, cases

STEP_RETURN, STEP_NOTE = "worker.return_reason", "worker.resolve_note"


async def _card_text(ctx: Context, case_id: int, footer_key: str, **params: object) -> str:
    case = await cases.load_case(ctx.session, case_id)
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    await record_card_view(ctx, case, ctx.me, phone=case.assignee_id == ctx.me.id)
    return case_card(ctx, case, reporter, phone=case.assignee_id == ctx.me.id,
                     footer=ctx.texts(footer_key, **params))


async def on_accept(ctx: Context, payload: Accept) -> None:
    """Accept the case (接单) and tell the resident it is being handled."""
    case = await cases.accept_case(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                   actor=ctx.me)
    ctx.answer(ctx.texts("worker.accepted_toast", id=case.id))
    ctx.edit(await _card_text(ctx, payload.case_id, "card.footer_accepted"),
             worker_buttons(ctx, case))
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    line = ctx.texts("resident.accepted", id=case.id,
                     worker=await notify.holder(ctx, case, ctx.me))
    notify.to_reporter(ctx, case, reporter, (line, ()), (line, ()))
    await metoo.tell_followers(ctx, case, "metoo.accepted")


async def on_transfer(ctx: Context, payload: Transfer) -> None:
    """Show the colleagues the case can be handed to."""
    case = await cases.may_act(ctx.session, case_id=payload.case_id, action=CaseAction.TRANSFER,
                               actor=ctx.me)
    people = await cases.colleagues_for(ctx.session, case, ctx.me)
    if not people:
        ctx.answer(ctx.texts("worker.no_colleagues"), alert=True)
        return
    ctx.answer()
    rows = tuple((Button(p.name, data=TransferTo(case.id or 0, p.id or 0).pack()),)
                 for p in people[:12])
    ctx.reply(ctx.texts("worker.transfer_to_whom", id=case.id), rows)


async def on_transfer_to(ctx: Context, payload: TransferTo) -> None:
    """Hand the case to the chosen colleague."""
    case, target = await cases.transfer_case(ctx.session, clock=ctx.clock,
                                             case_id=payload.case_id, actor=ctx.me,
                                             to_person_id=payload.person_id)
    await _handed_to(ctx, case, target, "worker.transferred")


async def on_assign_to(ctx: Context, payload: AssignTo) -> None:
    """Let a manager assign the case to a worker (派单)."""
    case, target = await cases.assign_case(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                           actor=ctx.me, to_person_id=payload.person_id)
    await _handed_to(ctx, case, target, "manager.assigned")


async def _handed_to(ctx: Context, case: Case, target: Person, done_key: str) -> None:
    """Confirm to the presser, give the new assignee the card, and tell the resident."""
    ctx.answer()
    ctx.edit(ctx.texts(done_key, id=case.id, name=target.name))
    await hand_over(ctx, case, target)
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    line = ctx.texts("resident.transferred", id=case.id,
                     worker=await notify.holder(ctx, case, target))
    notify.to_reporter(ctx, case, reporter, (line, ()))


async def _ask(ctx: Context, case_id: int, action: CaseAction, step: str, key: str,
               buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    case = await cases.may_act(ctx.session, case_id=case_id, action=action, actor=ctx.me)
    await ctx.wait(step, OnCase(case.id or 0))
    ctx.answer()
    ctx.reply(ctx.texts(key, id=case.id), buttons)


async def on_return(ctx: Context, payload: GiveBack) -> None:
    """Ask why the case goes back to the manager."""
    await _ask(ctx, payload.case_id, CaseAction.RETURN, STEP_RETURN, "worker.ask_return_reason")


async def on_resolve(ctx: Context, payload: Resolve) -> None:
    """Ask for a one-line note on what was done."""
    skip = ((button(ctx, "btn.skip_note", SkipNote(payload.case_id)),),)
    await _ask(ctx, payload.case_id, CaseAction.RESOLVE, STEP_NOTE, "worker.ask_note", skip)


async def on_skip_note(ctx: Context, payload: SkipNote) -> None:
    """Resolve without a note."""
    ctx.answer()
    await resolve(ctx, payload.case_id, None)


async def on_text(ctx: Context, step: str, data: OnCase) -> None:
    """Take the typed reason or note the bot asked for."""
    text = ctx.incoming.text.strip()
    if step == STEP_RETURN:
        await ctx.stop_waiting()
        case, managers = await cases.return_case(ctx.session, clock=ctx.clock,
                                                 case_id=data.case_id, actor=ctx.me,
                                                 reason=text)
        ctx.reply(ctx.texts("worker.returned", id=case.id))
        await send_assign_card(ctx, case, managers, header="card.returned",
                               footer=ctx.texts("card.return_reason", name=ctx.me.name,
                                                reason=text))
    else:
        await resolve(ctx, data.case_id, text)


async def resolve(ctx: Context, case_id: int, note: str | None) -> None:
    """Mark the case handled and ask the resident to confirm."""
    await ctx.stop_waiting()
    case = await cases.resolve_case(ctx.session, clock=ctx.clock, case_id=case_id, actor=ctx.me,
                                    note=note)
    ctx.reply(ctx.texts("worker.resolved", id=case.id))
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    buttons = confirm_buttons(ctx, case_id)
    private = confirm_question(ctx, case)
    public = ctx.texts("resident.ask_confirm_public", id=case.id)
    await media_cards.show_proof(ctx, case, reporter)  # the photos, then 问题解决了吗？
    notify.to_reporter(ctx, case, reporter, (private, buttons), (public, buttons))
    await metoo.ask_followers(ctx, case)


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = []
    if roles & {Role.WORKER, Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.worker"))
    if roles & {Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.manager"))
    return parts


FEATURE = Feature(
    name="worker",
    buttons={Accept: on_accept, Transfer: on_transfer, TransferTo: on_transfer_to,
             GiveBack: on_return, Resolve: on_resolve, SkipNote: on_skip_note,
             AssignTo: on_assign_to},
    steps={STEP_RETURN: Asks(OnCase, on_text), STEP_NOTE: Asks(OnCase, on_text)},
    help=_help,
)
