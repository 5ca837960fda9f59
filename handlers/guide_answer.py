"""Answer a resident's question from the service guide (办事指南) before it becomes a case.

Intake calls `answer_from_guide` for a message it would file as kind "other". A good match is
answered at once with [👍 有用] [👎 没解决]; 👎 files the question as a case (handlers/guide.py).
Nothing else ever waits for the guide: emergencies, repairs and disputes never reach it.
"""

from collections.abc import Sequence

from handlers.cards import button
from handlers.context import Context
from handlers.payloads import GuideNotSolved, GuideUseful
from models import Community, GuideEntry
from services import directory, guide


def entry_text(ctx: Context, entry: GuideEntry, community: Community | None = None) -> str:
    """Render one service: name, who may apply, what to bring, where and when, phone, link."""
    title = entry.name if community is None else ctx.texts(
        "guide.in_community", community=community.name, name=entry.name)
    lines = [ctx.texts("guide.entry_title", name=title)]
    for field in ("who", "bring", "place", "phone", "link"):
        value = getattr(entry, field)
        if value:
            lines.append(ctx.texts(f"guide.field_{field}", value=value))
    return "\n".join(lines)


async def community_of_asker(ctx: Context) -> int | None:
    """The community a question is about: the group's, or the resident's own when known."""
    if not ctx.incoming.is_private:
        community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
        return community.id if community else None
    return await directory.obvious_community(ctx.session, ctx.me)


async def answer_from_guide(ctx: Context, text: str) -> bool:
    """Answer the question from the guide when it matches well; tell whether it was answered.
    A question left unanswered is kept for the managers (it goes on to a case as before)."""
    community_id = await community_of_asker(ctx)
    found = await guide.answer_for(ctx.session, text, community_id)
    if not found and not guide.looks_like_question(text):
        return False
    question = await guide.record_question(
        ctx.session, clock=ctx.clock, person=ctx.me, community_id=community_id,
        chat_id=ctx.incoming.chat_id, message_id=ctx.incoming.message_id, text=text,
        entry_id=found[0].id if found else None)
    if not found:
        return False
    ctx.reply(await _answer(ctx, found),
              ((button(ctx, "guide.btn_useful", GuideUseful(question.id or 0)),
                button(ctx, "guide.btn_not_solved", GuideNotSolved(question.id or 0))),),
              reply_to=ctx.incoming.message_id)
    return True


async def _answer(ctx: Context, found: Sequence[GuideEntry]) -> str:
    """"为您找到：…" with each entry (one per community when the community is not known)."""
    several = len(found) > 1
    parts = []
    for entry in found:
        community = (await ctx.session.get(Community, entry.community_id)
                     if several and entry.community_id else None)
        parts.append(entry_text(ctx, entry, community))
    return ctx.texts("guide.found", entries="\n\n".join(parts))
