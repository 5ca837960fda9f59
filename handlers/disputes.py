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

from handlers import mediation, notify
from handlers.cards import Rows, ask_community, button
from handlers.context import Context
from handlers.dispute_cards import dispute_card, record_views, tier_buttons, tier_name
from handlers.feature import Feature
from handlers.payloads import Act, Payload
from handlers.types import Button, Outgoing
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


async def begin(ctx: Context, text: str, *, message_id: int | None = None) -> None:
    """A report read as a dispute: in a group, move it to private; in private, ask on.
    `message_id` is the resident's own message (a button press carries the bot's)."""
    if not ctx.incoming.is_private:
        await _move_to_private(ctx, text, message_id or ctx.incoming.message_id)
        return
    await ctx.stop_waiting()
    draft: dict[str, Any] = {"what": text} if text.strip() else {}
    _warn_if_danger(ctx, draft)
    await _next(ctx, draft)


def _warn_if_danger(ctx: Context, draft: dict[str, Any]) -> None:
    """Violence or a threat in the words: the 110 line comes first, once per conversation."""
    if not draft.get("warned") and tiers.threatens_violence(draft.get("what")):
        ctx.reply(ctx.texts("dispute.danger"))
        draft["warned"] = True


async def _move_to_private(ctx: Context, text: str, message_id: int | None) -> None:
    """Answer in the group with a neutral line only, and keep the words for the private chat."""
    inc = ctx.incoming
    await ctx.stop_waiting()
    community = await directory.community_of_chat(ctx.session, inc.chat_id)
    draft: dict[str, Any] = {"community_id": community.id if community else None}
    if text.strip():
        draft["what"] = text.strip()
    _warn_if_danger(ctx, draft)
    # The private chat's id is the person's Telegram id: the draft waits for them there.
    await conversation.wait_for(ctx.session, clock=ctx.clock, chat_id=inc.sender.id,
                                user_id=inc.sender.id, step=STEP_PENDING, data=draft)
    ctx.reply(ctx.texts("dispute.group_neutral"),
              ((Button(ctx.texts("dispute.btn_private"), url=ctx.deep_link(LINK)),),))
    if message_id is not None:
        ctx.effects.messages.append(Outgoing(
            chat_id=inc.chat_id, text=ctx.texts("dispute.group_delete_offer"),
            buttons=((button(ctx, "dispute.btn_delete", Act.DELETE_ORIGINAL, message_id,
                             inc.sender.id),),),
            only_if_bot_admin=True))


