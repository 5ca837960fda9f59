"""Dispute intake (矛盾纠纷): private by default, a few short questions, then a mediator.

```mermaid
stateDiagram-v2
    [*] --> Group: raised in a group chat
    Group --> Private: neutral line + "continue privately" link (details never repeated)
    [*] --> What: raised in private, or /start dispute
    Private --> What
    What --> Place: unless the building was named
    Place --> Other: the other party (or 不清楚)
    Other --> Since: buttons
    Since --> Hurt: yes/no
    Hurt --> Damage: yes/no
    Damage --> Compensation: yes/no, only after hurt or damage
    Compensation --> Repeated: yes/no
    Repeated --> File: tier proposed, mediator told
    File --> [*]
```
"""

from typing import Any

from handlers import media_cards, mediation, notify
from handlers.cards import Rows, ask_community, button
from handlers.context import Context
from handlers.dispute_cards import dispute_card, record_views, tier_buttons, tier_name
from handlers.feature import Feature
from handlers.payloads import CancelDispute, DeleteOriginal, DisputeAnswer, DisputeCommunity
from handlers.steps import Asks, DisputeDraft, dump, load
from handlers.types import Button, Message
from models import Role
from services import conversation, directory, tiers
from services.disputes import NewDispute, file_dispute
from services.intake import parse_address

STEP_WHAT, STEP_PLACE, STEP_OTHER = "dispute.what", "dispute.place", "dispute.other"
STEP_SINCE, STEP_HURT, STEP_DAMAGE = "dispute.since", "dispute.hurt", "dispute.damage"
STEP_COMP, STEP_REPEAT = "dispute.compensation", "dispute.repeated"
STEP_COMMUNITY, STEP_PENDING = "dispute.community", "dispute.pending"
QUESTIONS = (STEP_WHAT, STEP_PLACE, STEP_OTHER, STEP_SINCE, STEP_HURT, STEP_DAMAGE, STEP_COMP,
             STEP_REPEAT)
YES_NO = (STEP_HURT, STEP_DAMAGE, STEP_COMP, STEP_REPEAT)
YES, NO, SKIP = 1, 2, 3
SINCE_CHOICES = (4, 5, 6)  # today / some days / a month or more
_YES_WORDS, _NO_WORDS = ("有", "是", "对", "要", "yes", "y"), ("没", "无", "不", "否", "no", "n")
LINK = "dispute"  # the deep-link payload that opens the private intake


def _field(step: str) -> str:
    return step.split(".", 1)[1]


async def begin(ctx: Context, text: str, *, message_id: int | None = None,
                media: list[dict[str, Any]] | None = None) -> None:
    """A report read as a dispute: in a group, move it to private; in private, ask on.
    `message_id` is the resident's own message (a button press carries the bot's); `media`,
    the photos or voice it came with (only the mediator gets them)."""
    if not ctx.incoming.is_private:
        await _move_to_private(ctx, text, message_id or ctx.incoming.message_id, media or [])
        return
    await ctx.stop_waiting()
    draft = DisputeDraft(media=media or [])
    if text.strip():
        draft.answer("what", text)
    _warn_if_danger(ctx, draft)
    await _next(ctx, draft)


def _warn_if_danger(ctx: Context, draft: DisputeDraft) -> None:
    """Violence or a threat in the words: the 110 line comes first, once per conversation."""
    if not draft.warned and tiers.threatens_violence(draft.what):
        ctx.reply(ctx.texts("dispute.danger"))
        draft.warned = True


async def _move_to_private(ctx: Context, text: str, message_id: int | None,
                           media: list[dict[str, Any]]) -> None:
    """Answer in the group with a neutral line only, and keep the words for the private chat."""
    inc = ctx.incoming
    await ctx.stop_waiting()
    community = await directory.community_of_chat(ctx.session, inc.chat_id)
    draft = DisputeDraft(community_id=community.id if community else None, media=media)
    if text.strip():
        draft.answer("what", text.strip())
    _warn_if_danger(ctx, draft)
    # The private chat's id is the person's Telegram id: the draft waits for them there.
    await conversation.wait_for(ctx.session, clock=ctx.clock, chat_id=inc.sender.id,
                                user_id=inc.sender.id, step=STEP_PENDING, data=dump(draft))
    ctx.reply(ctx.texts("dispute.group_neutral"),
              ((Button(ctx.texts("dispute.btn_private"), url=ctx.deep_link(LINK)),),))
    if message_id is not None:
        ctx.emit(inc.chat_id, Message(
            ctx.texts("dispute.group_delete_offer"),
            ((button(ctx, "dispute.btn_delete", DeleteOriginal(message_id, inc.sender.id)),),),
            only_if_bot_admin=True))


