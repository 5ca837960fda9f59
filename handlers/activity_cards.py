"""What activities look like in chat: the announcement with its buttons, reminders, the
organiser's check-in list. No decisions here (services/activities.py makes them)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.cards import Rows, button, when
from handlers.context import Context, Writer
from handlers.payloads import CheckIn, JoinActivity, JoinDeclared, LeaveActivity
from handlers.renderer import Renderer
from handlers.texts import Texts
from handlers.types import Button
from models import Activity, ActivitySignup, Person
from services import activities
from services.activities import NewActivity
from services.activity_rules import Eligibility, parse_audience

LINK_PREFIX = "a"  # /start a<id>: the activity in a private chat, to sign up there

_WHEN = re.compile(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?\s*(\d{1,2})[:：点](\d{2})?")


def parse_time(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """Read "11-20 09:00", "2026-11-20 9:30" or "11月20日 9点" as a local time; a date without a
    year that has passed this year means next year."""
    match = _WHEN.search(text)
    if match is None:
        return None
    year, month, day, hour, minute = match.groups()
    local_now = now.astimezone(tz)
    try:
        at = datetime(int(year or local_now.year), int(month), int(day), int(hour),
                      int(minute or 0), tzinfo=tz)
    except ValueError:
        return None
    if year is None and at < local_now - timedelta(days=1):
        at = at.replace(year=at.year + 1)
    return at


def parse_activity(ctx: Context, title: str, lines: str) -> NewActivity | None:
    """Read the announcement's "label：value" lines; None when time, place or places are
    missing or unreadable."""
    labels: dict[str, str] = {}
    for part in ctx.texts("activity.labels").split(";"):
        field, _, words = part.partition("=")
        labels.update(dict.fromkeys(words.split("|"), field))
    values: dict[str, str] = {}
    for line in lines.splitlines():
        label, sep, value = line.replace("：", ":", 1).partition(":")
        if sep and label.strip() in labels:
            values[labels[label.strip()]] = value.strip()
    starts_at = parse_time(values.get("time", ""), ctx.clock.now(), ctx.tz)
    numbers = {k: re.search(r"\d+(?:\.\d+)?", values.get(k, "")) for k in
               ("capacity", "points", "hours")}
    if not title or starts_at is None or not values.get("place") or numbers["capacity"] is None:
        return None
    yes = ctx.texts("activity.yes_words").split("|")
    return NewActivity(
        title=title, place=values["place"], starts_at=starts_at,
        capacity=int(float(numbers["capacity"][0])), audience=values.get("audience"),
        eligibility=parse_audience(values.get("audience"), audience_words(ctx.texts)),
        points=int(float(numbers["points"][0])) if numbers["points"] else 0,
        hours=float(numbers["hours"][0]) if numbers["hours"] else 2.0,
        weekly=values.get("weekly", "").lower() in yes)


def audience_words(texts: Texts) -> dict[str, tuple[str, ...]]:
    """The locale's words for who may join ("everyone", "community", "volunteer", …)."""
    words: dict[str, tuple[str, ...]] = {}
    for part in texts("activity.audience_words").split(";"):
        group, _, said = part.partition("=")
        words[group.strip()] = tuple(w for w in said.split("|") if w)
    return words


def checked(ctx: Renderer, rule: Eligibility) -> str:
    """Say what sign-up checks, for the manager who announced it."""
    if rule.everyone:
        return ctx.texts("activity.checks_nobody")
    parts = []
    if rule.buildings:
        parts.append(ctx.texts("activity.who_buildings", buildings="、".join(rule.buildings)))
    elif rule.community:
        parts.append(ctx.texts("activity.who_community"))
    if rule.groups:
        parts.append(ctx.texts("activity.who_or").join(
            ctx.texts(f"activity.who_{group}") for group in rule.groups))
    return ctx.texts("activity.checks", who="，".join(parts))


def announcement(
    ctx: Renderer, activity: Activity, *, link: bool = True
) -> tuple[str, Rows]:
    """The group message: what, when, where, who, how many, points; join and cancel buttons
    (joining says "I qualify" when only the person can say so), and a link to sign up in a
    private chat (where the reminders can reach them)."""
    lines = [ctx.texts("activity.announce", title=activity.title,
                       when=when(ctx, activity.starts_at), place=activity.place,
                       capacity=activity.capacity)]
    if activity.audience:
        lines.append(ctx.texts("activity.audience", audience=activity.audience))
    if activity.points:
        lines.append(ctx.texts("activity.points_line", points=activity.points,
                               hours=f"{activity.hours:g}"))
    if activity.weekly:
        lines.append(ctx.texts("activity.weekly_line"))
    declare = Eligibility.of(activity).needs_declaring
    lines.append(ctx.texts("activity.how_to_join_declared" if declare else "activity.how_to_join"))
    join = (button(ctx, "activity.btn_join_declared", JoinDeclared(activity.id or 0)) if declare
            else button(ctx, "activity.btn_join", JoinActivity(activity.id or 0)))
    rows: Rows = ((join, button(ctx, "activity.btn_leave", LeaveActivity(activity.id or 0))),)
    if link:
        rows += ((Button(ctx.texts("activity.btn_private"),
                         url=ctx.deep_link(f"{LINK_PREFIX}{activity.id}")),),)
    return "\n".join(lines), rows


async def announce(ctx: Writer, activity: Activity) -> int:
    """Post the activity in every group chat of its community; return how many."""
    text, rows = announcement(ctx, activity)
    chats = await activities.group_chats(ctx.session, activity.community_id)
    for chat_id in chats:
        ctx.send(chat_id, text, rows)
    return len(chats)


def checkin_list(
    ctx: Renderer, activity: Activity, people: list[tuple[ActivitySignup, Person]]
) -> tuple[str, Rows]:
    """The organiser's list: one button per person signed up; ticked once checked in."""
    came = sum(1 for signup, _ in people if signup.checked_in_at is not None)
    text = ctx.texts("activity.checkin_list", title=activity.title, code=activity.code,
                     came=came, total=len(people))
    rows = tuple((Button(ctx.texts("activity.checked" if signup.checked_in_at else
                                   "activity.not_checked", name=person.name,
                                   waiting=ctx.texts("activity.waiting_mark")
                                   if signup.status == activities.WAITING else ""),
                         data=CheckIn(signup.id or 0).pack()),)
                 for signup, person in people[:90])
    return text, rows