async def on_start(ctx: Context) -> None:
    """/start dispute from the group's link: continue the words kept from the group."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    draft = waiting.data if waiting and waiting.step == STEP_PENDING else {}
    ctx.reply(ctx.texts("dispute.private_intro"))
    await _next(ctx, draft)


def _answer_buttons(ctx: Context, step: str) -> Rows:
    index = QUESTIONS.index(step)
    cancel = (button(ctx, "dispute.btn_cancel", Act.DISPUTE_CANCEL),)
    if step in YES_NO:
        return ((button(ctx, "dispute.btn_yes", Act.DISPUTE_ANSWER, index, YES),
                 button(ctx, "dispute.btn_no", Act.DISPUTE_ANSWER, index, NO)), cancel)
    if step == STEP_SINCE:
        return tuple((button(ctx, f"dispute.since_{n}", Act.DISPUTE_ANSWER, index, n),)
                     for n in SINCE_CHOICES) + (cancel,)
    if step in (STEP_PLACE, STEP_OTHER):
        return ((button(ctx, "dispute.btn_unknown", Act.DISPUTE_ANSWER, index, SKIP),), cancel)
    return (cancel,)


async def _next(ctx: Context, draft: dict[str, Any]) -> None:
    """Ask the next question not yet answered, or file the dispute."""
    if draft.get("what") and "place" not in draft and parse_address(draft["what"])[0]:
        draft["place"] = None  # the building was named: no need to ask where
    if not (draft.get("hurt") or draft.get("damage")) and "hurt" in draft and "damage" in draft:
        draft.setdefault("compensation", False)
    for step in QUESTIONS:
        if _field(step) not in draft:
            await ctx.wait(step, draft)
            ctx.reply(ctx.texts(f"dispute.ask_{_field(step)}"), _answer_buttons(ctx, step))
            return
    if "community_id" not in draft or draft["community_id"] is None:
        if not await _find_community(ctx, draft):
            return
    await ctx.stop_waiting()
    await _file(ctx, draft)


async def _find_community(ctx: Context, draft: dict[str, Any]) -> bool:
    for text in (draft.get("place"), draft.get("what")):
        number = parse_address(text or "")[0]
        found = await directory.buildings_numbered(ctx.session, number) if number else []
        if len(found) == 1:
            draft["community_id"] = found[0].community_id
            return True
    if (obvious := await directory.obvious_community(ctx.session, ctx.me)) is not None:
        draft["community_id"] = obvious
        return True
    await ctx.wait(STEP_COMMUNITY, draft)
    await ask_community(ctx, Act.DISPUTE_COMMUNITY, "dispute.ask_community")
    return False


async def _file(ctx: Context, draft: dict[str, Any]) -> None:
    """Store the dispute; the mediator, the grid worker and the managers get the card."""
    new = NewDispute(
        what=draft["what"], place=draft.get("place"), other_party=draft.get("other"),
        since=draft.get("since"), injury=bool(draft.get("hurt")),
        property_damage=bool(draft.get("damage")), compensation=bool(draft.get("compensation")),
        repeated=bool(draft.get("repeated")), community_id=draft.get("community_id"))
    filed = await file_dispute(ctx.session, clock=ctx.clock, reporter=ctx.me, new=new)
    case, details, mediator = filed.case, filed.details, filed.mediator
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


async def on_step(ctx: Context, step: str, draft: dict[str, Any]) -> None:
    """Take a typed answer in the dispute conversation (or in a mediator's step)."""
    text = ctx.incoming.text.strip()
    if step in mediation.STEPS:
        await mediation.on_text(ctx, step, draft)
        return
    if step == STEP_PENDING:  # typed in private instead of using the link: add to the words
        draft["what"] = f"{draft.get('what', '')}\n{text}".strip()
        _warn_if_danger(ctx, draft)
        await _next(ctx, draft)
        return
    if step in YES_NO:
        word = text.lower()
        if word.startswith(_NO_WORDS):
            draft[_field(step)] = False
        elif word.startswith(_YES_WORDS):
            draft[_field(step)] = True
        else:
            ctx.reply(ctx.texts("dispute.use_buttons"), _answer_buttons(ctx, step))
            return
    elif step in QUESTIONS and text:
        draft[_field(step)] = text[:2000 if step == STEP_WHAT else 200]
        _warn_if_danger(ctx, draft)
    else:
        ctx.reply(ctx.texts("dispute.use_buttons"))
        return
    await _next(ctx, draft)


async def on_answer(ctx: Context, payload: Payload) -> None:
    """Take a button answer to the question the bot is asking now."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    index = payload.case_id
    if waiting is None or not 0 <= index < len(QUESTIONS) or waiting.step != QUESTIONS[index]:
        ctx.answer(ctx.texts("button.invalid"), alert=True)  # an earlier question's button
        return
    step, draft = waiting.step, waiting.data
    if payload.arg in (YES, NO) and step in YES_NO:
        draft[_field(step)] = payload.arg == YES
        label = ctx.texts("dispute.btn_yes" if payload.arg == YES else "dispute.btn_no")
    elif payload.arg in SINCE_CHOICES and step == STEP_SINCE:
        draft["since"] = label = ctx.texts(f"dispute.since_{payload.arg}")
    elif payload.arg == SKIP and step in (STEP_PLACE, STEP_OTHER):
        draft[_field(step)] = None
        label = ctx.texts("dispute.btn_unknown")
    else:
        ctx.answer(ctx.texts("button.invalid"), alert=True)
        return
    ctx.answer()
    # The question keeps the answer and loses its buttons, so it cannot be pressed twice.
    ctx.edit(ctx.texts("dispute.answered", question=ctx.texts(f"dispute.ask_{_field(step)}"),
                       answer=label))
    await _next(ctx, draft)


async def on_community(ctx: Context, payload: Payload) -> None:
    """Take the community the dispute is in."""
    waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                         user_id=ctx.incoming.sender.id)
    known = {c.id for c in await directory.all_communities(ctx.session)}
    if waiting is None or waiting.step != STEP_COMMUNITY or payload.arg not in known:
        ctx.answer(ctx.texts("button.not_for_you"), alert=True)
        return
    ctx.answer()
    waiting.data["community_id"] = payload.arg
    await _next(ctx, waiting.data)


async def on_cancel(ctx: Context, payload: Payload) -> None:
    """Drop the dispute being described."""
    await ctx.stop_waiting()
    ctx.answer()
    ctx.edit(ctx.texts("dispute.cancelled"))


async def on_delete_original(ctx: Context, payload: Payload) -> None:
    """The resident deletes their own dispute message from the group (the bot is an admin)."""
    if ctx.incoming.is_private or ctx.incoming.sender.id != payload.arg:
        ctx.answer(ctx.texts("dispute.delete_not_yours"), alert=True)
        return
    ctx.answer()
    ctx.effects.messages.append(Outgoing(chat_id=ctx.incoming.chat_id, text="",
                                         delete_message_id=payload.case_id))
    ctx.edit(ctx.texts("dispute.group_deleted"))


async def help_lines(ctx: Context, roles: set[str]) -> list[str]:
    """/help for mediators."""
    return [ctx.texts("dispute.help_mediator")] if Role.MEDIATOR in roles else []


async def _report(ctx: Context, args: str) -> None:
    await begin(ctx, args)


FEATURE = Feature(
    name="disputes",
    commands={"dispute": _report},
    buttons={
        Act.DISPUTE_ANSWER: on_answer, Act.DISPUTE_COMMUNITY: on_community,
        Act.DISPUTE_CANCEL: on_cancel, Act.DELETE_ORIGINAL: on_delete_original,
        **mediation.BUTTONS,
    },
    step_prefixes=("dispute",),
    on_step=on_step,
    help=help_lines,
)
