"""The suggestion box (意见建议): a resident's suggestion goes to the community's managers with a
reply deadline; the manager answers in chat; the resident is told; the answer can be published
to the groups; /suggestions lists the open ones (reminders: scheduler/suggestion_job.py).

```mermaid
stateDiagram-v2
    [*] --> Box: a message that proposes something
    Box --> Answering: 答复 (manager)
    Answering --> Answered: manager's words, told to the resident
    Answered --> Published: 公开到群 (optional)
```
"""

from dataclasses import dataclass

from handlers import notify
from handlers.cards import button, when
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.payloads import AnswerSuggestion, PublishAnswer
from handlers.steps import Asks
from handlers.types import Button
from models import Person, Role, Suggestion
from services import activities, audit, case_queries, directory, suggestions
from services.errors import DomainError
from services.personal_data import mask_phones

STEP_ANSWER = "suggestions.answer"


@dataclass
class OnSuggestion:
    """The manager's answer to one suggestion."""

    suggestion_id: int


async def take(ctx: Context, text: str) -> bool:
    """File the message as a suggestion when it is one; True when it was."""
    if not suggestions.is_suggestion(text):
        return False
    if ctx.incoming.is_private:
        community_id = ctx.me.community_id or await directory.obvious_community(ctx.session,
                                                                                 ctx.me)
    else:
        community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
        community_id = community.id if community else None
    suggestion = await suggestions.file(
        ctx.session, clock=ctx.clock, person=ctx.me, text=text, community_id=community_id,
        source_chat_id=None if ctx.incoming.is_private else ctx.incoming.chat_id,
        rules=ctx.voice)
    ctx.reply(ctx.texts("suggestion.received", id=suggestion.id, due=when(ctx, suggestion.due_at)),
              reply_to=ctx.incoming.message_id)
    await _to_managers(ctx, suggestion, ctx.me, "suggestion.card")
    return True


async def managers_of(ctx: Writer, community_id: int | None) -> list[Person]:
    """The community's managers (the admins when there are none or it is unknown)."""
    if community_id is not None:
        found = await directory.people_with_role(ctx.session, Role.MANAGER,
                                                 community_id=community_id)
        if found:
            return list(found)
    return list(await directory.admins(ctx.session))


def card(ctx: Writer, suggestion: Suggestion, author: Person | None, header: str) -> str:
    """The manager's view of a suggestion."""
    return ctx.texts(header, id=suggestion.id, name=author.name if author else "-",
                     text=suggestion.text, due=when(ctx, suggestion.due_at))


async def _to_managers(ctx: Writer, suggestion: Suggestion, author: Person | None,
                       header: str) -> None:
    rows = ((button(ctx, "btn.answer_suggestion", AnswerSuggestion(suggestion.id or 0)),),)
    text = card(ctx, suggestion, author, header)
    for manager in await managers_of(ctx, suggestion.community_id):
        if notify.to_person(ctx, manager, text, rows):
            await _record_view(ctx, manager, suggestion)


async def _record_view(ctx: Writer, viewer: Person, suggestion: Suggestion) -> None:
    """A manager saw who made a suggestion: recorded like every view of personal data."""
    if viewer.id is not None and viewer.id != suggestion.person_id:
        await audit.record_view(ctx.session, viewer_id=viewer.id, at=ctx.clock.now(),
                                what="suggestion", subject_id=suggestion.person_id)


async def remind(ctx: Writer, suggestion: Suggestion) -> None:
    """The reply deadline passed: remind the managers, with the answer button."""
    author = await case_queries.person(ctx.session, suggestion.person_id)
    await _to_managers(ctx, suggestion, author, "suggestion.overdue")


async def _require_manager(ctx: Context, suggestion: Suggestion) -> None:
    if not await directory.is_manager_of(ctx.session, ctx.me.id or 0, suggestion.community_id):
        raise DomainError("suggestion.not_manager", suggestion_id=suggestion.id)


async def on_answer(ctx: Context, payload: AnswerSuggestion) -> None:
    """Ask the manager for the answer."""
    suggestion = await suggestions.load(ctx.session, payload.suggestion_id)
    await _require_manager(ctx, suggestion)
    if suggestion.answered_at is not None:
        raise DomainError("suggestion.answered", suggestion_id=suggestion.id)
    await ctx.wait(STEP_ANSWER, OnSuggestion(payload.suggestion_id))
    ctx.answer()
    ctx.reply(ctx.texts("suggestion.ask_answer", id=suggestion.id, text=suggestion.text))


