"""Phone numbers through Telegram: in private chat the receipt of a first report carries one big
[📱 共享手机号] button (a reply keyboard that shares the resident's own number); the shared
number is kept and shown only to whoever holds the resident's open cases, each view audited.
Never asked in a group, asked once."""

from handlers.cards import kind_name
from handlers.context import Context
from handlers.types import Message
from models import Case
from services import audit, case_queries, phones


async def receipt(ctx: Context, text: str) -> None:
    """Send a private receipt; the first time, with the one-tap request for the phone."""
    inc = ctx.incoming
    if inc.is_private and await phones.should_ask(ctx.session, ctx.me, at=ctx.clock.now()):
        ctx.emit(inc.chat_id, Message(text + "\n\n" + ctx.texts("phone.ask"),
                                      ask_contact=ctx.texts("btn.share_phone")))
        return
    ctx.reply(text)


async def on_contact(ctx: Context) -> None:
    """Keep the resident's own shared number and pass it to the holders of their open cases."""
    inc = ctx.incoming
    contact = inc.contact
    assert contact is not None
    if not inc.is_private:  # never take (or repeat) a number in a group
        ctx.reply(ctx.texts("phone.private_only"))
        return
    if contact.user_id != inc.sender.id:
        ctx.reply(ctx.texts("phone.not_own"))
        return
    stored = phones.store(ctx.me, contact.phone)
    if stored is None:
        ctx.reply(ctx.texts("phone.not_understood"))
        return
    ctx.session.add(ctx.me)
    for case in await phones.open_cases(ctx.session, ctx.me.id or 0):
        await _tell_holder(ctx, case, stored)
    ctx.emit(inc.chat_id, Message(ctx.texts("phone.thanks", phone=stored), remove_keyboard=True))


async def _tell_holder(ctx: Context, case: Case, phone: str) -> None:
    """Give the case's holder (and only them) the number; record that they saw it."""
    holder = await case_queries.person(ctx.session, case.assignee_id)
    if holder is None or holder.telegram_id is None or holder.id is None:
        return
    ctx.send(holder.telegram_id, ctx.texts("phone.for_holder", id=case.id, name=ctx.me.name,
                                           kind=kind_name(ctx, case.kind), phone=phone),
             case_id=case.id)
    await audit.record_view(ctx.session, viewer_id=holder.id, at=ctx.clock.now(), what="phone",
                            subject_id=ctx.me.id, case_id=case.id)
