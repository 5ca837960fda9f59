"""Deliberation votes (居民议事) in a bound group: a manager opens one with /vote, registered
residents press an option (once each, changeable until the close), the scheduler publishes the
result (公开公示), and the manager records the decision and its follow-up; /votes lists them.
Nothing shown anywhere names who voted for what (services/votes.py keeps no such link).

```mermaid
stateDiagram-v2
    [*] --> Open: /vote in the group (manager)
    Open --> Open: a resident presses an option (first, or changed)
    Open --> Closed: closing time (scheduler): result in the group
    Closed --> Decided: 记录决定与跟进 (manager), shown with the topic in /votes
```
"""

from dataclasses import dataclass

from handlers.cards import Rows, button, when
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.payloads import CastBallot, RecordDecision
from handlers.steps import Asks
from handlers.types import Button, Message
from models import Person, Role, VoteTopic
from services import directory, votes
from services.errors import DomainError
from services.vote_parse import parse_vote

STEP_DECISION = "votes.decision"


@dataclass
class OnTopic:
    """The manager's words about one closed vote."""

    topic_id: int


def _scope(ctx: Writer, topic: VoteTopic) -> str:
    if not topic.buildings:
        return ctx.texts("vote.scope_community")
    return ctx.texts("vote.scope_buildings", buildings="、".join(topic.buildings))


def _tally(ctx: Writer, topic: VoteTopic, counts: list[int]) -> str:
    return "\n".join(ctx.texts("vote.count_line", option=option, count=count)
                     for option, count in zip(topic.options, counts, strict=True))


def topic_text(ctx: Writer, topic: VoteTopic, counts: list[int] | None) -> str:
    """The group post: question, closing time, who may vote, quorum, and the running count
    unless it is hidden until the close."""
    lines = [ctx.texts("vote.post", id=topic.id, question=topic.question,
                       closes=when(ctx, topic.closes_at), scope=_scope(ctx, topic))]
    if topic.quorum:
        lines.append(ctx.texts("vote.quorum", quorum=topic.quorum))
    if topic.hidden or counts is None:
        lines.append(ctx.texts("vote.count_hidden") if topic.hidden else "")
    else:
        lines.append(ctx.texts("vote.running", total=sum(counts)) + "\n"
                     + _tally(ctx, topic, counts))
    lines.append(ctx.texts("vote.secret_note"))
    return "\n".join(line for line in lines if line)


def option_rows(topic: VoteTopic) -> Rows:
    """One big button per option."""
    return tuple((Button(f"{n + 1}. {option}", data=CastBallot(topic.id or 0, n).pack()),)
                 for n, option in enumerate(topic.options))


async def on_vote(ctx: Context, args: str) -> None:
    """/vote: a manager opens a topic in the group bound to their community."""
    if ctx.incoming.is_private:
        ctx.reply(ctx.texts("vote.in_group"))
        return
    community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
    if community is None or community.id is None:
        ctx.reply(ctx.texts("intake.group_not_bound"))
        return
    if not await directory.is_manager_of(ctx.session, ctx.me.id or 0, community.id):
        ctx.reply(ctx.texts("vote.managers_only"))
        return
    if not args.strip():
        ctx.reply(ctx.texts("vote.usage"))
        return
    draft = parse_vote(args, now=ctx.clock.now(), tz=ctx.tz)
    topic = await votes.open_vote(ctx.session, clock=ctx.clock, manager=ctx.me,
                                  community_id=community.id, chat_id=ctx.incoming.chat_id,
                                  draft=draft)
    ctx.reply(topic_text(ctx, topic, [0] * len(topic.options)), option_rows(topic))


async def on_ballot(ctx: Context, payload: CastBallot) -> None:
    """Record or change the presser's ballot; the toast is theirs alone."""
    topic, cast = await votes.cast(ctx.session, clock=ctx.clock, topic_id=payload.topic_id,
                                   person=ctx.me, option=payload.option,
                                   message_id=ctx.incoming.message_id)
    ctx.answer(ctx.texts(f"vote.cast_{cast}", option=topic.options[payload.option]))
    if not topic.hidden and cast != votes.Cast.SAME:
        counts = await votes.running_counts(ctx.session, topic)
        ctx.edit(topic_text(ctx, topic, counts), option_rows(topic))


def result_text(ctx: Writer, topic: VoteTopic) -> str:
    """The published result: counts per option, turnout, and whether the quorum was reached."""
    total = sum(topic.counts)
    best = max(topic.counts) if total else 0
    leaders = [o for o, c in zip(topic.options, topic.counts, strict=True) if total and c == best]
    lines = [ctx.texts("vote.result", id=topic.id, question=topic.question, total=total,
                       eligible=topic.eligible),
             _tally(ctx, topic, topic.counts)]
    if topic.quorum:
        key = "vote.quorum_reached" if votes.quorum_reached(topic) else "vote.quorum_missed"
        lines.append(ctx.texts(key, quorum=topic.quorum))
    if leaders and (not topic.quorum or votes.quorum_reached(topic)):
        lines.append(ctx.texts("vote.leader" if len(leaders) == 1 else "vote.tie",
                               option="、".join(leaders)))
    return "\n".join(lines)


