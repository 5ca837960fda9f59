"""Community activities (社区活动) in chat: managers announce with /activity; residents and
volunteers sign up with a button (waiting list when full) and cancel before the start; the
organiser checks people in with /checkin, or attendees send /checkin CODE at the door.

```mermaid
stateDiagram-v2
    [*] --> Joined: 我要报名 (a place left)
    [*] --> Waiting: 我要报名 (full)
    Joined --> Cancelled: 取消报名 (before the start; the first waiting takes the place)
    Waiting --> Joined: a place is freed
    Joined --> CheckedIn: /checkin (organiser) or /checkin CODE (points to volunteers)
```
"""

from handlers import notify
from handlers.activity_cards import (
    LINK_PREFIX,
    announce,
    announcement,
    checked,
    checkin_list,
    parse_activity,
)
from handlers.cards import when
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.guide_answer import community_of_asker
from handlers.payloads import CheckIn, JoinActivity, JoinDeclared, LeaveActivity
from handlers.types import Button
from models import Activity, Person, Role
from services import activities, activity_checkin, directory, numbers
from services.activity_rules import DECLARE, Eligibility
from services.errors import DomainError


async def on_activity(ctx: Context, args: str) -> None:
    """/activity TITLE with "label：value" lines below: announce to the community's groups."""
    community_id = await directory.managed_community(ctx.session, ctx.me.id or 0)
    if community_id is None:
        ctx.reply(ctx.texts("activity.managers_only"))
        return
    title, _, lines = args.partition("\n")
    new = parse_activity(ctx, title.strip(), lines)
    if new is None:
        ctx.reply(ctx.texts("activity.usage"))
        return
    activity = await activities.create(ctx.session, clock=ctx.clock, organiser=ctx.me,
                                       community_id=community_id, new=new)
    groups = await announce(ctx, activity)
    ctx.reply(ctx.texts("activity.announced", title=activity.title, groups=groups,
                        code=activity.code, when=when(ctx, activity.starts_at))
              + "\n" + checked(ctx, Eligibility.of(activity)))


async def on_activities(ctx: Context, args: str) -> None:
    """/activities: the community's coming activities, each with a sign-up button."""
    community_id = await community_of_asker(ctx)
    found = await activities.upcoming(ctx.session, community_id, ctx.clock.now())
    if not found:
        ctx.reply(ctx.texts("activity.none"))
        return
    rows = tuple((Button(ctx.texts("activity.list_item", title=a.title,
                                   when=when(ctx, a.starts_at)),
                         data=JoinActivity(a.id or 0).pack()),) for a in found)
    ctx.reply(ctx.texts("activity.list"), rows)


async def on_join(ctx: Context, payload: JoinActivity | JoinDeclared) -> None:
    """Sign up: a place, or the waiting list; only who may join (a person who qualifies by
    their own word says so with 我符合条件，报名)."""
    group = None if ctx.incoming.is_private else ctx.incoming.chat_id
    try:
        activity, signup = await activities.join(
            ctx.session, clock=ctx.clock, activity_id=payload.activity_id, person=ctx.me,
            declared=isinstance(payload, JoinDeclared), group_chat_id=group)
    except DomainError as refusal:
        # Who may join by their own word is shown the card that lets them say so.
        if refusal.params.get("reason") != DECLARE or not ctx.incoming.is_private:
            raise
        await show_activity(ctx, payload.activity_id)  # the card says who it is for
        ctx.answer()
        return
    where = {"title": activity.title, "when": when(ctx, activity.starts_at),
             "place": activity.place}
    if signup.status == activities.WAITING:
        text = ctx.texts("activity.waiting", position=signup.position, **where)
    else:
        text = ctx.texts("activity.already" if signup.already else "activity.joined", **where)
    ctx.answer(text, alert=True)
    if not ctx.incoming.is_private and not signup.already and notify.can_reach_privately(ctx.me):
        notify.to_person(ctx, ctx.me, text)


async def on_leave(ctx: Context, payload: LeaveActivity) -> None:
    """Cancel before the start; tell whoever takes the place."""
    activity, promoted, dropped = await activities.leave(
        ctx.session, clock=ctx.clock, activity_id=payload.activity_id, person=ctx.me)
    ctx.answer(ctx.texts("activity.left", title=activity.title), alert=True)
    notify.to_people(ctx, dropped, ctx.texts("activity.dropped", title=activity.title,
                                             audience=activity.audience or "-"))
    if promoted is not None:
        notify.to_person(ctx, promoted, ctx.texts(
            "activity.promoted", title=activity.title, when=when(ctx, activity.starts_at),
            place=activity.place))


