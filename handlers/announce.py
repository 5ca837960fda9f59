"""Community notices: /notice for managers (to the groups, optionally to subscribers privately),
/notices on|off for residents."""

from handlers.cards import button
from handlers.context import Context
from handlers.feature import Feature
from handlers.managers import community_codes, my_community, split_code
from handlers.payloads import DropNotice, SendNotice
from handlers.types import Message
from services import announcements


async def notice(ctx: Context, args: str) -> None:
    """Draft a notice and ask where it goes: /notice 明天上午停水…"""
    code, words = split_code(ctx, args, await community_codes(ctx))
    community = await my_community(ctx, code)
    text = args.strip()
    if code and text.startswith(code):
        text = text[len(code):].strip()
    if not text:
        ctx.reply(ctx.texts("notice.usage"))
        return
    assert community.id is not None
    draft = await announcements.draft(ctx.session, clock=ctx.clock, actor=ctx.me,
                                      community_id=community.id, text=text)
    groups = len(await announcements.recipients(ctx.session, community.id, private_too=False))
    everyone = len(await announcements.recipients(ctx.session, community.id, private_too=True))
    nid = draft.id or 0
    rows = ((button(ctx, "notice.btn_all", SendNotice(nid, private_too=True)),),
            (button(ctx, "notice.btn_groups", SendNotice(nid)),),
            (button(ctx, "notice.btn_drop", DropNotice(nid)),))
    ctx.reply(ctx.texts("notice.preview", community=community.name, text=draft.text,
                        groups=groups, residents=everyone - groups), rows)


async def on_send(ctx: Context, payload: SendNotice) -> None:
    """Queue the notice for every recipient and start reporting progress."""
    notice_text = await announcements.text_of(ctx.session, payload.notice_id, author=ctx.me)
    templates = announcements.Templates(
        notice=Message(ctx.texts("notice.message", text=notice_text)),
        progress=ctx.texts("notice.progress"),
        done=ctx.texts("notice.done"), partial=ctx.texts("notice.partial"))
    _, total = await announcements.send(
        ctx.session, clock=ctx.clock, actor=ctx.me, notice_id=payload.notice_id,
        private_too=payload.private_too, progress_chat_id=ctx.incoming.chat_id,
        templates=templates)
    ctx.answer()
    ctx.edit(ctx.texts("notice.queued", total=total))


async def on_drop(ctx: Context, payload: DropNotice) -> None:
    """Discard a draft notice."""
    await announcements.discard(ctx.session, notice_id=payload.notice_id, author=ctx.me)
    ctx.answer()
    ctx.edit(ctx.texts("notice.dropped"))


async def notices(ctx: Context, args: str) -> None:
    """Turn private community notices on or off: /notices on|off."""
    choice = args.strip().lower()
    if choice not in ("on", "off", ctx.texts("notice.word_on"), ctx.texts("notice.word_off")):
        key = "notice.status_on" if ctx.me.notices_opt_in else "notice.status_off"
        ctx.reply(ctx.texts(key) + "\n" + ctx.texts("notice.subscribe_usage"))
        return
    on = choice in ("on", ctx.texts("notice.word_on"))
    await announcements.subscribe(ctx.session, person=ctx.me, on=on)
    if on and ctx.me.community_id is None:
        ctx.reply(ctx.texts("notice.need_address"))
        return
    ctx.reply(ctx.texts("notice.subscribed" if on else "notice.unsubscribed"))


FEATURE = Feature(
    name="announce",
    commands={"notice": notice, "notices": notices},
    private_commands=frozenset({"notice", "notices"}),
    buttons={SendNotice: on_send, DropNotice: on_drop},
)