async def publish_result(ctx: Writer, topic: VoteTopic, managers: list[Person]) -> None:
    """Post the result in the group, take the buttons off the post, and ask the managers for
    the decision."""
    text = result_text(ctx, topic)
    if topic.message_id is not None:
        ctx.emit(topic.chat_id, Message(topic_text(ctx, topic, None) + "\n"
                                        + ctx.texts("vote.closed_mark"),
                                        edit_message_id=topic.message_id))
    ctx.send(topic.chat_id, text)
    rows = ((button(ctx, "btn.vote_decision", RecordDecision(topic.id or 0)),),)
    for manager in managers:
        if manager.telegram_id is not None:
            ctx.send(manager.telegram_id, text + "\n\n" + ctx.texts("vote.ask_decision"), rows)


async def on_record(ctx: Context, payload: RecordDecision) -> None:
    """Ask the manager for the decision and follow-up of a closed vote."""
    topic = await votes.load_topic(ctx.session, payload.topic_id)
    if not await directory.is_manager_of(ctx.session, ctx.me.id or 0, topic.community_id):
        raise DomainError("vote.not_manager", topic_id=topic.id)
    await ctx.wait(STEP_DECISION, OnTopic(payload.topic_id))
    ctx.answer()
    ctx.reply(ctx.texts("vote.ask_decision_words", id=topic.id, question=topic.question))


async def on_decision_text(ctx: Context, step: str, state: OnTopic) -> None:
    """Store the decision and follow-up, and publish it to the group (两公开)."""
    words = ctx.incoming.text.strip()
    if not words:
        ctx.reply(ctx.texts("vote.ask_decision_words", id=state.topic_id, question=""))
        return
    await ctx.stop_waiting()
    topic = await votes.load_topic(ctx.session, state.topic_id)
    topic = await votes.record_decision(
        ctx.session, clock=ctx.clock, topic_id=state.topic_id, manager=ctx.me, text=words,
        is_manager=await directory.is_manager_of(ctx.session, ctx.me.id or 0,
                                                 topic.community_id))
    ctx.reply(ctx.texts("vote.decision_saved", id=topic.id))
    ctx.send(topic.chat_id, ctx.texts("vote.decision_public", id=topic.id,
                                      question=topic.question, decision=words))


async def on_votes(ctx: Context, _args: str) -> None:
    """/votes: the community's topics, open and closed, with results and decisions."""
    community_id = await _community(ctx)
    if community_id is None:
        ctx.reply(ctx.texts("vote.no_community"))
        return
    found = await votes.topics(ctx.session, community_id)
    if not found:
        ctx.reply(ctx.texts("vote.none"))
        return
    manager = ctx.incoming.is_private and await directory.is_manager_of(
        ctx.session, ctx.me.id or 0, community_id)
    parts, rows = [ctx.texts("vote.list_header")], []
    for topic in found:
        parts.append(await _line(ctx, topic))
        if manager and topic.closed_at is not None:
            rows.append((Button(ctx.texts("btn.vote_decision_n", id=topic.id),
                                data=RecordDecision(topic.id or 0).pack()),))
    ctx.reply("\n\n".join(parts), tuple(rows[:8]))


async def _line(ctx: Context, topic: VoteTopic) -> str:
    if topic.closed_at is None:
        counts = None if topic.hidden else await votes.running_counts(ctx.session, topic)
        tally = ctx.texts("vote.count_hidden") if counts is None else _tally(ctx, topic, counts)
        return ctx.texts("vote.list_open", id=topic.id, question=topic.question,
                         closes=when(ctx, topic.closes_at)) + "\n" + tally
    text = result_text(ctx, topic)
    if topic.decision:
        text += "\n" + ctx.texts("vote.list_decision", decision=topic.decision)
    return text


async def _community(ctx: Context) -> int | None:
    if not ctx.incoming.is_private:
        community = await directory.community_of_chat(ctx.session, ctx.incoming.chat_id)
        return community.id if community else None
    return (await directory.managed_community(ctx.session, ctx.me.id or 0)
            or ctx.me.community_id)


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = [ctx.texts("help.votes")]
    if roles & {Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.vote_manager"))
    return parts


FEATURE = Feature(
    name="votes",
    commands={"vote": on_vote, "votes": on_votes},
    buttons={CastBallot: on_ballot, RecordDecision: on_record},
    steps={STEP_DECISION: Asks(OnTopic, on_decision_text)},
    help=_help,
)
