"""How cases look on screen: cards, receipts and buttons. Texts come from the catalogue."""

from collections.abc import Callable
from datetime import datetime

from handlers.context import Context, Writer
from handlers.payloads import (
    Accept,
    AssignTo,
    ButtonData,
    GiveBack,
    NotSolved,
    Resolve,
    Solved,
    Stars,
    Transfer,
)
from handlers.renderer import Renderer
from handlers.types import Button
from models import Case, CaseAction, CaseKind, Person, Urgency
from services import audit, directory
from services.lifecycle import OPEN_STATUSES, UNTAKEN_STATUSES, holder, next_actions
from services.outgoing import View

Rows = tuple[tuple[Button, ...], ...]
CARD_TEXT_LIMIT = 1500


def local(ctx: Renderer, moment: datetime | None) -> str:
    """Show a UTC timestamp in the configured local zone."""
    return ctx.local(moment)


def when(ctx: Renderer, moment: datetime) -> str:
    """Show a moment as local day and time ("11月22日 14:30")."""
    return ctx.when(moment)


def due_line(ctx: Renderer, case: Case) -> str | None:
    """Say by when the case must be accepted, or resolved, while that is still ahead of it, or
    that it is overdue since then (when the renderer writes at a known time: a Writer)."""
    due = ctx.deadlines.due(kind=case.kind, urgency=case.urgency, created_at=case.created_at,
                            published_at=case.published_at, accepted_at=case.accepted_at)
    # A deadline already passed (a late hand-over) is said to be passed.
    now = ctx.clock.now() if isinstance(ctx, Writer) else None
    if case.status in UNTAKEN_STATUSES and case.accepted_at is None and due.accept:
        late = "_late" if now is not None and due.accept_late(None, now) else ""
        return ctx.texts(f"due.accept{late}", due=when(ctx, due.accept))
    if case.status in OPEN_STATUSES and due.resolve:
        late = "_late" if now is not None and due.resolve_late(None, now) else ""
        return ctx.texts(f"due.resolve{late}", due=when(ctx, due.resolve))
    return None


def kind_name(ctx: Renderer, kind: str) -> str:
    """Name a case kind."""
    return ctx.texts(f"kind.{kind}")


def status_name(ctx: Renderer, status: str, kind: str | None = None) -> str:
    """Name a case status (in the words of its kind where they differ: a dispute is mediated)."""
    own = f"status.{kind}.{status}"
    return ctx.texts(own) if kind and ctx.texts.has(own) else ctx.texts(f"status.{status}")


def address(ctx: Renderer, case: Case, *, public: bool) -> str:
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


def button(ctx: Renderer, key: str, data: ButtonData) -> Button:
    """Make a catalogue-labelled button carrying its typed data."""
    return Button(ctx.texts(key), data=data.pack())


def case_card(
    ctx: Renderer, case: Case, reporter: Person | None, *, phone: bool, header: str = "card.new",
    footer: str | None = None,
) -> str:
    """Render the private card a worker or manager gets."""
    text = case.text if len(case.text) <= CARD_TEXT_LIMIT else case.text[:CARD_TEXT_LIMIT] + "…"
    lines = [
        ctx.texts(header, id=case.id, kind=kind_name(ctx, case.kind)),
        ctx.texts("card.urgent") if case.urgency == Urgency.URGENT else None,
        ctx.texts("card.affected", affected=case.followers + 1) if case.followers else None,
        ctx.texts("card.address", address=address(ctx, case, public=False)),
        ctx.texts("card.text", text=text),
        ctx.texts("card.reporter", name=reporter.name if reporter else "-"),
        ctx.texts("card.phone", phone=reporter.phone) if phone and reporter and reporter.phone
        else ctx.texts("card.no_phone") if phone and reporter and reporter.telegram_id
        else None,
        ctx.texts("card.time", time=local(ctx, case.created_at),
                  status=status_name(ctx, case.status, case.kind)),
        due_line(ctx, case),
        footer,
    ]
    return "\n".join(line for line in lines if line)


