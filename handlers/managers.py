"""Managers' everyday tools: bind a group chat, read the audit trail, register residents on
their behalf; and residents updating their own address."""

from datetime import timedelta

from handlers.cards import local
from handlers.context import Context
from handlers.feature import Feature
from models import Community, Person, Role
from services import audit, case_queries, directory, numbers, residents, staff
from services.errors import DomainError
from services.intake import parse_address
from services.personal_data import take_phone
from services.residents import CARE_KINDS

AUDIT_DAYS, AUDIT_LINES = 30, 30
STAFF_ROLES = {Role.WORKER, Role.MANAGER, Role.ADMIN}


async def my_community(ctx: Context, code: str = "") -> Community:
    """The community a manager means: the one named by code, or the only one they manage."""
    managed = await staff.managed_communities(ctx.session, ctx.me.id or 0)
    if not managed:
        raise DomainError("staff.not_manager")
    if code:
        for community in managed:
            if community.code == code:
                return community
        # Naming a community you do not manage is refused, never quietly answered with yours.
        raise DomainError("mgr.not_your_community", code=code[:40],
                          codes=", ".join(c.code for c in managed))
    if len(managed) == 1:
        return managed[0]
    raise DomainError("mgr.which_community", codes=", ".join(c.code for c in managed))


def split_code(ctx: Context, args: str, codes: set[str]) -> tuple[str, list[str]]:
    """Take a community code out of the arguments, if one is there."""
    words = args.split()
    code = next((w for w in words if w in codes), "")
    return code, [w for w in words if w != code]


async def community_codes(ctx: Context) -> set[str]:
    """Codes of every community: one the manager does not manage is then refused by
    my_community instead of being read as another word."""
    return {c.code for c in await directory.all_communities(ctx.session)}


async def bind(ctx: Context, args: str) -> None:
    """Bind this group chat to a community (/bind yulan)."""
    if ctx.incoming.is_private:
        ctx.reply(ctx.texts("bind.in_group"))
        return
    community = await staff.bind_group(ctx.session, actor=ctx.me, chat_id=ctx.incoming.chat_id,
                                       code=args.strip())
    ctx.reply(ctx.texts("bind.done", community=community.name))


async def audit_trail(ctx: Context, args: str) -> None:
    """List recent views of residents' personal data in the manager's community."""
    community = await my_community(ctx, args.strip())
    assert community.id is not None
    views = await audit.views_in_community(
        ctx.session, community.id, since=ctx.clock.now() - timedelta(days=AUDIT_DAYS),
        limit=AUDIT_LINES)
    if not views:
        ctx.reply(ctx.texts("audit.none", community=community.name, days=AUDIT_DAYS))
        return
    ids = {v.subject_id for v in views} | {v.viewer_id for v in views}
    people = await case_queries.people_by_id(ctx.session, ids)
    lines = [ctx.texts("audit.header", community=community.name, days=AUDIT_DAYS)]
    for view in views:
        viewer, subject = people.get(view.viewer_id), people.get(view.subject_id or 0)
        what = (ctx.texts(f"audit.what.{view.what}") if ctx.texts.has(f"audit.what.{view.what}")
                else view.what)
        lines.append(ctx.texts(
            "audit.line", time=local(ctx, view.at), viewer=viewer.name if viewer else "-",
            subject=subject.name if subject else "-", what=what,
            case=f" #{view.case_id}" if view.case_id else ""))
    ctx.reply("\n".join(lines))


