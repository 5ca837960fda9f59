"""What a reminder says and to whom: the assignee gets the action buttons, managers can open and
reassign, the admin can open; residents are asked to confirm. Scheduled work has no update: it
writes with the renderer (a Writer)."""

from handlers import metoo, notify
from handlers.cards import (
    Rows,
    assign_buttons,
    button,
    confirm_buttons,
    kind_name,
    when,
    worker_buttons,
)
from handlers.context import Writer
from handlers.payloads import OpenCase
from handlers.wish_cards import claimer_buttons
from models import Case, CaseAction, CaseKind, Person, Role
from services import case_queries, cases, directory
from services.lifecycle import Actor, may
from services.reminders import DueReminder


def _open(ctx: Writer, case: Case) -> Rows:
    return ((button(ctx, "btn.remind_open", OpenCase(case.id or 0)),),)


async def send_reminder(ctx: Writer, due: DueReminder) -> None:
    """Queue the messages of one claimed reminder step."""
    case, step = due.case, due.step
    params: dict[str, object] = {"id": case.id, "kind": kind_name(ctx, case.kind),
                                 "due": when(ctx, due.due_at), "since": when(ctx, due.since)}
    if step.phase in ("accept", "resolve"):
        params["what"] = ctx.texts(f"remind.what_{step.phase}_{'wish' if _wish(case) else 'case'}")
    if step.audience == "assignee":
        await _to_assignee(ctx, due, params)
    elif step.audience == "managers":
        managers = await _managers(ctx, case)
        assignee = await case_queries.person(ctx.session, case.assignee_id)
        text = ctx.texts("remind.escalate_mgr", assignee=_name(ctx, assignee), **params)
        notify.to_people(ctx, managers, text, _open(ctx, case) + await _reassign(ctx, case),
                         case_id=case.id)
    elif step.audience == "admins":
        assignee = await case_queries.person(ctx.session, case.assignee_id)
        community = next((c.name for c in await directory.all_communities(ctx.session)
                          if c.id == case.community_id), None)
        text = ctx.texts("remind.escalate_admin", assignee=_name(ctx, assignee),
                         community=community or "-", **params)
        notify.to_people(ctx, await directory.admins(ctx.session), text, _open(ctx, case),
                         case_id=case.id)
    elif step.audience == "reporter":
        reporter = await case_queries.person(ctx.session, case.reporter_id)
        buttons = confirm_buttons(ctx, case.id or 0)
        private = ctx.texts("remind.confirm", id=case.id, due=params["due"], since=params["since"])
        public = ctx.texts("resident.ask_confirm_public", id=case.id)
        notify.to_reporter(ctx, case, reporter, (private, buttons), (public, buttons))
    else:
        await _closed_by_timeout(ctx, case)


def _wish(case: Case) -> bool:
    return case.kind == CaseKind.WISH


def _name(ctx: Writer, person: Person | None) -> str:
    return person.name if person else ctx.texts("remind.nobody")


async def _to_assignee(ctx: Writer, due: DueReminder, params: dict[str, object]) -> None:
    case, step = due.case, due.step
    key = f"remind.{step.name}"
    assignee = await case_queries.person(ctx.session, case.assignee_id)
    if assignee is not None:
        own = claimer_buttons(ctx, case.id or 0) if _wish(case) else worker_buttons(ctx, case)
        notify.to_person(ctx, assignee, ctx.texts(key, **params), own or _open(ctx, case),
                         case_id=case.id)
        return
    # Nobody holds the case yet: whoever hands it out hears instead (for a wish, the grid's
    # workers too, who can find a volunteer).
    people = list(await _managers(ctx, case))
    if _wish(case) and case.grid_id is not None:
        people += await directory.people_with_role(ctx.session, Role.WORKER, grid_id=case.grid_id,
                                                   include_on_leave=False)
    text = ctx.texts("remind.unassigned", **params)
    notify.to_people(ctx, {p.id: p for p in people}.values(), text,
                     _open(ctx, case) + await _reassign(ctx, case), case_id=case.id)


async def _managers(ctx: Writer, case: Case) -> list[Person]:
    if case.community_id is None:
        return list(await directory.admins(ctx.session))
    return list(await directory.people_with_role(ctx.session, Role.MANAGER,
                                                 community_id=case.community_id))


async def _reassign(ctx: Writer, case: Case) -> Rows:
    if not may(case, CaseAction.ASSIGN, Actor.MANAGER):  # a wish is never assigned
        return ()
    workers = await cases.assignable_workers(ctx.session, case)
    return assign_buttons(ctx, case, [(p, n) for p, n in workers if p.id != case.assignee_id][:4])


async def _closed_by_timeout(ctx: Writer, case: Case) -> None:
    reporter = await case_queries.person(ctx.session, case.reporter_id)
    if notify.can_reach_privately(reporter):
        notify.to_person(ctx, reporter, ctx.texts("remind.auto_closed", id=case.id),
                         case_id=case.id)
    worker = await case_queries.person(ctx.session, case.assignee_id)
    notify.to_person(ctx, worker, ctx.texts("remind.auto_closed_worker", id=case.id),
                     case_id=case.id)
    await metoo.tell_followers(ctx, case, "metoo.closed")
    if case.source_chat_id is not None:  # the group saw the report: it sees the closing too
        ctx.send(case.source_chat_id, ctx.texts("group.closed_timeout", id=case.id),
                 case_id=case.id)
