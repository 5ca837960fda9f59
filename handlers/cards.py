"""How cases look on screen: cards, receipts and buttons. Texts come from the catalogue."""

from datetime import datetime

from handlers.context import Context
from handlers.payloads import Act, Payload
from handlers.types import Button
from models import Case, CaseKind, CaseStatus, Person, Urgency
from services import audit, directory

Rows = tuple[tuple[Button, ...], ...]
_AWAITING_ACCEPT = (CaseStatus.NEW, CaseStatus.PUBLISHED, CaseStatus.ASSIGNED,
                    CaseStatus.RETURNED)
_AWAITING_RESOLVE = (*_AWAITING_ACCEPT, CaseStatus.ACCEPTED, CaseStatus.REOPENED)
CARD_TEXT_LIMIT = 1500


def local(ctx: Context, moment: datetime | None) -> str:
    """Show a UTC timestamp in the configured local zone."""
    return moment.astimezone(ctx.tz).strftime("%m-%d %H:%M") if moment else "-"


def when(ctx: Context, moment: datetime) -> str:
    """Show a moment as local day and time ("11月22日 14:30")."""
    at = moment.astimezone(ctx.tz)
    return ctx.texts("due.when", month=at.month, day=at.day, time=at.strftime("%H:%M"))


def due_line(ctx: Context, case: Case) -> str | None:
    """Say by when the case must be accepted, or resolved, while that is still ahead of it, or
    that it is overdue since then."""
    due = ctx.deadlines.due(kind=case.kind, urgency=case.urgency, created_at=case.created_at,
                            published_at=case.published_at, accepted_at=case.accepted_at)
    now = ctx.clock.now()  # a deadline already passed (a late hand-over) is said to be passed
    if case.status in _AWAITING_ACCEPT and case.accepted_at is None and due.accept:
        late = "_late" if due.accept_late(None, now) else ""
        return ctx.texts(f"due.accept{late}", due=when(ctx, due.accept))
    if case.status in _AWAITING_RESOLVE and due.resolve:
        late = "_late" if due.resolve_late(None, now) else ""
        return ctx.texts(f"due.resolve{late}", due=when(ctx, due.resolve))
    return None


def kind_name(ctx: Context, kind: str) -> str:
    """Name a case kind."""
    return ctx.texts(f"kind.{kind}")


def status_name(ctx: Context, status: str, kind: str | None = None) -> str:
    """Name a case status (in the words of its kind where they differ: a dispute is mediated)."""
    own = f"status.{kind}.{status}"
    return ctx.texts(own) if kind and ctx.texts.has(own) else ctx.texts(f"status.{status}")


def address(ctx: Context, case: Case, *, public: bool) -> str:
    """Describe where: the building only in public, the flat too for those who may see it."""
    if not case.building_label:
        return ctx.texts("address.none")
    parts = [ctx.texts("address.building", building=case.building_label)]
    if not public:
        if case.unit:
            parts.append(ctx.texts("address.unit", unit=case.unit))
        if case.room:
            parts.append(ctx.texts("address.room", room=case.room))
    return "".join(parts)


def button(ctx: Context, key: str, act: Act, case_id: int = 0, arg: int = 0) -> Button:
    """Make a catalogue-labelled button carrying a payload."""
    return Button(ctx.texts(key), data=Payload(act, case_id, arg).pack())


def case_card(
    ctx: Context, case: Case, reporter: Person | None, *, phone: bool, header: str = "card.new",
    footer: str | None = None,
) -> str:
    """Render the private card a worker or manager gets."""
    text = case.text if len(case.text) <= CARD_TEXT_LIMIT else case.text[:CARD_TEXT_LIMIT] + "…"
    lines = [
        ctx.texts(header, id=case.id, kind=kind_name(ctx, case.kind)),
        ctx.texts("card.urgent") if case.urgency == Urgency.URGENT else None,
        ctx.texts("card.address", address=address(ctx, case, public=False)),
        ctx.texts("card.text", text=text),
        ctx.texts("card.reporter", name=reporter.name if reporter else "-"),
        ctx.texts("card.phone", phone=reporter.phone) if phone and reporter and reporter.phone
        else None,
        ctx.texts("card.time", time=local(ctx, case.created_at),
                  status=status_name(ctx, case.status, case.kind)),
        due_line(ctx, case),
        footer,
    ]
    return "\n".join(line for line in lines if line)


