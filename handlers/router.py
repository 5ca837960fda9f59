"""The one entry point: turn an Incoming into the right conversation step."""

from handlers import (
    activities,
    announce,
    danger,
    digest,
    disputes,
    emergency,
    evaluation,
    guide,
    intake,
    ledger,
    managers,
    resident,
    skills,
    staff,
    views,
    visits,
    wishes,
    worker,
)
from handlers.context import Context
from handlers.feature import ButtonHandler, Feature
from handlers.payloads import Act, Payload
from handlers.types import Button
from models import CaseKind, Role
from services import conversation, directory, numbers
from services import wishes as wishes_service
from services.errors import DomainError

BUTTONS: dict[Act, ButtonHandler] = {
    Act.ACCEPT: worker.on_accept,
    Act.TRANSFER: worker.on_transfer,
    Act.TRANSFER_TO: worker.on_transfer_to,
    Act.RETURN: worker.on_return,
    Act.RESOLVE: worker.on_resolve,
    Act.SKIP_NOTE: worker.on_skip_note,
    Act.ASSIGN_TO: worker.on_assign_to,
    Act.SOLVED: resident.on_solved,
    Act.NOT_SOLVED: resident.on_not_solved,
    Act.STARS: resident.on_stars,
    Act.NO_COMMENT: resident.on_no_comment,
}
# Features beyond the core closed loop; each brings its commands, buttons and steps.
FEATURES: tuple[Feature, ...] = (
    wishes.FEATURE, disputes.FEATURE, emergency.FEATURE,
    managers.FEATURE, ledger.FEATURE, staff.FEATURE, announce.FEATURE,
    digest.FEATURE, visits.FEATURE, danger.FEATURE, guide.FEATURE,
    evaluation.FEATURE, activities.FEATURE, skills.FEATURE,
)
FEATURE_BUTTONS: dict[Act, ButtonHandler] = {
    act: handler for feature in FEATURES for act, handler in feature.buttons.items()
}
FEATURE_COMMANDS = {name: handler for f in FEATURES for name, handler in f.commands.items()}
PRIVATE_ONLY_FEATURE = {name for feature in FEATURES for name in feature.private_commands}
INTAKE_PICKS = {Act.PICK_BUILDING, Act.PICK_COMMUNITY, Act.PICK_KIND, Act.DANGER_NO}
PRIVATE_ONLY = {"my", "tasks", "case"}


async def handle(ctx: Context) -> None:
    """Route one update; domain refusals become polite answers."""
    try:
        if ctx.incoming.is_button:
            await on_button(ctx)
        else:
            await on_message(ctx)
    except DomainError as refusal:
        params = dict(refusal.params)
        if "status" in params:
            params["status"] = ctx.texts(f"status.{params['status']}")
        text = ctx.texts(f"error.{refusal.key}", **params)
        ctx.effects.messages.clear()
        if ctx.incoming.is_button:
            ctx.answer(text, alert=True)
        else:
            ctx.reply(text)
        raise


# Buttons of cards that go only to a staff member's private chat (they show flats and phones).
PRIVATE_ONLY = frozenset({
    Act.ACCEPT, Act.TRANSFER, Act.TRANSFER_TO, Act.RETURN, Act.RESOLVE, Act.SKIP_NOTE,
    Act.ASSIGN_TO, Act.OPEN, Act.PAGE, Act.SOS_ACK, Act.WISH_FOR, Act.WISH_APPROVE,
    Act.WISH_EDIT, Act.WISH_POINTS, Act.WISH_DECLINE, Act.WISH_HANDED, Act.WISH_REFUND,
    Act.MEDIATE_ACCEPT, Act.MEDIATE_SCHEDULE, Act.MEDIATE_OUTCOME, Act.MEDIATE_AGREED,
    Act.MEDIATE_PARTIAL, Act.MEDIATE_FAILED, Act.MEDIATE_REFER, Act.MEDIATE_TIER,
    Act.VISIT_HOME, Act.VISIT_LOG,
})


async def on_button(ctx: Context) -> None:
    """Decode a button press and run its action; forged or stale presses change nothing."""
    payload = Payload.unpack(ctx.incoming.callback_data or "")
    if payload is None:
        ctx.answer(ctx.texts("button.invalid"), alert=True)
        return
    if payload.act in PRIVATE_ONLY and not ctx.incoming.is_private:
        # Staff cards are only ever sent privately; such a press in a group is forged, and
        # answering it there would show the case's details to the whole group.
        ctx.answer(ctx.texts("button.private_only"), alert=True)
        return
    if payload.act in INTAKE_PICKS or payload.act == Act.CANCEL:
        waiting = await conversation.current(ctx.session, chat_id=ctx.incoming.chat_id,
                                             user_id=ctx.incoming.sender.id)
        mine = waiting is not None and waiting.step.startswith("intake.")
        if payload.act == Act.CANCEL and mine:
            await intake.on_cancel(ctx)
        else:
            await intake.on_pick(ctx, payload, waiting.data if mine and waiting else None)
    elif payload.act == Act.OPEN:
        ctx.answer()
        await views.show_case(ctx, payload.case_id, with_history=False)
    elif payload.act == Act.PAGE:
        ctx.answer()
        await views.tasks(ctx, max(payload.arg, 0), edit=True)
    elif payload.act in FEATURE_BUTTONS:
        await FEATURE_BUTTONS[payload.act](ctx, payload)
    else:
        # A wish moves only through its own buttons (issue 4): no 接单/转派/解决了 on a wish.
        if payload.case_id and await wishes_service.is_wish(ctx.session, payload.case_id):
            raise DomainError("wish.use_wish_buttons", case_id=payload.case_id)
        await BUTTONS[payload.act](ctx, payload)


