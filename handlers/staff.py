"""Staff commands: invite codes and joining, the staff list, leave, removal and moves."""

from handlers import notify
from handlers.cards import local
from handlers.context import Context
from handlers.feature import Feature
from handlers.filing import hand_over, send_assign_card
from handlers.managers import community_codes, my_community, split_code
from handlers.retire import chats_of, retire_cards
from models import Case, Person
from services import case_queries, cases, routing, staff
from services.staff import Handover


async def invite(ctx: Context, args: str) -> None:
    """Make a one-time code: /invite worker yulan-1 (or manager yulan)."""
    words = args.split()
    if len(words) != 2:
        ctx.reply(ctx.texts("staff.invite_usage"))
        return
    code = await staff.create_invite(ctx.session, clock=ctx.clock, actor=ctx.me, role=words[0],
                                     place=words[1])
    ctx.reply(ctx.texts("staff.invite_made", code=code.code, role=ctx.texts(f"role.{code.role}"),
                        place=words[1], until=local(ctx, code.expires_at)))


async def join(ctx: Context, args: str) -> None:
    """Take up a role with an invite code: /join CODE."""
    if not args.strip():
        ctx.reply(ctx.texts("staff.join_usage"))
        return
    role = await staff.join(ctx.session, clock=ctx.clock, person=ctx.me, code=args)
    ctx.reply(ctx.texts("staff.joined", role=ctx.texts(f"role.{role.role}")))


async def staff_list(ctx: Context, args: str) -> None:
    """List the community's staff, with who is on leave."""
    community = await my_community(ctx, args.strip())
    assert community.id is not None
    lines = [ctx.texts("staff.list_header", community=community.name)]
    members = await staff.staff_of(ctx.session, community.id)
    people = [p for p, _ in members]
    lost = await routing.known_unreachable(ctx.session, people)
    silent = await routing.never_heard_from(ctx.session, people)
    for person, role in members:
        lines.append(ctx.texts("staff.list_line", name=person.name,
                               role=ctx.texts(f"role.{role.role}"),
                               leave=(ctx.texts("staff.on_leave_mark") if role.on_leave else "")
                               + (ctx.texts("staff.not_started_mark") if person.id in lost
                                  else ctx.texts("staff.silent_mark") if person.id in silent
                                  else "")))
    ctx.reply("\n".join(lines) + "\n\n" + ctx.texts("staff.commands"))


async def _target(ctx: Context, args: str) -> tuple[int, list[str]]:
    code, words = split_code(ctx, args, await community_codes(ctx))
    community = await my_community(ctx, code)
    assert community.id is not None
    return community.id, words


async def leave(ctx: Context, args: str) -> None:
    """Mark a worker on leave; their open cases go to a colleague or back to you."""
    community_id, words = await _target(ctx, args)
    if not words:
        ctx.reply(ctx.texts("staff.leave_usage"))
        return
    person, handover = await staff.set_leave(ctx.session, clock=ctx.clock, actor=ctx.me,
                                             community_id=community_id, name=words[0],
                                             on_leave=True, note=ctx.texts("handover.note_leave"))
    ctx.reply(ctx.texts("staff.on_leave", name=person.name, moved=len(handover.moved),
                        returned=len(handover.returned)))
    await _tell(ctx, handover, person, "leave")


async def back(ctx: Context, args: str) -> None:
    """Mark a worker back from leave: new cases reach them again."""
    community_id, words = await _target(ctx, args)
    if not words:
        ctx.reply(ctx.texts("staff.leave_usage"))
        return
    person, _ = await staff.set_leave(ctx.session, clock=ctx.clock, actor=ctx.me,
                                      community_id=community_id, name=words[0], on_leave=False)
    ctx.reply(ctx.texts("staff.back", name=person.name))


async def remove(ctx: Context, args: str) -> None:
    """Remove a person's roles in the community: /remove 张敏."""
    community_id, words = await _target(ctx, args)
    if not words:
        ctx.reply(ctx.texts("staff.remove_usage"))
        return
    person, handover = await staff.remove_staff(ctx.session, clock=ctx.clock, actor=ctx.me,
                                                community_id=community_id, name=words[0],
                                                note=ctx.texts("handover.note_removed"))
    ctx.reply(ctx.texts("staff.removed", name=person.name, moved=len(handover.moved),
                        returned=len(handover.returned)))
    await _tell(ctx, handover, person, "removed")


async def move(ctx: Context, args: str) -> None:
    """Move a worker to another grid: /move 张敏 yulan-2."""
    community_id, words = await _target(ctx, args)
    if len(words) != 2:
        ctx.reply(ctx.texts("staff.move_usage"))
        return
    person, grid, handover = await staff.move_worker(
        ctx.session, clock=ctx.clock, actor=ctx.me, community_id=community_id, name=words[0],
        grid_code=words[1], note=ctx.texts("handover.note_moved"))
    ctx.reply(ctx.texts("staff.moved", name=person.name, grid=grid.name,
                        moved=len(handover.moved), returned=len(handover.returned)))
    await _tell(ctx, handover, person, "moved")


async def _tell(ctx: Context, handover: Handover, worker: Person, why: str) -> None:
    """Every hand-over is told: the new assignees get the cards, returned cases go to the
    managers, each resident hears who has the case now, the worker hears where their cases went,
    and the worker's old cards lose their buttons."""
    lines = []
    for case, target in handover.moved:
        await hand_over(ctx, case, target)
        await _tell_resident(ctx, case, ctx.texts("resident.transferred", id=case.id,
                                                  worker=await notify.holder(ctx, case, target)))
        lines.append(ctx.texts("handover.moved_line", id=case.id, name=target.name))
    for case in handover.returned:
        managers = [m for m in await cases.managers_for(ctx.session, case) if m.id != ctx.me.id]
        await send_assign_card(ctx, case, [ctx.me, *managers], header="card.returned")
        await _tell_resident(ctx, case, ctx.texts("resident.handover_returned", id=case.id))
        lines.append(ctx.texts("handover.returned_line", id=case.id))
    retired = ctx.texts(f"handover.card_{why}")
    for case in [c for c, _ in handover.moved] + handover.returned:
        await retire_cards(ctx, case.id or 0, retired, chat_ids=chats_of([worker]))
    if lines:
        notify.to_person(ctx, worker, "\n".join(
            [ctx.texts(f"handover.worker_{why}", count=len(lines)), *lines]))


async def _tell_resident(ctx: Context, case: Case, line: str) -> None:
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    notify.to_reporter(ctx, case, reporter, (line, ()), (line, ()))


FEATURE = Feature(
    name="staff",
    commands={"invite": invite, "join": join, "staff": staff_list, "leave": leave, "back": back,
              "remove": remove, "move": move},
    private_commands=frozenset({"invite", "join", "staff", "leave", "back", "remove", "move"}),
)
