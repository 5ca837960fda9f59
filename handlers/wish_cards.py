"""How wishes look on screen: the review card, the public card volunteers see, the claimer's card
with the resident's contact, and who hears what about a wish."""

from handlers import notify
from handlers.cards import Rows, address, button
from handlers.context import Context, Writer
from handlers.payloads import (
    ApproveWish,
    ClaimWish,
    ConfirmWish,
    DeclineWish,
    EditWish,
    UnclaimWish,
    WishDone,
    WishNotYet,
    WishPoints,
)
from handlers.renderer import Renderer
from handlers.types import Button
from models import Case, CaseAction, Person, WishDetails
from services import actors, case_queries, wishes
from services.lifecycle import Actor, may

POINT_CHOICES = (5, 10, 20, 30, 50)


async def area(ctx: Writer, case: Case) -> str:
    """The public place of a wish: community and building, never the flat."""
    community = await case_queries.community_of(ctx.session, case)
    return ctx.texts("wish.area", community=community.name if community else "-",
                     building=address(ctx, case, public=True))


def review_card(ctx: Renderer, case: Case, details: WishDetails, reporter: Person | None,
                poster: Person | None) -> str:
    """The card a grid worker or manager reviews a wish on (staff may see the flat)."""
    lines = [
        ctx.texts("wish.review_header", id=case.id),
        ctx.texts("card.address", address=address(ctx, case, public=False)),
        ctx.texts("wish.review_words", text=case.text),
        ctx.texts("card.reporter", name=reporter.name if reporter else "-"),
        ctx.texts("wish.posted_by", name=poster.name) if poster else None,
        ctx.texts("wish.review_public", text=details.public_text or "-"),
        ctx.texts("wish.points_line", points=details.points),
    ]
    return "\n".join(line for line in lines if line)


def review_buttons(ctx: Renderer, case: Case, details: WishDetails) -> Rows:
    """Approve, rewrite, set points, or decline."""
    cid = case.id or 0
    marks = tuple(Button(ctx.texts("btn.wish_points", points=n, mark="✓" if n == details.points
                                   else ""), data=WishPoints(cid, n).pack())
                  for n in POINT_CHOICES)
    return ((button(ctx, "btn.wish_approve", ApproveWish(cid)),),
            (button(ctx, "btn.wish_edit", EditWish(cid)),), marks,
            (button(ctx, "btn.wish_decline", DeclineWish(cid)),))


async def public_card(
    ctx: Writer, case: Case, details: WishDetails, header: str = "wish.public_header"
) -> str:
    """What volunteers (and their group) see: the public wording, the area, the points."""
    return "\n".join((ctx.texts(header, id=case.id), details.public_text or "",
                      await area(ctx, case), ctx.texts("wish.points_line", points=details.points)))


def claim_button(ctx: Renderer, case_id: int) -> Rows:
    """The one big 认领 button."""
    return ((button(ctx, "btn.wish_claim", ClaimWish(case_id)),),)


def claimer_buttons(ctx: Renderer, case_id: int) -> Rows:
    """What the claimer can do: mark it fulfilled, or give it back."""
    return ((button(ctx, "btn.wish_done", WishDone(case_id)),),
            (button(ctx, "btn.wish_unclaim", UnclaimWish(case_id)),))


def confirm_buttons(ctx: Renderer, case_id: int) -> Rows:
    """Ask the resident: has the wish come true?"""
    return ((button(ctx, "btn.wish_confirm", ConfirmWish(case_id)),),
            (button(ctx, "btn.wish_not_yet", WishNotYet(case_id)),))


async def contact_card(ctx: Writer, case: Case, details: WishDetails, resident: Person | None,
                       poster: Person | None) -> str:
    """The claimer's card: how to reach the resident (personal data: the view is recorded)."""
    community = await case_queries.community_of(ctx.session, case)
    lines = [
        ctx.texts("wish.claimed_header", id=case.id),
        details.public_text or "",
        ctx.texts("wish.contact_name", name=resident.name if resident else "-"),
        ctx.texts("card.phone", phone=resident.phone) if resident and resident.phone
        else ctx.texts("wish.contact_no_phone") if chat_link(ctx, resident) else None,
        ctx.texts("wish.contact_address", community=community.name if community else "-",
                  address=_home(ctx, case, resident)),
        ctx.texts("wish.contact_poster", name=poster.name, phone=poster.phone or "-")
        if poster else None,
        ctx.texts("wish.claimed_hint"),
    ]
    return "\n".join(line for line in lines if line)


def _home(ctx: Renderer, case: Case, resident: Person | None) -> str:
    """The wish's place with the flat: as the resident wrote it, or the flat on file when the
    wish named only the building."""
    if case.room or resident is None or not resident.room or (
            resident.building_id is not None and resident.building_id != case.building_id):
        return address(ctx, case, public=False)
    parts = [address(ctx, case, public=True)]
    if resident.unit:
        parts.append(ctx.texts("address.unit", unit=resident.unit))
    parts.append(ctx.texts("address.room", room=resident.room))
    return "".join(parts)


def chat_link(ctx: Renderer, resident: Person | None) -> Rows:
    """For a resident with no phone on file: a button opening a private chat with them."""
    if resident is None or resident.phone or resident.telegram_id is None:
        return ()
    return ((Button(ctx.texts("btn.wish_chat", name=resident.name),
                    url=f"tg://user?id={resident.telegram_id}"),),)


async def tell_resident(
    ctx: Writer, case: Case, details: WishDetails, private: tuple[str, Rows],
    public: tuple[str, Rows] | None = None,
) -> None:
    """Tell the resident privately; for a resident without Telegram, the worker who posted the
    wish; else a line without personal details in the group the wish came from."""
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    if notify.can_reach_privately(reporter):
        notify.to_person(ctx, reporter, private[0], private[1], case_id=case.id)
        return
    poster = await case_queries.person(ctx.session, details.posted_by_id)
    if poster is not None and poster.telegram_id is not None:
        text = ctx.texts("wish.on_behalf_of", name=reporter.name if reporter else "-")
        notify.to_person(ctx, poster, text + "\n" + private[0], private[1], case_id=case.id)
    elif public is not None and case.source_chat_id is not None:
        ctx.send(case.source_chat_id, public[0], public[1], case_id=case.id)



async def viewer_buttons(ctx: Context, case: Case) -> Rows:
    """The wish buttons for whoever opens the case with /case N (never the repair ones)."""
    cid = case.id or 0
    case, details = await wishes.load_wish(ctx.session, cid)
    actions = await actors.next_actions(ctx.session, case, ctx.me)
    if CaseAction.UNCLAIM in actions:
        return claimer_buttons(ctx, cid)
    if CaseAction.CONFIRM in actions:
        return confirm_buttons(ctx, cid)
    if CaseAction.APPROVE in actions:
        return review_buttons(ctx, case, details)
    return ()


async def follow_up(ctx: Context, case: Case) -> None:
    """After a deep link: a resident whose wish is fulfilled is asked to confirm, privately."""
    if not may(case, CaseAction.CONFIRM, Actor.REPORTER):
        return
    volunteer = await case_queries.person(ctx.session, case.assignee_id)
    text = confirm_question(ctx, case, volunteer.name if volunteer else "-")
    notify.to_person(ctx, ctx.me, text, confirm_buttons(ctx, case.id or 0), case_id=case.id)


def confirm_question(ctx: Renderer, case: Case, volunteer: str) -> str:
    """Ask the resident whether the fulfilled wish came true, quoting the volunteer's note."""
    return ctx.texts("wish.ask_confirm", id=case.id, name=volunteer,
                     note=case.resolution_note or "-")