async def on_start(ctx: Context) -> None:
    """/start dispute from the group's link: continue the words kept from the group."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    draft = (load(DisputeDraft, waiting.data) if waiting and waiting.step == STEP_PENDING
             else DisputeDraft())
    ctx.reply(ctx.texts("dispute.private_intro"))
    await _next(ctx, draft)


def _answer_buttons(ctx: Context, step: str) -> Rows:
    question = _field(step)
    cancel = (button(ctx, "dispute.btn_cancel", CancelDispute()),)
    if step in YES_NO:
        return ((button(ctx, "dispute.btn_yes", DisputeAnswer(question, YES)),
                 button(ctx, "dispute.btn_no", DisputeAnswer(question, NO))), cancel)
    if step == STEP_SINCE:
        return tuple((button(ctx, f"dispute.since_{n}", DisputeAnswer(question, n)),)
                     for n in SINCE_CHOICES) + (cancel,)
    if step in (STEP_PLACE, STEP_OTHER):
        return ((button(ctx, "dispute.btn_unknown", DisputeAnswer(question, SKIP)),), cancel)
    return (cancel,)


async def _next(ctx: Context, draft: DisputeDraft) -> None:
    """Ask the next question not yet answered, or file the dispute."""
    if draft.what and not draft.has("place") and parse_address(draft.what)[0]:
        draft.answer("place", None)  # the building was named: no need to ask where
    if not (draft.hurt or draft.damage) and draft.has("hurt") and draft.has("damage"):
        if not draft.has("compensation"):
            draft.answer("compensation", False)
    for step in QUESTIONS:
        if not draft.has(_field(step)):
            await ctx.wait(step, draft)
            ctx.reply(ctx.texts(f"dispute.ask_{_field(step)}"), _answer_buttons(ctx, step))
            return
    if draft.community_id is None:
        if not await _find_community(ctx, draft):
            return
    await ctx.stop_waiting()
    await _file(ctx, draft)


async def _find_community(ctx: Context, draft: DisputeDraft) -> bool:
    for text in (draft.place, draft.what):
        number = parse_address(text or "")[0]
        found = await directory.buildings_numbered(ctx.session, number) if number else []
        if len(found) == 1:
            draft.community_id = found[0].community_id
            return True
    if (obvious := await directory.obvious_community(ctx.session, ctx.me)) is not None:
        draft.community_id = obvious
        return True
    await ctx.wait(STEP_COMMUNITY, draft)
    await ask_community(ctx, DisputeCommunity, "dispute.ask_community")
    return False


async def _file(ctx: Context, draft: DisputeDraft) -> None:
    """Store the dispute; the mediator, the grid worker and the managers get the card."""
    new = NewDispute(
        what=draft.what or "", place=draft.place, other_party=draft.other, since=draft.since,
        injury=bool(draft.hurt), property_damage=bool(draft.damage),
        compensation=bool(draft.compensation), repeated=bool(draft.repeated),
        community_id=draft.community_id)
    filed = await file_dispute(ctx.session, clock=ctx.clock, reporter=ctx.me, new=new)
    case, details, mediator = filed.case, filed.details, filed.mediator
    await media_cards.keep_draft(ctx, case, draft.media)
    await media_cards.show(ctx, case, mediator)  # the mediator alone sees a dispute's media
    name = mediator.name if mediator else ctx.texts("receipt.community")
    ctx.reply(ctx.texts("dispute.receipt", id=case.id, tier=tier_name(ctx, details.tier),
                        name=name))
    if mediator is not None:
        notify.to_person(ctx, mediator, dispute_card(ctx, case, ctx.me, details, phone=True),
                         mediation.buttons_for(ctx, case), case_id=case.id)
    for person in filed.also_notify:
        manager = await directory.is_manager_of(ctx.session, person.id or 0, case.community_id)
        notify.to_person(ctx, person, dispute_card(ctx, case, ctx.me, details,
                                                   header="dispute.card_fyi"),
                         tier_buttons(ctx, case, details) if manager else (), case_id=case.id)
    await record_views(ctx, case, [p for p in (mediator, *filed.also_notify) if p is not None])


async def on_step(ctx: Context, step: str, draft: DisputeDraft) -> None:
    """Take a typed answer in the dispute conversation."""
    text = ctx.incoming.text.strip()
    if step == STEP_PENDING:  # typed in private instead of using the link: add to the words
        draft.answer("what", f"{draft.what or ''}\n{text}".strip())
        _warn_if_danger(ctx, draft)
        await _next(ctx, draft)
        return
    if step in YES_NO:
        word = text.lower()
        if word.startswith(_NO_WORDS):
            draft.answer(_field(step), False)
        elif word.startswith(_YES_WORDS):
            draft.answer(_field(step), True)
        else:
            ctx.reply(ctx.texts("dispute.use_buttons"), _answer_buttons(ctx, step))
            return
    elif step in QUESTIONS and text:
        draft.answer(_field(step), text[:2000 if step == STEP_WHAT else 200])
        _warn_if_danger(ctx, draft)
    else:
        ctx.reply(ctx.texts("dispute.use_buttons"))
        return
    await _next(ctx, draft)


async def on_answer(ctx: Context, payload: DisputeAnswer) -> None:
    """Take a button answer to the question the bot is asking now."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    if waiting is None or waiting.step not in QUESTIONS or _field(waiting.step) != payload.question:
        ctx.answer(ctx.texts("button.invalid"), alert=True)  # an earlier question's button
        return
    step, draft = waiting.step, load(DisputeDraft, waiting.data)
    if payload.answer in (YES, NO) and step in YES_NO:
        draft.answer(_field(step), payload.answer == YES)
        label = ctx.texts("dispute.btn_yes" if payload.answer == YES else "dispute.btn_no")
    elif payload.answer in SINCE_CHOICES and step == STEP_SINCE:
        label = ctx.texts(f"dispute.since_{payload.answer}")
        draft.answer("since", label)
    elif payload.answer == SKIP and step in (STEP_PLACE, STEP_OTHER):
        draft.answer(_field(step), None)
        label = ctx.texts("dispute.btn_unknown")
    else:
        ctx.answer(ctx.texts("button.invalid"), alert=True)
        return
    ctx.answer()
    # The question keeps the answer and loses its buttons, so it cannot be pressed twice.
    ctx.edit(ctx.texts("dispute.answered", question=ctx.texts(f"dispute.ask_{_field(step)}"),
                       answer=label))
    await _next(ctx, draft)