def worker_buttons(ctx: Context, case: Case) -> Rows:
    """Offer the assignee the actions the case's status allows."""
    cid = case.id or 0
    accept = button(ctx, "btn.accept", Act.ACCEPT, cid)
    resolve = button(ctx, "btn.resolve", Act.RESOLVE, cid)
    transfer = button(ctx, "btn.transfer", Act.TRANSFER, cid)
    give_back = button(ctx, "btn.return", Act.RETURN, cid)
    rows: dict[str, Rows] = {
        CaseStatus.ASSIGNED: ((accept,), (transfer, give_back)),
        CaseStatus.ACCEPTED: ((resolve,), (transfer, give_back)),
        CaseStatus.REOPENED: ((accept, resolve), (transfer, give_back)),
    }
    return rows.get(case.status, ())


def assign_buttons(ctx: Context, case: Case, workers: list[tuple[Person, int]]) -> Rows:
    """Offer a manager one button per worker, with their open-case count."""
    return tuple(
        (Button(ctx.texts("btn.assign_to", name=p.name, open=n),
                data=Payload(Act.ASSIGN_TO, case.id or 0, p.id or 0).pack()),)
        for p, n in workers[:12]
    )


def confirm_buttons(ctx: Context, case_id: int) -> Rows:
    """Ask the resident: solved or not."""
    return ((button(ctx, "btn.solved", Act.SOLVED, case_id),
             button(ctx, "btn.not_solved", Act.NOT_SOLVED, case_id)),)


def confirm_question(ctx: Context, case: Case) -> str:
    """Ask the resident whether the handled case is solved, quoting the worker's note (for a
    dispute: the agreement the mediator recorded)."""
    key = "dispute.ask_confirm" if case.kind == CaseKind.DISPUTE else "resident.ask_confirm"
    return ctx.texts(key, id=case.id, note=case.resolution_note or ctx.texts("resident.no_note"))


def star_buttons(ctx: Context, case_id: int) -> Rows:
    """Big rating buttons, one per row, best first."""
    stars = tuple((Button(ctx.texts("btn.stars", stars="⭐" * n),
                          data=Payload(Act.STARS, case_id, n).pack()),) for n in range(5, 0, -1))
    return stars


async def ask_community(ctx: Context, act: Act, question_key: str) -> None:
    """Ask which community, one big button per community (the first 20)."""
    communities = await directory.all_communities(ctx.session)
    ctx.reply(ctx.texts(question_key), tuple(
        (Button(c.name, data=Payload(act, 0, c.id or 0).pack()),) for c in communities[:20]))


def track_button(ctx: Context, case_id: int) -> Rows:
    """A deep link that opens the private chat and subscribes the resident to the case."""
    return ((Button(ctx.texts("btn.track"), url=ctx.deep_link(f"c{case_id}")),),)


def stars(n: int | None) -> str:
    """Draw a rating."""
    return "★" * (n or 0)


async def record_card_view(ctx: Context, case: Case, viewer: Person | None, *, phone: bool) -> None:
    """Record in the audit trail that staff saw a resident's flat (and phone) on a card."""
    if viewer is None or viewer.id is None or viewer.id == case.reporter_id:
        return
    await audit.record_view(ctx.session, viewer_id=viewer.id, at=ctx.clock.now(),
                            what="phone" if phone else "case_details",
                            subject_id=case.reporter_id, case_id=case.id)