async def on_answer_text(ctx: Context, step: str, state: OnSuggestion) -> None:
    """Record the answer, tell the resident, and offer to publish it."""
    words = ctx.incoming.text.strip()
    if not words:
        ctx.reply(ctx.texts("suggestion.ask_answer", id=state.suggestion_id, text=""))
        return
    await ctx.stop_waiting()
    suggestion = await suggestions.load(ctx.session, state.suggestion_id)
    await _require_manager(ctx, suggestion)
    suggestion = await suggestions.answer(ctx.session, clock=ctx.clock,
                                          suggestion_id=state.suggestion_id, manager=ctx.me,
                                          text=words)
    author = await case_queries.person(ctx.session, suggestion.person_id)
    told = ctx.texts("suggestion.answered_to_author", id=suggestion.id, answer=words)
    if notify.can_reach_privately(author):
        notify.to_person(ctx, author, told)
    elif suggestion.source_chat_id is not None:
        ctx.send(suggestion.source_chat_id, told)
    rows = ((button(ctx, "btn.publish_answer", PublishAnswer(suggestion.id or 0)),),)
    ctx.reply(ctx.texts("suggestion.answer_saved", id=suggestion.id), rows)


async def on_publish(ctx: Context, payload: PublishAnswer) -> None:
    """Post the suggestion (phones masked, no name) and its answer to the community's groups."""
    suggestion = await suggestions.load(ctx.session, payload.suggestion_id)
    await _require_manager(ctx, suggestion)
    suggestion = await suggestions.mark_published(ctx.session, clock=ctx.clock,
                                                  suggestion_id=payload.suggestion_id)
    chats = (await activities.group_chats(ctx.session, suggestion.community_id)
             if suggestion.community_id is not None else [])
    text = ctx.texts("suggestion.public", text=mask_phones(suggestion.text),
                     answer=suggestion.answer or "")
    for chat_id in chats:
        ctx.send(chat_id, text)
    ctx.answer()
    ctx.edit(ctx.texts("suggestion.published", id=suggestion.id, groups=len(chats)))


async def on_list(ctx: Context, _args: str) -> None:
    """/suggestions: the open suggestions of the manager's communities, soonest due first."""
    roles = await directory.roles_of(ctx.session, ctx.me.id or 0)
    managed = [r.community_id for r in roles if r.role == Role.MANAGER]
    if any(r.role == Role.ADMIN for r in roles):
        managed = [c.id for c in await directory.all_communities(ctx.session)] + [None]
    if not managed:
        ctx.reply(ctx.texts("suggestion.managers_only"))
        return
    found = await suggestions.open_ones(ctx.session, managed)
    if not found:
        ctx.reply(ctx.texts("suggestion.none_open"))
        return
    wanted: set[int | None] = {s.person_id for s in found}
    people = await case_queries.people_by_id(ctx.session, wanted)
    now = ctx.clock.now()
    lines = [ctx.texts("suggestion.list_header", count=len(found))]
    for s in found:
        author = people.get(s.person_id)
        await _record_view(ctx, ctx.me, s)
        lines.append(ctx.texts("suggestion.list_line", id=s.id, name=author.name if author else "-",
                               text=s.text[:60], due=when(ctx, s.due_at),
                               late="⏰ " if s.due_at <= now else ""))
    rows = tuple((Button(ctx.texts("btn.answer_suggestion_n", id=s.id),
                         data=AnswerSuggestion(s.id or 0).pack()),) for s in found[:8])
    ctx.reply("\n".join(lines), rows)


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    return [ctx.texts("help.suggestions")] if roles & {Role.MANAGER, Role.ADMIN} else []


FEATURE = Feature(
    name="suggestions",
    commands={"suggestions": on_list},
    private_commands=frozenset({"suggestions"}),
    buttons={AnswerSuggestion: on_answer, PublishAnswer: on_publish},
    steps={STEP_ANSWER: Asks(OnSuggestion, on_answer_text)},
    help=_help,
)
