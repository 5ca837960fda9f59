"""The one entry point: the list of handler modules, and one generic dispatch that turns an
Incoming into the right module's command, button or conversation step."""

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
    media,
    mediation,
    metoo,
    points,
    resident,
    skills,
    staff,
    suggestions,
    views,
    visits,
    votes,
    wish_review,
    wish_volunteers,
    wishes,
    worker,
)
from handlers.context import Context
from handlers.feature import Feature, owned
from handlers.payloads import Outdated, unpack
from handlers.steps import load
from handlers.types import Button
from services import conversation, directory
from services.errors import DomainError

# Every module that owns commands, buttons or steps; the order is the order of /help and of
# who may claim a /start link first. The closed loop (intake, worker, resident, views) is listed
# like any other feature.
MODULES = (intake, danger, worker, resident, views, wishes, wish_review, wish_volunteers, points,
           disputes, mediation, emergency, managers, ledger, staff, announce, digest, visits,
           guide, evaluation, activities, skills, metoo, votes, suggestions, media)
FEATURES: tuple[Feature, ...] = tuple(module.FEATURE for module in MODULES)
BUTTONS = owned(FEATURES, lambda f: f.buttons)
COMMANDS = owned(FEATURES, lambda f: f.commands)
STEPS = owned(FEATURES, lambda f: f.steps)
PRIVATE_ONLY = frozenset(name for f in FEATURES for name in f.private_commands)


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



async def on_button(ctx: Context) -> None:
    """Decode a button press and run its owner's action; forged or stale presses change
    nothing."""
    payload = unpack(ctx.incoming.callback_data or "")
    if isinstance(payload, Outdated):  # from an older version of the bot: never misread it
        ctx.answer(ctx.texts("button.outdated"), alert=True)
        return
    if payload is None or type(payload) not in BUTTONS:
        ctx.answer(ctx.texts("button.invalid"), alert=True)
        return
    if payload.private and not ctx.incoming.is_private:
        # Staff cards are only ever sent privately; such a press in a group is forged, and
        # answering it there would show the case's details to the whole group.
        ctx.answer(ctx.texts("button.private_only"), alert=True)
        return
    await BUTTONS[type(payload)](ctx, payload)


async def on_message(ctx: Context) -> None:
    """Handle a text message: a command, an answer the bot waits for, or a new report."""
    inc = ctx.incoming
    command = inc.command(ctx.bot_username)
    if command is not None:
        await on_command(ctx, *command)
        return
    if inc.has_media and await media.on_media(ctx):  # photos, voice, places, phones
        return
    if not inc.is_private and not (inc.mentions_bot or inc.reply_to_bot):
        # Group chatter not addressed to the bot: only a module that must hear it (an
        # emergency, issue 14) takes it.
        for feature in FEATURES:
            if feature.overheard is not None and await feature.overheard(ctx):
                return
        return
    waiting = await conversation.current(ctx.session, chat_id=inc.chat_id, user_id=inc.sender.id)
    if waiting is None:
        await intake.start_report(ctx, _strip_mention(inc.text, ctx.bot_username))
    elif (asks := STEPS.get(waiting.step)) is not None:
        try:
            state = load(asks.state, waiting.data)
        except TypeError:  # remembered by an older version in another shape
            await ctx.stop_waiting()
            return
        await asks.handler(ctx, waiting.step, state)
    else:  # a step nobody asks any more (an older version's): let the person start afresh
        await ctx.stop_waiting()


async def on_command(ctx: Context, name: str, args: str) -> None:
    """Run a slash command."""
    if name in PRIVATE_ONLY and not ctx.incoming.is_private:
        ctx.reply(ctx.texts("group.use_private"),
                  ((Button(ctx.texts("btn.open_private"), url=ctx.deep_link("help")),),))
        return
    if name == "start":
        await _start(ctx, args)
    elif name == "help":
        ctx.reply(await _help_text(ctx))
    elif name == "cancel":
        await ctx.stop_waiting()
        ctx.reply(ctx.texts("cancel.done"))
    elif name in COMMANDS:
        await COMMANDS[name](ctx, args)
    else:
        ctx.reply(ctx.texts("command.unknown"))


async def _start(ctx: Context, args: str) -> None:
    for feature in FEATURES:
        if feature.start is not None and await feature.start(ctx, args):
            return  # a deep link the feature owns
    ctx.reply(ctx.texts("start.welcome", name=ctx.me.name) + "\n\n" + await _help_text(ctx))


async def _help_text(ctx: Context) -> str:
    roles = {str(r.role) for r in await directory.roles_of(ctx.session, ctx.me.id or 0)}
    parts: list[str] = []
    for feature in FEATURES:
        if feature.help is not None:
            parts.extend(await feature.help(ctx, roles))
    return "\n\n".join(parts)


def _strip_mention(text: str, bot_username: str) -> str:
    return text.replace(f"@{bot_username}", " ").strip()
