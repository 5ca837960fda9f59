"""Skills matched to wishes in chat: /skills for volunteers, a published wish offered first to the
volunteers whose skills match it (everyone after WISH_MATCH_DELAY), partner organisations
pointed out to the reviewer, and /resources for managers: unmet needs beside unused resources."""

from collections.abc import Sequence

from handlers import notify
from handlers.cards import when
from handlers.context import Context, Writer
from handlers.feature import Feature
from handlers.wish_cards import claim_button, public_card
from models import Case, Role, WishDetails
from services import directory, skills, wish_people


async def on_skills(ctx: Context, args: str) -> None:
    """/skills shows a volunteer's skills; /skills 陪伴, 理发 replaces them."""
    if args.strip():
        words = args.replace("，", ",").replace("、", ",").split(",")
        saved = await skills.set_skills(ctx.session, person=ctx.me, skills=words,
                                        at=ctx.clock.now())
        ctx.reply(ctx.texts("skills.saved", skills=_listed(ctx, saved)))
        return
    current = await skills.skills_of(ctx.session, ctx.me)
    if current is None:
        ctx.reply(ctx.texts("error.skills.not_volunteer"))
        return
    ctx.reply(ctx.texts("skills.current", skills=_listed(ctx, current)))


def _listed(ctx: Context, words: Sequence[str]) -> str:
    return ctx.texts("skills.sep").join(words) if words else ctx.texts("skills.none")


async def offer_to_matching(ctx: Context, case: Case, details: WishDetails) -> int | None:
    """Send a just-published wish to the reachable volunteers whose skills match it, and point
    matching partners out to the reviewer. Return how many volunteers got it, or None when
    nobody matched (then everyone gets it at once, as before)."""
    text = details.public_text or ""
    found = await skills.matching_partners(ctx.session, case.community_id, text)
    if found:
        ctx.reply(ctx.texts("skills.partners_hint", id=case.id, partners="\n".join(
            ctx.texts("skills.partner_line", name=p.name, offers=_listed(ctx, p.offers),
                      contact=p.contact or "-", phone=p.phone or "-") for p in found)))
    matched = [p for p in await skills.matching_volunteers(ctx.session, case.community_id, text)
               if notify.can_reach_privately(p)]
    if not matched:
        return None
    card = await public_card(ctx, case, details, "skills.public_header")
    notify.to_people(ctx, matched, card, claim_button(ctx, case.id or 0), case_id=case.id)
    await skills.record_offer(ctx.session, case_id=case.id or 0,
                              matched=[p.id or 0 for p in matched], at=ctx.clock.now())
    return len(matched)


async def widen(ctx: Writer, case: Case, details: WishDetails, matched: Sequence[int]) -> int:
    """Offer a wish nobody with the matching skills claimed to every other volunteer and to the
    volunteers' groups; return how many volunteers."""
    card = await public_card(ctx, case, details)
    buttons = claim_button(ctx, case.id or 0)
    others = [p for p in await wish_people.volunteers(ctx.session, case.community_id)
              if notify.can_reach_privately(p) and p.id not in matched]
    notify.to_people(ctx, others, card, buttons, case_id=case.id)
    for chat_id in await wish_people.volunteer_groups(ctx.session, case.community_id):
        ctx.send(chat_id, card, buttons, case_id=case.id)
    return len(others)


async def on_resources(ctx: Context, args: str) -> None:
    """/resources: unmet needs (open wishes, with who could help) beside the resources."""
    community_id = await directory.managed_community(ctx.session, ctx.me.id or 0)
    if community_id is None:
        ctx.reply(ctx.texts("skills.managers_only"))
        return
    found = await skills.resources(ctx.session, community_id, ctx.clock.now())
    lines = [ctx.texts("skills.needs_header", n=len(found.needs))]
    lines += [ctx.texts("skills.need_line", id=case.id, text=(details.public_text or "")[:40],
                        since=when(ctx, case.published_at or case.created_at),
                        helpers=_listed(ctx, helpers) if helpers else ctx.texts(
                            "skills.nobody_matches"))
              for case, details, helpers in found.needs] or [ctx.texts("skills.no_needs")]
    lines.append(ctx.texts("skills.resources_header"))
    for person, own, claimed in found.volunteers:
        key = "skills.volunteer_idle" if claimed == 0 else "skills.volunteer_line"
        lines.append(ctx.texts(key, name=person.name, skills=_listed(ctx, own), n=claimed))
    lines += [ctx.texts("skills.partner_line", name=p.name, offers=_listed(ctx, p.offers),
                        contact=p.contact or "-", phone=p.phone or "-") for p in found.partners]
    ctx.reply("\n".join(lines))


async def _help(ctx: Context, roles: set[str]) -> list[str]:
    parts = []
    if Role.VOLUNTEER in roles:
        parts.append(ctx.texts("skills.help_volunteer"))
    if Role.MANAGER in roles:
        parts.append(ctx.texts("skills.help_manager"))
    return parts


FEATURE = Feature(name="skills", commands={"skills": on_skills, "resources": on_resources},
                  private_commands=frozenset({"skills", "resources"}), help=_help)