async def on_message(ctx: Context) -> None:
    """Handle a text message: a command, an answer the bot waits for, or a new report."""
    inc = ctx.incoming
    command = inc.command(ctx.bot_username)
    if command is not None:
        await on_command(ctx, *command)
        return
    if not inc.is_private and not (inc.mentions_bot or inc.reply_to_bot):
        # Group chatter not addressed to the bot, unless it is an emergency (issue 14).
        if danger.is_group_emergency(inc.text) and await directory.community_of_chat(
                ctx.session, inc.chat_id) is not None:
            await intake.start_report(ctx, inc.text, kind=CaseKind.EMERGENCY)
        return
    waiting = await conversation.current(ctx.session, chat_id=inc.chat_id, user_id=inc.sender.id)
    if waiting is not None:
        await on_step(ctx, waiting.step, waiting.data)
        return
    await intake.start_report(ctx, _strip_mention(inc.text, ctx.bot_username))


async def on_step(ctx: Context, step: str, data: dict) -> None:  # type: ignore[type-arg]
    """Continue the conversation that is waiting for this person's words."""
    if step.startswith("intake."):
        await intake.on_text(ctx, step, data)
    elif step.startswith("worker."):
        await worker.on_text(ctx, step, data)
    elif step.startswith("resident."):
        await resident.on_text(ctx, step, data)
    elif (feature := _feature_of_step(step)) is not None and feature.on_step is not None:
        await feature.on_step(ctx, step, data)
    else:
        await ctx.stop_waiting()


async def on_command(ctx: Context, name: str, args: str) -> None:
    """Run a slash command."""
    inc = ctx.incoming
    if (name in PRIVATE_ONLY or name in PRIVATE_ONLY_FEATURE) and not inc.is_private:
        ctx.reply(ctx.texts("group.use_private"),
                  ((Button(ctx.texts("btn.open_private"), url=ctx.deep_link("help")),),))
        return
    if name == "start":
        await _start(ctx, args)
    elif name == "help":
        ctx.reply(await _help_text(ctx))
    elif name == "report":
        await ctx.stop_waiting()
        await intake.start_report(ctx, args)
    elif name == "sos":
        await ctx.stop_waiting()
        await intake.start_report(ctx, args or ctx.texts("sos.text"), kind=CaseKind.EMERGENCY)
    elif name == "cancel":
        await ctx.stop_waiting()
        ctx.reply(ctx.texts("cancel.done"))
    elif name == "my":
        await views.my_cases(ctx)
    elif name == "tasks":
        await views.tasks(ctx)
    elif name == "case" and not ctx.incoming.is_private:
        ctx.reply(ctx.texts("case.private_only"))  # a case's card holds a flat and a phone
    elif name == "case":
        number = numbers.parse_id(args.lstrip("#"))
        if number is None:
            ctx.reply(ctx.texts("case.usage"))
            return
        await views.show_case(ctx, number, with_history=True)
    elif name in FEATURE_COMMANDS:
        await FEATURE_COMMANDS[name](ctx, args)
    else:
        ctx.reply(ctx.texts("command.unknown"))


async def _start(ctx: Context, args: str) -> None:
    if args.startswith("c") and (case_id := numbers.parse_id(args[1:])) is not None:
        await views.follow_case(ctx, case_id)
        return
    if args == disputes.LINK:  # continued privately from a group
        await disputes.on_start(ctx)
        return
    ctx.reply(ctx.texts("start.welcome", name=ctx.me.name) + "\n\n" + await _help_text(ctx))


async def _help_text(ctx: Context) -> str:
    roles = {r.role for r in await directory.roles_of(ctx.session, ctx.me.id or 0)}
    parts = [ctx.texts("help.resident")]
    if roles & {Role.WORKER, Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.worker"))
    if roles & {Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.manager"))
    for feature in FEATURES:
        if feature.help is not None:
            parts.extend(await feature.help(ctx, {str(role) for role in roles}))
    return "\n\n".join(parts)


def _feature_of_step(step: str) -> Feature | None:
    prefix = step.split(".", 1)[0]
    return next((f for f in FEATURES if prefix in f.step_prefixes), None)


def _strip_mention(text: str, bot_username: str) -> str:
    return text.replace(f"@{bot_username}", " ").strip()