async def on_community(ctx: Context, payload: DisputeCommunity) -> None:
    """Take the community the dispute is in."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    known = {c.id for c in await directory.all_communities(ctx.session)}
    if waiting is None or waiting.step != STEP_COMMUNITY or payload.community_id not in known:
        ctx.answer(ctx.texts("button.not_for_you"), alert=True)
        return
    ctx.answer()
    draft = load(DisputeDraft, waiting.data)
    draft.community_id = payload.community_id
    await _next(ctx, draft)


async def on_cancel(ctx: Context, payload: CancelDispute) -> None:
    """Drop the dispute being described."""
    await ctx.stop_waiting()
    ctx.answer()
    ctx.edit(ctx.texts("dispute.cancelled"))


async def on_delete_original(ctx: Context, payload: DeleteOriginal) -> None:
    """The resident deletes their own dispute message from the group (the bot is an admin)."""
    if ctx.incoming.is_private or ctx.incoming.sender.id != payload.sender_id:
        ctx.answer(ctx.texts("dispute.delete_not_yours"), alert=True)
        return
    ctx.answer()
    ctx.emit(ctx.incoming.chat_id, Message(delete_message_id=payload.message_id))
    ctx.edit(ctx.texts("dispute.group_deleted"))


async def on_start_link(ctx: Context, args: str) -> bool:
    """/start dispute: the dispute begun in a group continues here, privately."""
    if args != LINK:
        return False
    await on_start(ctx)
    return True


async def help_lines(ctx: Context, roles: set[str]) -> list[str]:
    """/help for mediators."""
    return [ctx.texts("dispute.help_mediator")] if Role.MEDIATOR in roles else []


async def _report(ctx: Context, args: str) -> None:
    await begin(ctx, args)


FEATURE = Feature(
    name="disputes",
    commands={"dispute": _report},
    buttons={
        DisputeAnswer: on_answer, DisputeCommunity: on_community,
        CancelDispute: on_cancel, DeleteOriginal: on_delete_original,
    },
    steps={step: Asks(DisputeDraft, on_step)
           for step in (*QUESTIONS, STEP_COMMUNITY, STEP_PENDING)},
    help=help_lines,
    start=on_start_link,
)
