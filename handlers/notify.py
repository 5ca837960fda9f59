"""Who hears about a case, and where: staff privately; residents privately when they can be
reached, otherwise in the group the case came from, without personal details."""

from collections.abc import Iterable

from handlers.cards import Rows
from handlers.context import Writer
from models import Case, Person
from services import directory
from services.outgoing import View


def to_person(ctx: Writer, person: Person | None, text: str, buttons: Rows = (), *,
              case_id: int | None = None, views: tuple[View, ...] = ()) -> bool:
    """Send privately to a person who has a Telegram account; tell whether it was queued.
    `views`: the personal data it shows them, recorded when it is delivered."""
    if person is None or person.telegram_id is None:
        return False
    ctx.send(person.telegram_id, text, buttons, case_id=case_id, views=views)
    return True


def to_people(ctx: Writer, people: Iterable[Person], text: str, buttons: Rows = (), *,
              case_id: int | None = None) -> None:
    """Send the same private message to several people."""
    for person in people:
        to_person(ctx, person, text, buttons, case_id=case_id)


def can_reach_privately(person: Person | None) -> bool:
    """Tell whether the bot may write to this person (they opened a private chat)."""
    return bool(person and person.telegram_id and person.private_chat_at)


def to_reporter(
    ctx: Writer, case: Case, reporter: Person | None, private: tuple[str, Rows],
    public: tuple[str, Rows] | None = None,
) -> None:
    """Tell the resident: privately if possible, else a public-safe line in the source group."""
    if can_reach_privately(reporter):
        to_person(ctx, reporter, private[0], private[1], case_id=case.id)
    elif public is not None and case.source_chat_id is not None:
        ctx.send(case.source_chat_id, public[0], public[1], case_id=case.id)


async def holder(ctx: Writer, case: Case, person: Person | None) -> str:
    """Who has the case, by role and name ("网格员 张敏", "社区管理员 陈书记"), for residents
    and groups; community staff when nobody does yet."""
    if person is None or person.id is None:
        return ctx.texts("receipt.community")
    role = await directory.holder_role(ctx.session, person.id, case.community_id)
    return ctx.texts("holder", role=ctx.texts(f"role.{role}"), name=person.name) if role \
        else person.name
