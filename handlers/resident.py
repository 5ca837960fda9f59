"""Residents closing the loop: confirm or reopen, rate, comment.

```mermaid
stateDiagram-v2
    Resolved --> AskRating: 解决了
    Resolved --> AskWhy: 没解决
    AskWhy --> Reopened: resident's words go to the same worker
    AskRating --> AskComment: 1–5 stars
    AskComment --> [*]: comment or 不用了
```
"""

from handlers import metoo, notify
from handlers.cards import button, case_card, star_buttons, stars, worker_buttons
from handlers.context import Context
from handlers.dispute_cards import mediator_buttons
from handlers.feature import Feature
from handlers.payloads import NoComment, NotSolved, Solved, Stars
from handlers.steps import Asks, OnCase
from models import CaseAction, CaseKind
from services import actors, case_queries, cases

STEP_REOPEN, STEP_COMMENT = "resident.reopen_words", "resident.comment"


async def on_solved(ctx: Context, payload: Solved) -> None:
    """Close the case as solved and ask for a rating."""
    case = await cases.confirm_case(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                    actor=ctx.me)
    ctx.answer()
    ctx.edit(ctx.texts("resident.ask_rating", id=case.id), star_buttons(ctx, payload.case_id))
    await metoo.tell_followers(ctx, case, "metoo.closed")


async def on_not_solved(ctx: Context, payload: NotSolved) -> None:
    """Ask what is still wrong before reopening."""
    case = await cases.may_act(ctx.session, case_id=payload.case_id, action=CaseAction.REOPEN,
                               actor=ctx.me)
    await ctx.wait(STEP_REOPEN, OnCase(case.id or 0))
    ctx.answer()
    ctx.edit(ctx.texts(_in_chat(ctx, "resident.ask_reopen_words"), id=case.id))


async def on_stars(ctx: Context, payload: Stars) -> None:
    """Record the rating, thank the resident, and post the closing receipt in the group."""
    case = await cases.rate_case(ctx.session, clock=ctx.clock, case_id=payload.case_id,
                                 actor=ctx.me, stars=payload.stars)
    ctx.answer(ctx.texts("resident.thanks_toast"))
    await ctx.wait(STEP_COMMENT, OnCase(case.id or 0))
    ctx.edit(ctx.texts(_in_chat(ctx, "resident.ask_comment"), id=case.id, stars=stars(case.rating)),
             ((button(ctx, "btn.no_comment", NoComment(payload.case_id)),),))
    worker = await case_queries.person(ctx.session, case.assignee_id)
    notify.to_person(ctx, worker, ctx.texts("worker.rated", id=case.id, stars=stars(case.rating)),
                     case_id=case.id)
    if case.source_chat_id is not None:
        ctx.send(case.source_chat_id, ctx.texts("group.closed", id=case.id,
                                                stars=stars(case.rating)), case_id=case.id)


async def on_no_comment(ctx: Context, payload: NoComment) -> None:
    """Finish without a comment (only the reporter, on a case that exists)."""
    await actors.require_reporter(ctx.session, payload.case_id, ctx.me)
    await ctx.stop_waiting()
    ctx.answer()
    ctx.edit(ctx.texts("resident.bye", id=payload.case_id))


async def on_text(ctx: Context, step: str, data: OnCase) -> None:
    """Take the resident's words: why it is not solved, or a comment on the service."""
    await ctx.stop_waiting()
    words = ctx.incoming.text.strip()
    if step == STEP_COMMENT:
        case = await cases.comment_case(ctx.session, clock=ctx.clock, case_id=data.case_id,
                                        actor=ctx.me, comment=words)
        ctx.reply(ctx.texts("resident.comment_saved"))
        worker = await case_queries.person(ctx.session, case.assignee_id)
        notify.to_person(ctx, worker, ctx.texts("worker.commented", id=case.id, comment=words),
                         case_id=case.id)
        return
    case = await cases.reopen_case(ctx.session, clock=ctx.clock, case_id=data.case_id,
                                   actor=ctx.me, words=words)
    worker = await case_queries.person(ctx.session, case.assignee_id)
    ctx.reply(ctx.texts("resident.reopened", id=case.id,
                        worker=await notify.holder(ctx, case, worker)))
    footer = ctx.texts("card.reopen_words", words=words)
    # A reopened dispute goes back to its mediator, with the mediator's buttons.
    buttons = (mediator_buttons(ctx, case) if case.kind == CaseKind.DISPUTE
               else worker_buttons(ctx, case))
    notify.to_person(ctx, worker, case_card(ctx, case, ctx.me, phone=True, header="card.reopened",
                                            footer=footer),
                     buttons, case_id=case.id)


def _in_chat(ctx: Context, key: str) -> str:
    """The question asking for words: in a group it asks for a reply to the bot's message, the
    only message a bot in privacy mode is sure to receive."""
    return key if ctx.incoming.is_private else f"{key}_group"


FEATURE = Feature(
    name="resident",
    buttons={Solved: on_solved, NotSolved: on_not_solved, Stars: on_stars,
             NoComment: on_no_comment},
    steps={STEP_REOPEN: Asks(OnCase, on_text), STEP_COMMENT: Asks(OnCase, on_text)},
)