_WORKER_ROWS: tuple[tuple[tuple[CaseAction, str, type[Accept | Resolve | Transfer | GiveBack]],
                          ...], ...] = (
    ((CaseAction.ACCEPT, "btn.accept", Accept), (CaseAction.RESOLVE, "btn.resolve", Resolve)),
    ((CaseAction.TRANSFER, "btn.transfer", Transfer), (CaseAction.RETURN, "btn.return", GiveBack)),
)


def worker_buttons(ctx: Renderer, case: Case) -> Rows:
    """Offer the case's holder the closed loop's actions the lifecycle allows them now."""
    actions = next_actions(case, holder(case.kind))
    if CaseAction.ACCEPT not in actions and CaseAction.RESOLVE not in actions:
        return ()  # nothing to do on it now: no transfer or return either
    rows = (tuple(button(ctx, key, make(case.id or 0)) for action, key, make in row
                  if action in actions) for row in _WORKER_ROWS)
    return tuple(row for row in rows if row)


def assign_buttons(ctx: Renderer, case: Case, workers: list[tuple[Person, int]]) -> Rows:
    """Offer a manager one button per worker, with their open-case count."""
    return tuple(
        (Button(ctx.texts("btn.assign_to", name=p.name, open=n),
                data=AssignTo(case.id or 0, p.id or 0).pack()),)
        for p, n in workers[:12]
    )


def confirm_buttons(ctx: Renderer, case_id: int) -> Rows:
    """Ask the resident: solved or not."""
    return ((button(ctx, "btn.solved", Solved(case_id)),
             button(ctx, "btn.not_solved", NotSolved(case_id))),)


def confirm_question(ctx: Renderer, case: Case) -> str:
    """Ask the resident whether the handled case is solved, quoting the worker's note (for a
    dispute: the agreement the mediator recorded)."""
    key = "dispute.ask_confirm" if case.kind == CaseKind.DISPUTE else "resident.ask_confirm"
    return ctx.texts(key, id=case.id, note=case.resolution_note or ctx.texts("resident.no_note"))


def star_buttons(ctx: Renderer, case_id: int) -> Rows:
    """Big rating buttons, one per row, best first."""
    stars = tuple((Button(ctx.texts("btn.stars", stars="⭐" * n),
                          data=Stars(case_id, n).pack()),) for n in range(5, 0, -1))
    return stars


async def ask_community(
    ctx: Context, choice: Callable[[int], ButtonData], question_key: str
) -> None:
    """Ask which community, one big button per community (the first 20)."""
    communities = await directory.all_communities(ctx.session)
    ctx.reply(ctx.texts(question_key), tuple(
        (Button(c.name, data=choice(c.id or 0).pack()),) for c in communities[:20]))


def track_button(ctx: Renderer, case_id: int) -> Rows:
    """A deep link that opens the private chat and subscribes the resident to the case."""
    return ((Button(ctx.texts("btn.track"), url=ctx.deep_link(f"c{case_id}")),),)


def stars(n: int | None) -> str:
    """Draw a rating."""
    return "★" * (n or 0)


def card_views(case: Case, viewer: Person | None, *, phone: bool) -> tuple[View, ...]:
    """What a card shows staff of a resident's personal data (the flat, and the phone): the
    audit trail's row, recorded when the card is delivered (carried in its outbox row)."""
    if viewer is None or viewer.id is None or viewer.id == case.reporter_id:
        return ()
    return (View(viewer.id, "phone" if phone else "case_details", case.reporter_id, case.id),)


async def record_card_view(ctx: Writer, case: Case, viewer: Person | None, *, phone: bool) -> None:
    """Record in the audit trail that staff saw a resident's flat (and phone) on a card shown
    in answer to their own request (the reply is theirs at once)."""
    for view in card_views(case, viewer, phone=phone):
        await audit.record_view(ctx.session, viewer_id=view.viewer_id, at=ctx.clock.now(),
                                what=view.what, subject_id=view.subject_id, case_id=view.case_id)