async def register(ctx: Context, args: str) -> None:
    """Register a resident without a smartphone: /register 王奶奶 13912345678 3号楼2单元301 独居."""
    roles = await directory.roles_of(ctx.session, ctx.me.id or 0)
    community_ids = [r.community_id for r in roles if r.role in STAFF_ROLES and r.community_id]
    if not any(r.role in STAFF_ROLES for r in roles):
        raise DomainError("staff.not_staff")
    words = args.split()
    if not words:
        ctx.reply(ctx.texts("register.usage"))
        return
    name, rest = words[0], words[1:]
    again = ctx.texts("register.again_word") in rest
    rest = [w for w in rest if w != ctx.texts("register.again_word")]
    phone, rest = take_phone(rest)
    care = [kind for kind in CARE_KINDS if ctx.texts(f"care.{kind}") in rest]
    building_no, unit, room = parse_address(" ".join(rest))
    building = None
    if building_no:
        found = await directory.buildings_numbered(ctx.session, building_no,
                                                   community_ids[0] if community_ids else None)
        building = found[0] if len(found) == 1 else None
        if building is None:
            ctx.reply(ctx.texts("register.no_building", building=building_no))
            return
    person, created = await residents.register_on_behalf(
        ctx.session, registered_by=ctx.me, name=name, phone=phone, building=building, unit=unit,
        room=room, care=care, again=again)
    where = await _where(ctx, person)
    phone_line = (ctx.texts("register.phone", phone=person.phone) if person.phone
                  else ctx.texts("register.no_phone"))
    if not created:  # the same phone, or the same name at the same flat: no second record
        ctx.reply(ctx.texts("register.on_file", name=person.name, id=person.id, where=where,
                            phone=phone_line, again=ctx.texts("register.again_word")))
        return
    ctx.reply(ctx.texts("register.done", name=person.name, id=person.id, where=where,
                        phone=phone_line, care=_care_names(ctx, care)))


async def _where(ctx: Context, person: Person) -> str:
    building = (await directory.building_in(ctx.session, person.building_id, None)
                if person.building_id else None)
    if building is None:
        return ctx.texts("address.none")
    return ctx.texts("home.where", building=building.number, unit=person.unit or "-",
                     room=person.room or "-")


def _care_names(ctx: Context, flags: list[str]) -> str:
    return "、".join(ctx.texts(f"care.{flag}") for flag in flags) or "-"


async def care(ctx: Context, args: str) -> None:
    """Flag a registered resident's special care: /care 12 独居 残疾 (/care 12 无 clears)."""
    words = args.split()
    resident_id = numbers.parse_id(words[0]) if words else None
    if resident_id is None:
        ctx.reply(ctx.texts("care.usage"))
        return
    flags = [kind for kind in CARE_KINDS if ctx.texts(f"care.{kind}") in words[1:]]
    person = await staff.set_care(ctx.session, actor=ctx.me, resident_id=resident_id,
                                  care=flags)
    ctx.reply(ctx.texts("care.saved", name=person.name,
                        care=_care_names(ctx, flags)))


async def address(ctx: Context, args: str) -> None:
    """Let a resident update where they live: /address 3号楼2单元301."""
    building_no, unit, room = parse_address(args)
    if not building_no:
        ctx.reply(ctx.texts("home.usage"))
        return
    found = await directory.buildings_numbered(ctx.session, building_no, ctx.me.community_id)
    if len(found) != 1:
        ctx.reply(ctx.texts("home.ambiguous", building=building_no))
        return
    await residents.remember_address(ctx.session, person=ctx.me, building=found[0], unit=unit,
                                     room=room)
    ctx.reply(ctx.texts("home.saved", where=ctx.texts(
        "home.where", building=found[0].number, unit=unit or "-", room=room or "-")))


async def help_for(ctx: Context, roles: set[str]) -> list[str]:
    """The managers' commands, and the residents' address and notices commands."""
    parts = [ctx.texts("help.resident_extra")]
    if roles & {Role.WORKER, Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.staff_extra"))
    if roles & {Role.MANAGER, Role.ADMIN}:
        parts.append(ctx.texts("help.manager_tools"))
    return parts


FEATURE = Feature(
    name="managers",
    commands={"bind": bind, "audit": audit_trail, "register": register,
              "address": address},
    private_commands=frozenset({"audit", "register", "address"}),
    help=help_for,
)