async def show_activity(ctx: Context, activity_id: int) -> None:
    """The activity's card in a private chat, with its sign-up buttons, or the polite refusal
    saying who may join when the person may not."""
    activity = await activities.load_activity(ctx.session, activity_id)
    try:
        await activities.check_may_join(ctx.session, activity, ctx.me)
    except DomainError as refusal:
        if refusal.params.get("reason") != DECLARE:
            raise
    ctx.reply(*announcement(ctx, activity, link=False))


async def on_start_link(ctx: Context, args: str) -> bool:
    """/start a<N> (the announcement's 私聊报名 link): the activity, to sign up privately."""
    if not ctx.incoming.is_private or not args.startswith(LINK_PREFIX):
        return False
    activity_id = numbers.parse_id(args[len(LINK_PREFIX):])
    if activity_id is None:
        return False
    await show_activity(ctx, activity_id)
    return True


async def on_checkin(ctx: Context, args: str) -> None:
    """/checkin CODE for attendees; /checkin alone shows the organiser's list."""
    if args.strip():
        activity, credited = await activity_checkin.check_in_by_code(
            ctx.session, clock=ctx.clock, person=ctx.me, code=args)
        await _checked_in(ctx, activity, ctx.me, credited)
        return
    open_now = await activity_checkin.checkin_now(ctx.session, ctx.me, ctx.clock.now())
    if not open_now:
        ctx.reply(ctx.texts("activity.checkin_usage"))
        return
    for activity in open_now:
        ctx.reply(*checkin_list(ctx, activity,
                                await activities.participants(ctx.session, activity.id or 0)))


async def on_check(ctx: Context, payload: CheckIn) -> None:
    """The organiser ticks a person off: attendance recorded, a volunteer's points credited."""
    activity, signup, credited = await activity_checkin.check_in_by_organiser(
        ctx.session, clock=ctx.clock, organiser=ctx.me, signup_id=payload.signup_id)
    ctx.answer()
    ctx.edit(*checkin_list(ctx, activity,
                           await activities.participants(ctx.session, activity.id or 0)))
    person = await ctx.session.get(Person, signup.person_id)
    if person is not None:
        await _checked_in(ctx, activity, person, credited, privately=True)


async def _checked_in(ctx: Context, activity: Activity, person: Person, credited: int, *,
                      privately: bool = False) -> None:
    text = ctx.texts("activity.checked_in", title=activity.title)
    if credited:
        hours = await activity_checkin.volunteer_hours(ctx.session, person.id or 0)
        text += "\n" + ctx.texts("activity.credited", points=credited,
                                 hours=f"{activity.hours:g}", total=f"{hours:g}")
    if privately:
        notify.to_person(ctx, person, text)
    else:
        ctx.reply(text)


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = [ctx.texts("activity.help_resident")]
    if Role.MANAGER in roles:
        parts.append(ctx.texts("activity.help_manager"))
    return parts


FEATURE = Feature(name="activities",
                  commands={"activity": on_activity, "activities": on_activities,
                            "checkin": on_checkin},
                  private_commands=frozenset({"activity", "checkin"}),
                  buttons={JoinActivity: on_join, JoinDeclared: on_join,
                           LeaveActivity: on_leave, CheckIn: on_check},
                  start=on_start_link, help=_help)


async def send_reminder(ctx: Writer, activity: Activity, step: str) -> int:
    """Remind everyone with a place (with a cancel button) and the organiser; return how many."""
    where = {"title": activity.title, "when": when(ctx, activity.starts_at),
             "place": activity.place}
    rows = ((Button(ctx.texts("activity.btn_leave"),
                    data=LeaveActivity(activity.id or 0).pack()),),)
    people = await activities.participants(ctx.session, activity.id or 0,
                                           statuses=(activities.JOINED,))
    for _, person in people:
        notify.to_person(ctx, person, ctx.texts(f"activity.remind_{step}", **where), rows)
    counts = await activities.counts(ctx.session, activity.id or 0)
    organiser = await ctx.session.get(Person, activity.organiser_id)
    notify.to_person(ctx, organiser, ctx.texts(
        "activity.remind_organiser", title=activity.title, when=where["when"],
        joined=counts[activities.JOINED], capacity=activity.capacity,
        waiting=counts[activities.WAITING], code=activity.code))
    return len(people)


async def announce_repeat(ctx: Writer, activity: Activity) -> None:
    """Post next week's occurrence of a weekly activity and give the organiser its code."""
    groups = await announce(ctx, activity)
    notify.to_person(ctx, await ctx.session.get(Person, activity.organiser_id), ctx.texts(
        "activity.repeated", title=activity.title, groups=groups,
        when=when(ctx, activity.starts_at), code=activity.code))
